"""A payment's state comes from its transaction log, whatever order the log arrived in;
partial refunds of a line add up to the line exactly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.payments.domain import (
    InvalidRefundError,
    PaymentStatus,
    Transaction,
    TransactionKind,
    TransactionPhase,
    derive_state,
    line_refund_amount,
)
from marketplace.shared.money import Money

T = datetime(2026, 1, 1, tzinfo=UTC)
AMOUNT = Money.of("100.00", "CNY")


def tx(kind: TransactionKind, phase: TransactionPhase, amount: str = "100.00") -> Transaction:
    return Transaction("pay_1", kind, phase, Money.of(amount, "CNY"), "notification", T)


K, P = TransactionKind, TransactionPhase


@pytest.mark.parametrize(
    ("log", "status", "captured", "refunded"),
    [
        ([], PaymentStatus.PENDING, "0", "0"),
        ([tx(K.CAPTURE, P.REQUEST)], PaymentStatus.PENDING, "0", "0"),
        ([tx(K.CAPTURE, P.FAILURE)], PaymentStatus.FAILED, "0", "0"),
        ([tx(K.CANCEL, P.SUCCESS)], PaymentStatus.CANCELLED, "0", "0"),
        ([tx(K.CANCEL, P.SUCCESS), tx(K.CAPTURE, P.SUCCESS)], PaymentStatus.CAPTURED, "100", "0"),
        ([tx(K.CAPTURE, P.SUCCESS), tx(K.REFUND, P.SUCCESS, "30.00")],
         PaymentStatus.PARTIALLY_REFUNDED, "100", "30"),
        ([tx(K.REFUND, P.SUCCESS, "100.00"), tx(K.CAPTURE, P.SUCCESS)],
         PaymentStatus.REFUNDED, "100", "100"),
        ([tx(K.CAPTURE, P.SUCCESS), tx(K.REFUND, P.FAILURE, "30.00")],
         PaymentStatus.CAPTURED, "100", "0"),
    ],
)  # fmt: skip
def test_state_from_log(
    log: list[Transaction], status: PaymentStatus, captured: str, refunded: str
) -> None:
    state = derive_state(AMOUNT, log)
    assert state.status is status
    assert state.captured == Money.of(captured, "CNY")
    assert state.refunded == Money.of(refunded, "CNY")


_events = st.lists(
    st.sampled_from([
        tx(K.CAPTURE, P.REQUEST), tx(K.CAPTURE, P.FAILURE), tx(K.CAPTURE, P.SUCCESS),
        tx(K.CANCEL, P.SUCCESS), tx(K.REFUND, P.SUCCESS, "10.00"),
        tx(K.REFUND, P.FAILURE, "10.00"), tx(K.REFUND, P.REQUEST, "10.00"),
    ]),
    max_size=8,
)  # fmt: skip


@given(_events, st.randoms(use_true_random=False))
def test_any_arrival_order_ends_in_the_same_state(log: list[Transaction], rnd: object) -> None:
    shuffled = list(log)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert derive_state(AMOUNT, log) == derive_state(AMOUNT, shuffled)


@given(
    quantity=st.integers(1, 50),
    total_minor=st.integers(0, 10_000_000),
    data=st.data(),
)
def test_partial_refunds_of_a_line_sum_to_its_total(
    quantity: int, total_minor: int, data: st.DataObject
) -> None:
    total = Money.from_minor(total_minor, "CNY")
    refunded, units, parts = Money.zero("CNY"), 0, []
    while units < quantity:
        take = data.draw(st.integers(1, quantity - units))
        part = line_refund_amount(line_total=total, quantity=quantity, refunded_quantity=units,
                                  refunded=refunded, take=take)  # fmt: skip
        assert not part.is_negative
        parts.append(part)
        refunded, units = refunded + part, units + take
        assert refunded <= total
    assert refunded == total
    # No unit is refunded at more than a fair share rounded up.
    assert max(p.minor for p in parts) <= total_minor


def test_refunding_more_units_than_left_is_refused() -> None:
    with pytest.raises(InvalidRefundError):
        line_refund_amount(line_total=Money.of("9.00", "CNY"), quantity=3, refunded_quantity=2,
                           refunded=Money.of("6.00", "CNY"), take=2)  # fmt: skip
