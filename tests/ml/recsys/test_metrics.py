"""Metric functions against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from recsys.evaluation.metrics import (
    average_precision_at_k,
    catalog_coverage,
    hit_rate_at_k,
    ndcg_at_k,
    popularity_bias,
    popularity_percentiles,
    recall_at_k,
)

RECS = ["a", "b", "c", "d", "e"]
RELEVANT = {"b", "d", "x"}


def test_recall() -> None:
    assert recall_at_k(RECS, RELEVANT, 5) == pytest.approx(2 / 3)
    assert recall_at_k(RECS, RELEVANT, 2) == pytest.approx(1 / 3)
    assert recall_at_k(RECS, set(), 5) == 0.0


def test_hit_rate() -> None:
    assert hit_rate_at_k(RECS, RELEVANT, 1) == 0.0
    assert hit_rate_at_k(RECS, RELEVANT, 2) == 1.0


def test_ndcg() -> None:
    # hits at ranks 2 and 4: 1/log2(3) + 1/log2(5); ideal: 3 hits at ranks 1..3
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(RECS, RELEVANT, 5) == pytest.approx(dcg / ideal)
    assert ndcg_at_k(["b"], {"b"}, 5) == 1.0
    assert ndcg_at_k(RECS, set(), 5) == 0.0


def test_average_precision() -> None:
    # precision at the hits: 1/2 and 2/4, over min(3, 5) relevant
    assert average_precision_at_k(RECS, RELEVANT, 5) == pytest.approx((0.5 + 0.5) / 3)
    # k=2: one hit at rank 2, over min(3, 2)
    assert average_precision_at_k(RECS, RELEVANT, 2) == pytest.approx(0.5 / 2)
    assert average_precision_at_k(["a", "b"], {"a", "b"}, 2) == 1.0


def test_catalog_coverage() -> None:
    lists = [["a", "b", "c"], ["a", "d", "e"]]
    assert catalog_coverage(lists, 10, 2) == pytest.approx(3 / 10)
    assert catalog_coverage(lists, 10, 3) == pytest.approx(5 / 10)
    assert catalog_coverage(lists, 0, 3) == 0.0


def test_popularity_percentiles_and_bias() -> None:
    pct = popularity_percentiles({"a": 1, "b": 5, "c": 5, "d": 10, "e": 2})
    # sorted 1, 2, 5, 5, 10 -> positions 0..4 over 4; the tied 5s share (2 + 3) / 2
    assert pct == {"a": 0.0, "e": 25.0, "b": 62.5, "c": 62.5, "d": 100.0}
    assert popularity_bias([["d", "a"], ["b"]], pct, 2) == pytest.approx((100 + 0 + 62.5) / 3)
    assert popularity_bias([], pct, 2) == 0.0
