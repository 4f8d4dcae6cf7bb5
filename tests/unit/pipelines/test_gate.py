"""The promotion gate's rule and the decisions it records (pure functions)."""

from __future__ import annotations

import pytest

from pipelines.registry import follow, gate, passes_gate


@pytest.mark.parametrize(
    ("challenger", "champion", "margin", "expected"),
    [
        (0.50, None, 0.01, True),  # no champion: promote
        (0.50, 0.50, 0.0, True),  # equal is enough at margin 0
        (0.4999, 0.50, 0.0, False),
        (0.495, 0.50, 0.01, True),  # 0.50 x 0.99 = 0.495: exactly on the floor
        (0.494, 0.50, 0.01, False),
        (0.0, 0.0, 0.01, True),
        (0.45, 0.50, 0.10, True),
    ],
)
def test_not_worse_than_the_champion_by_more_than_the_margin(
    challenger: float, champion: float | None, margin: float, expected: bool
) -> None:
    assert passes_gate(challenger, champion, margin) is expected


def test_a_negative_margin_is_refused() -> None:
    with pytest.raises(ValueError, match="margin"):
        passes_gate(0.5, 0.4, -0.1)


def test_a_refusal_says_why_with_both_scores() -> None:
    decision = gate(
        "agora-recs-user", challenger_version="7", champion_version="3", metric="recall@20",
        challenger_score=0.25, champion_score=0.5, margin=0.01,
    )  # fmt: skip

    assert not decision.promoted
    assert decision.reason == "recall@20 0.2500 < 0.4950 (champion v3 0.5000 x (1 - 0.01))"
    assert decision.as_dict() == {
        "model": "agora-recs-user", "challenger_version": "7", "champion_version": "3",
        "metric": "recall@20", "challenger_score": 0.25, "champion_score": 0.5,
        "margin": 0.01, "promoted": False,
        "reason": "recall@20 0.2500 < 0.4950 (champion v3 0.5000 x (1 - 0.01))",
    }  # fmt: skip


def test_without_a_champion_the_challenger_is_promoted() -> None:
    decision = gate(
        "agora-recs-user", challenger_version="1", champion_version=None, metric="recall@20",
        challenger_score=0.1, champion_score=None,
    )  # fmt: skip
    assert decision.promoted
    assert decision.reason == "no champion yet"
    assert decision.margin == 0.01  # the default


def test_a_champion_needs_a_score() -> None:
    with pytest.raises(ValueError, match="score"):
        gate("m", challenger_version="2", champion_version="1", metric="recall@20",
             challenger_score=0.3, champion_score=None)  # fmt: skip


def test_other_surfaces_follow_the_gated_model_unless_they_have_no_champion() -> None:
    refused = gate("agora-recs-user", challenger_version="2", champion_version="1",
                   metric="recall@20", challenger_score=0.1, champion_score=0.5)  # fmt: skip
    accepted = gate("agora-recs-user", challenger_version="2", champion_version="1",
                    metric="recall@20", challenger_score=0.6, champion_score=0.5)  # fmt: skip

    held = follow("agora-recs-search", challenger_version="2", champion_version="1",
                  leader=refused)  # fmt: skip
    moved = follow("agora-recs-search", challenger_version="2", champion_version="1",
                   leader=accepted)  # fmt: skip
    first = follow("agora-recs-search", challenger_version="1", champion_version=None,
                   leader=refused)  # fmt: skip

    assert (held.promoted, held.reason) == (False, "follows agora-recs-user: refused")
    assert (moved.promoted, moved.reason) == (True, "follows agora-recs-user: promoted")
    assert (first.promoted, first.reason) == (True, "no champion yet")
    assert held.metric is None
    assert held.challenger_score is None
