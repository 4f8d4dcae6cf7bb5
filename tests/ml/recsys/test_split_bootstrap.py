"""The time split and the bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pytest

from recsys.evaluation.bootstrap import bootstrap_mean, paired_relative_difference
from recsys.evaluation.split import time_split
from recsys.schema import EventLog


def log_of(rows: list[tuple[str, str, str, str]]) -> EventLog:
    users, items, kinds, days = zip(*rows, strict=True)
    return EventLog(
        np.array(users),
        np.array(items),
        np.array(kinds),
        np.array(days, dtype="datetime64[us]"),
        np.array([None] * len(rows), dtype=object),
    )


def test_split_by_time_warm_new_items_and_cold_users() -> None:
    log = log_of(
        [
            ("u1", "a", "purchase", "2026-01-01"),
            ("u1", "b", "view", "2026-01-05"),
            ("u2", "a", "view", "2026-01-06"),
            ("u1", "a", "purchase", "2026-01-11"),  # repeat: not a new item
            ("u1", "b", "purchase", "2026-01-12"),  # viewed in train: not new either
            ("u1", "c", "purchase", "2026-01-12"),
            ("u1", "d", "view", "2026-01-12"),  # not a target kind
            ("u2", "d", "purchase", "2026-01-13"),
            ("u3", "a", "purchase", "2026-01-14"),  # unseen in train: cold
            ("u2", "e", "purchase", "2026-01-25"),  # after the test window
        ]
    )
    split = time_split(log, test_days=10, cutoff=np.datetime64("2026-01-10"))
    assert len(split.train) == 3
    assert split.end == np.datetime64("2026-01-20T00:00:00", "us")
    assert split.warm == {"u1": {"c"}, "u2": {"d"}}
    assert split.cold == {"u3": {"a"}}


def test_default_cutoff_is_the_last_window() -> None:
    log = log_of([("u1", "a", "purchase", "2026-01-01"), ("u1", "b", "purchase", "2026-01-20")])
    split = time_split(log, test_days=7)
    assert len(split.train) == 1
    assert split.warm == {"u1": {"b"}}
    with pytest.raises(ValueError, match="no events"):
        time_split(log.select(np.zeros(2, dtype=bool)), test_days=7)


def test_bootstrap_of_a_constant_is_the_constant() -> None:
    iv = bootstrap_mean(np.full(50, 0.3), n_boot=200, seed=1)
    assert (iv.value, iv.low, iv.high) == pytest.approx((0.3, 0.3, 0.3))
    assert iv.excludes_zero()


def test_bootstrap_interval_matches_the_normal_approximation() -> None:
    values = np.random.default_rng(0).normal(1.0, 2.0, 4000)
    iv = bootstrap_mean(values, n_boot=2000, seed=3)
    half_width = 1.96 * values.std() / np.sqrt(len(values))
    assert iv.low < values.mean() < iv.high
    assert (iv.high - iv.low) / 2 == pytest.approx(half_width, rel=0.1)
    assert bootstrap_mean(values, n_boot=2000, seed=3) == iv  # seeded: reproducible


def test_paired_relative_difference() -> None:
    base = np.array([0.0, 0.5, 1.0, 0.5] * 25)
    same = paired_relative_difference(base, base, n_boot=300, seed=0)
    assert (same.value, same.low, same.high) == (0.0, 0.0, 0.0)
    better = paired_relative_difference(base * 1.5, base, n_boot=300, seed=0)
    # every user 50 % better: each resample's ratio is exactly 1.5
    assert (better.value, better.low, better.high) == pytest.approx((0.5, 0.5, 0.5))
    assert better.excludes_zero()
    noisy = paired_relative_difference(base[::-1].copy(), base, n_boot=300, seed=0)
    assert noisy.low < 0 < noisy.high
    with pytest.raises(ValueError, match="differ in length"):
        paired_relative_difference(base, base[:3])
