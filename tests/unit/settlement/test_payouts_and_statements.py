"""Payouts (state machine, postings, no overdraw) and statements (hand-computed figures),
through the services on in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.settlement import services
from marketplace.settlement.domain import (
    BANK_PAYOUTS,
    InsufficientPayableBalanceError,
    InvalidPayoutError,
    InvalidStatementPeriodError,
    MerchantNotFoundError,
    MerchantShare,
    OrderMovements,
    PayoutStatus,
    PayoutTransitionError,
    StatementPeriod,
    StatementPeriodNotEndedError,
    StatementPeriodOverlapError,
    build_statement,
)
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from tests.unit.settlement.fakes import FakeSettlementUow

T0 = datetime(2026, 3, 1, tzinfo=UTC)
PAYABLE = "merchant_payable:mer_a"


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def uow(clock: FixedClock) -> FakeSettlementUow:
    fake = FakeSettlementUow(clock)
    fake.state.merchants.update({"mer_a", "mer_b"})
    return fake


def capture(uow: FakeSettlementUow, payment: str, gross: str, commission: str) -> None:
    share = MerchantShare("mer_a", f"ord_{payment}", cny(gross), cny(commission))
    with uow:
        services.post_payment_captured(
            uow=uow, payment_id=payment, funding_account="gateway:sandbox", shares=[share],
            at=uow.clock.now(),
        )  # fmt: skip
        uow.commit()


def refund(uow: FakeSettlementUow, payment: str, gross: str, commission: str) -> None:
    share = MerchantShare("mer_a", f"ord_{payment}", cny(gross), cny(commission))
    with uow:
        services.post_refund(
            uow=uow, refund_id=f"ref_{payment}_{gross}", payment_id=payment,
            funding_account="gateway:sandbox", shares=[share], at=uow.clock.now(),
        )  # fmt: skip
        uow.commit()


def payout(uow: FakeSettlementUow, amount: str) -> str:
    made = services.create_payout(services.CreatePayout("mer_a", cny(amount), "adm_1"), uow=uow)
    return made.id


# -- payouts ----------------------------------------------------------------------------------
def test_a_payout_moves_the_payable_to_the_bank(uow: FakeSettlementUow) -> None:
    capture(uow, "p1", "100.00", "5.00")
    payout_id = payout(uow, "95.00")
    created = uow.state.payouts[payout_id]
    assert (created.status, created.amount, created.created_by) == (
        PayoutStatus.PENDING, cny("95.00"), "adm_1",
    )  # fmt: skip
    assert uow.ledger.balance(PAYABLE, "CNY") == 0
    assert uow.ledger.balance(BANK_PAYOUTS, "CNY") == -9500
    assert PAYABLE in uow.state.locks  # the balance was read under the merchant's lock


def test_a_payout_beyond_the_available_balance_changes_nothing(uow: FakeSettlementUow) -> None:
    capture(uow, "p1", "100.00", "5.00")
    payout(uow, "90.00")
    before = (dict(uow.state.entries), dict(uow.state.payouts))
    with pytest.raises(InsufficientPayableBalanceError) as caught:
        payout(uow, "5.01")
    assert caught.value.details == {"available": "5.00", "currency": "CNY"}
    with pytest.raises(InsufficientPayableBalanceError):
        services.create_payout(services.CreatePayout("mer_a", Money.of("1", "USD")), uow=uow)
    with pytest.raises(InvalidPayoutError):
        payout(uow, "0.00")
    with pytest.raises(MerchantNotFoundError):
        services.create_payout(services.CreatePayout("mer_z", cny("1.00")), uow=uow)
    assert (uow.state.entries, uow.state.payouts) == before


def test_payout_states_and_the_reversal_of_a_failed_one(
    uow: FakeSettlementUow, clock: FixedClock
) -> None:
    capture(uow, "p1", "100.00", "0.00")
    first, second = payout(uow, "30.00"), payout(uow, "20.00")
    clock.advance(timedelta(hours=1))
    moving = services.mark_payout_processing(services.MovePayout(first, "BANK-1"), uow=uow)
    assert (moving.status, moving.external_reference, moving.processing_at) == (
        PayoutStatus.PROCESSING, "BANK-1", clock.now(),
    )  # fmt: skip
    paid = services.mark_payout_paid(services.MovePayout(first), uow=uow)
    assert (paid.status, paid.external_reference, paid.paid_at) == (
        PayoutStatus.PAID, "BANK-1", clock.now(),
    )  # fmt: skip
    assert services.mark_payout_paid(services.MovePayout(first), uow=uow) == paid  # no-op
    with pytest.raises(PayoutTransitionError):
        services.mark_payout_failed(services.MovePayout(first, failure_reason="x"), uow=uow)
    assert uow.ledger.balance(PAYABLE, "CNY") == -5000
    failed = services.mark_payout_failed(
        services.MovePayout(second, failure_reason="account closed"), uow=uow
    )
    assert (failed.status, failed.failure_reason) == (PayoutStatus.FAILED, "account closed")
    assert uow.ledger.balance(PAYABLE, "CNY") == -7000  # the 20.00 is back
    assert uow.ledger.balance(BANK_PAYOUTS, "CNY") == -3000
    with pytest.raises(PayoutTransitionError):
        services.mark_payout_processing(services.MovePayout(second), uow=uow)
    assert len(uow.state.entries) == 4  # capture, two payouts, one reversal


# -- statements -------------------------------------------------------------------------------
def test_build_statement_by_hand() -> None:
    period = StatementPeriod(T0, T0 + timedelta(days=31))
    statement = build_statement(
        merchant_id="mer_a", currency="CNY", period=period, opening_minor=1000,
        orders={
            "ord_2": OrderMovements(captured_net=9500, captured_commission=500),
            "ord_1": OrderMovements(refunded_net=3800, refunded_commission=200),
        },
        payouts_minor=3000,
    )  # fmt: skip
    assert [line.order_id for line in statement.lines] == ["ord_1", "ord_2"]
    assert statement.lines[0].net == cny("-38.00")
    names = ("opening", "gross", "commission", "refunds", "commission_refunded", "net",
             "payouts", "closing")  # fmt: skip
    assert {name: str(getattr(statement, name).amount) for name in names} == {
        "opening": "10.00", "gross": "100.00", "commission": "5.00", "refunds": "40.00",
        "commission_refunded": "2.00", "net": "57.00", "payouts": "30.00", "closing": "37.00",
    }  # fmt: skip


def test_periods_are_validated() -> None:
    with pytest.raises(InvalidStatementPeriodError):
        StatementPeriod(T0, T0)
    with pytest.raises(InvalidStatementPeriodError):
        StatementPeriod(datetime(2026, 1, 1), datetime(2026, 2, 1))
    with pytest.raises(InvalidStatementPeriodError):
        StatementPeriod(T0, T0 + timedelta(days=400))


def test_closing_periods_from_the_postings(uow: FakeSettlementUow, clock: FixedClock) -> None:
    march, april = T0, datetime(2026, 4, 1, tzinfo=UTC)
    capture(uow, "p1", "100.00", "5.00")
    clock.advance(timedelta(days=2))
    refund(uow, "p1", "40.00", "2.00")
    payout(uow, "30.00")
    clock.advance(april - clock.now() + timedelta(days=1))  # into April
    capture(uow, "p2", "10.00", "1.00")

    close = services.CloseStatement("mer_a", "cny", march, april, actor="adm_1")
    statement, created = services.close_statement(close, uow=uow)
    assert created
    assert (statement.gross, statement.commission, statement.refunds) == (
        cny("100.00"), cny("5.00"), cny("40.00"),
    )  # fmt: skip
    assert (statement.net, statement.payouts, statement.closing) == (
        cny("57.00"), cny("30.00"), cny("27.00"),
    )  # fmt: skip
    again, created_again = services.close_statement(close, uow=uow)
    assert (again, created_again) == (statement, False)

    with pytest.raises(StatementPeriodOverlapError):
        services.close_statement(
            services.CloseStatement("mer_a", "CNY", march + timedelta(days=1), april), uow=uow
        )
    with pytest.raises(StatementPeriodNotEndedError):  # April has not ended yet
        services.close_statement(
            services.CloseStatement("mer_a", "CNY", april, april + timedelta(days=30)), uow=uow
        )
    clock.advance(timedelta(days=40))
    may, _ = services.close_statement(
        services.CloseStatement("mer_a", "CNY", april, april + timedelta(days=30)), uow=uow
    )
    assert may.opening == statement.closing
    assert may.closing == cny("36.00")
    assert len(uow.state.statements) == 2
