"""The proportional commission refund: hand-computed figures and hypothesis properties."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.settlement.domain import (
    CommissionRefundError,
    InvalidShareError,
    RefundExceedsCaptureError,
    refundable_commission,
)
from marketplace.shared.money import Money


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def minor(value: int) -> Money:
    return Money.from_minor(value, "CNY")


def test_hand_computed_partial_refunds_end_exactly_at_the_commission() -> None:
    # Commission 0.10 on 3.00, refunded 1.00 three times. Per refund 0.0333 would give
    # 0.03 x 3 = 0.09; on the running total it is 0.03, 0.04 (0.0667 -> 0.07), 0.03.
    commission, gross = cny("0.10"), cny("3.00")
    parts, refunded, done = [], cny("0.00"), cny("0.00")
    for _ in range(3):
        part = refundable_commission(
            commission=commission, gross=gross, refund=cny("1.00"),
            already_refunded_commission=done, already_refunded=refunded,
        )  # fmt: skip
        parts.append(part)
        done, refunded = done + part, refunded + cny("1.00")
    assert parts == [cny("0.03"), cny("0.04"), cny("0.03")]
    assert done == commission


def test_without_the_gross_already_refunded() -> None:
    # 5.00 x 33.33 / 100.00 = 1.6665 -> 1.67 (half-up)
    assert refundable_commission(
        commission=cny("5.00"), gross=cny("100.00"), refund=cny("33.33"),
        already_refunded_commission=cny("0.00"),
    ) == cny("1.67")  # fmt: skip
    # A refund of the whole gross returns whatever is left.
    assert refundable_commission(
        commission=cny("5.00"), gross=cny("100.00"), refund=cny("100.00"),
        already_refunded_commission=cny("0.00"),
    ) == cny("5.00")  # fmt: skip
    # Never past the commission: 4.99 already back, a 50 % refund gives only 0.01.
    assert refundable_commission(
        commission=cny("5.00"), gross=cny("100.00"), refund=cny("50.00"),
        already_refunded_commission=cny("4.99"),
    ) == cny("0.01")  # fmt: skip


def test_refusals() -> None:
    with pytest.raises(RefundExceedsCaptureError):
        refundable_commission(
            commission=cny("5.00"), gross=cny("100.00"), refund=cny("60.00"),
            already_refunded_commission=cny("3.00"), already_refunded=cny("50.00"),
        )  # fmt: skip
    with pytest.raises(CommissionRefundError):
        refundable_commission(
            commission=cny("5.00"), gross=cny("100.00"), refund=cny("1.00"),
            already_refunded_commission=cny("5.01"),
        )  # fmt: skip
    with pytest.raises(InvalidShareError):
        refundable_commission(
            commission=cny("5.00"), gross=cny("100.00"), refund=Money.of("1.00", "USD"),
            already_refunded_commission=cny("0.00"),
        )  # fmt: skip
    with pytest.raises(InvalidShareError):
        refundable_commission(
            commission=cny("101.00"), gross=cny("100.00"), refund=cny("1.00"),
            already_refunded_commission=cny("0.00"),
        )  # fmt: skip


@st.composite
def refund_plans(draw: st.DrawFn) -> tuple[int, int, list[int]]:
    """(gross, commission, refunds) in minor units; the refunds sum to the gross."""
    gross = draw(st.integers(1, 10**9))
    commission = draw(st.integers(0, gross))
    cuts = sorted(draw(st.lists(st.integers(0, gross), max_size=8)))
    bounds = [0, *cuts, gross]
    return gross, commission, [b - a for a, b in itertools.pairwise(bounds)]


@given(refund_plans())
def test_running_commission_refunds_never_exceed_and_end_exactly(
    plan: tuple[int, int, list[int]],
) -> None:
    gross, commission, refunds = plan
    done = refunded = 0
    for refund in refunds:
        part = refundable_commission(
            commission=minor(commission), gross=minor(gross), refund=minor(refund),
            already_refunded_commission=minor(done), already_refunded=minor(refunded),
        ).minor  # fmt: skip
        assert part >= 0
        done, refunded = done + part, refunded + refund
        assert done <= commission
        # Within half a minor unit of the exact proportional share, at every step.
        assert abs(done * gross - commission * refunded) * 2 <= gross
    assert done == commission


@given(refund_plans())
def test_without_the_running_gross_refunds_still_never_exceed(
    plan: tuple[int, int, list[int]],
) -> None:
    gross, commission, refunds = plan
    done = 0
    for refund in refunds:
        part = refundable_commission(
            commission=minor(commission), gross=minor(gross), refund=minor(refund),
            already_refunded_commission=minor(done),
        ).minor  # fmt: skip
        assert part >= 0
        done += part
        assert done <= commission
