"""The promotion gate's rule and the decisions it records (pure functions)."""

from __future__ import annotations

import pytest

from pipelines.registry import follow, gate, passes_gate, relative_improvement


@pytest.mark.parametrize(
    ("challenger", "champion", "margin", "expected"),
    [
        (0.50, None, 0.01, True),  # no champion: promote
        (0.50, 0.50, 0.0, True),  # equal is enough at margin 0
        (0.4999, 0.50, 0.0, False),
        (0.505, 0.50, 0.01, True),  # +1 %: exactly the margin
        (0.504, 0.50, 0.01, False),  # better, but not by the margin
        (0.50, 0.50, 0.01, False),  # a tie does not replace the champion
        (0.0, 0.0, 0.0, True),
        (0.1, 0.0, 0.01, True),  # anything beats a zero champion
        (0.60, 0.50, 0.10, True),
    ],
)
def test_a_new_recipe_must_win_by_the_margin(
    challenger: float, champion: float | None, margin: float, expected: bool
) -> None:
    assert passes_gate(challenger, champion, margin) is expected


@pytest.mark.parametrize(
    ("challenger", "champion", "tolerance", "expected"),
    [
        (0.50, 0.50, 0.01, True),  # the same score: a refresh goes through
        (0.495, 0.50, 0.01, True),  # -1 %: exactly the tolerance
        (0.494, 0.50, 0.01, False),  # a real regression is refused
        (0.4999, 0.50, 0.0, False),
    ],
)
def test_a_refresh_of_the_same_recipe_may_lose_the_tolerance(
    challenger: float, champion: float, tolerance: float, expected: bool
) -> None:
    assert passes_gate(challenger, champion, 0.05, tolerance=tolerance,
                       same_recipe=True) is expected  # fmt: skip


@pytest.mark.parametrize(
    ("challenger", "champion", "same_recipe", "expected"),
    [
        (0.90, 1.00, False, True),  # 10 % lower error: a win
        (0.995, 1.00, False, False),  # 0.5 % lower: not by the margin
        (1.005, 1.00, True, True),  # a refresh 0.5 % worse: tolerated
        (1.02, 1.00, True, False),
        (1.02, 1.00, False, False),
    ],
)
def test_for_an_error_metric_lower_is_better(
    challenger: float, champion: float, same_recipe: bool, expected: bool
) -> None:
    assert passes_gate(challenger, champion, 0.01, same_recipe=same_recipe,
                       higher_is_better=False) is expected  # fmt: skip


def test_relative_improvement_is_signed_by_direction() -> None:
    assert relative_improvement(0.6, 0.5) == pytest.approx(0.2)
    assert relative_improvement(0.6, 0.5, higher_is_better=False) == pytest.approx(-0.2)
    assert relative_improvement(1.0, -2.0) == pytest.approx(1.5)  # scaled by |champion|
    assert relative_improvement(0.0, 0.0) == 0.0
    assert relative_improvement(0.0, 0.0, higher_is_better=False) == 0.0


@pytest.mark.parametrize("kwargs", [{"margin": -0.1}, {"tolerance": -0.1}])
def test_negative_thresholds_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be >= 0"):
        passes_gate(0.5, 0.4, **kwargs)


def test_a_refusal_says_why_with_both_scores() -> None:
    decision = gate(
        "agora-recs-user", challenger_version="7", champion_version="3", metric="recall@20",
        challenger_score=0.25, champion_score=0.5, margin=0.01,
    )  # fmt: skip

    assert not decision.promoted
    reason = "recall@20 0.2500 vs champion v3 0.5000: -50.00 % < +1.00 % (new recipe, margin 0.01)"
    assert decision.reason == reason
    assert decision.as_dict() == {
        "model": "agora-recs-user", "challenger_version": "7", "champion_version": "3",
        "metric": "recall@20", "challenger_score": 0.25, "champion_score": 0.5,
        "margin": 0.01, "promoted": False, "reason": reason, "tolerance": 0.01,
        "same_recipe": False, "higher_is_better": True, "improvement": -0.5,
    }  # fmt: skip


def test_a_refresh_decision_names_the_tolerance_and_the_direction() -> None:
    decision = gate(
        "agora-forecast-demand", challenger_version="4", champion_version="2", metric="rmsse",
        challenger_score=0.96, champion_score=0.95, same_recipe=True, higher_is_better=False,
    )  # fmt: skip

    assert not decision.promoted  # 1.05 % worse than the champion, beyond the 1 % tolerance
    assert decision.reason == (
        "rmsse 0.9600 vs champion v2 0.9500: -1.05 % < -1.00 % "
        "(same recipe, tolerance 0.01, lower is better)"
    )


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
