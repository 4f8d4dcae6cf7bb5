"""The wallet and credit terms move money in our own tables: what each refuses leaves every
row as it was, and what each retries moves the money once. Both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from marketplace.payments.adapters.internal import CreditTermsGateway, WalletGateway
from marketplace.payments.adapters.tables import (
    credit_accounts,
    invoice_credits,
    invoices,
    wallet_entries,
)
from marketplace.payments.domain import (
    CreditLimitExceededError,
    InsufficientBalanceError,
    TransactionPhase,
)
from marketplace.shared.clock import FixedClock
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money
from tests.unit.payments.vendors.internal_harness import (
    books,
    cny,
    insert_user,
    on_terms,
    pay,
    refund_of,
)


def count(engine: Engine, table: object, *where: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())  # type: ignore[arg-type]


# -- wallet -----------------------------------------------------------------------------------
@pytest.fixture
def wallet(any_engine: Engine, clock: FixedClock) -> tuple[WalletGateway, str]:
    buyer = new_id("usr")
    insert_user(any_engine, buyer, clock.now())
    gateway = WalletGateway(any_engine, clock=clock)
    assert gateway.top_up(buyer, cny("50.00"), reference="grant-1")
    return gateway, buyer


@pytest.mark.parametrize(("amount", "currency"), [("50.01", "CNY"), ("1.00", "USD")])
def test_the_wallet_refuses_more_than_its_balance_and_changes_nothing(
    wallet: tuple[WalletGateway, str], any_engine: Engine, clock: FixedClock,
    amount: str, currency: str,
) -> None:  # fmt: skip
    gateway, buyer = wallet
    before = books(any_engine)
    with pytest.raises(InsufficientBalanceError) as err:
        gateway.start(pay(buyer, Money.of(amount, currency), clock))
    assert err.value.code == "insufficient_wallet_balance"
    assert books(any_engine) == before
    assert gateway.balance(buyer, "CNY") == cny("50.00")


def test_a_buyer_without_a_wallet_is_refused(
    any_engine: Engine, clock: FixedClock, wallet: tuple[WalletGateway, str]
) -> None:
    gateway, _ = wallet
    stranger = new_id("usr")
    insert_user(any_engine, stranger, clock.now())
    before = books(any_engine)
    with pytest.raises(InsufficientBalanceError):
        gateway.start(pay(stranger, cny("0.01"), clock))
    assert books(any_engine) == before


def test_the_whole_balance_can_be_spent_and_start_twice_debits_once(
    wallet: tuple[WalletGateway, str], any_engine: Engine, clock: FixedClock
) -> None:
    gateway, buyer = wallet
    request = pay(buyer, cny("50.00"), clock)
    first = gateway.start(request)
    again = gateway.start(request)
    assert again == first
    assert first.notification is not None
    assert first.notification.amount == cny("50.00")
    assert gateway.balance(buyer, "CNY") == cny("0.00")
    where = (wallet_entries.c.kind == "payment", wallet_entries.c.reference == request.payment_id)
    assert count(any_engine, wallet_entries, *where) == 1


def test_a_refund_twice_credits_once(
    wallet: tuple[WalletGateway, str], any_engine: Engine, clock: FixedClock
) -> None:
    gateway, buyer = wallet
    request = pay(buyer, cny("30.00"), clock)
    gateway.start(request)
    refund = refund_of(request, cny("10.00"))
    first = gateway.refund(refund)
    again = gateway.refund(refund)
    assert first.phase is TransactionPhase.SUCCESS
    assert again == first
    assert gateway.balance(buyer, "CNY") == cny("30.00")
    assert gateway.refund(refund_of(request, cny("5.00"))).phase is TransactionPhase.SUCCESS
    assert gateway.balance(buyer, "CNY") == cny("35.00")
    assert count(any_engine, wallet_entries, wallet_entries.c.kind == "refund") == 2


def test_a_refund_of_a_payment_the_wallet_never_took_fails_and_changes_nothing(
    wallet: tuple[WalletGateway, str], any_engine: Engine, clock: FixedClock
) -> None:
    gateway, buyer = wallet
    before = books(any_engine)
    result = gateway.refund(refund_of(pay(buyer, cny("10.00"), clock), cny("10.00")))
    assert result.phase is TransactionPhase.FAILURE
    assert result.message
    assert books(any_engine) == before


def test_a_top_up_twice_with_one_reference_credits_once(
    wallet: tuple[WalletGateway, str], any_engine: Engine
) -> None:
    gateway, buyer = wallet
    assert gateway.top_up(buyer, cny("20.00"), reference="promo-7")
    after_first = books(any_engine)
    assert not gateway.top_up(buyer, cny("20.00"), reference="promo-7")
    assert books(any_engine) == after_first
    assert gateway.balance(buyer, "CNY") == cny("70.00")
    assert gateway.top_up(buyer, Money.of("3.00", "USD"), reference="promo-8")
    assert gateway.balance(buyer, "USD") == Money.of("3.00", "USD")
    assert gateway.balance(buyer, "CNY") == cny("70.00")


# -- credit terms -----------------------------------------------------------------------------
@pytest.fixture
def terms(any_engine: Engine, clock: FixedClock) -> tuple[CreditTermsGateway, str]:
    buyer = new_id("usr")
    insert_user(any_engine, buyer, clock.now())
    gateway = CreditTermsGateway(any_engine, clock=clock)
    assert gateway.set_account(buyer, cny("100.00"), terms_days=30)
    return gateway, buyer


def used(engine: Engine, buyer: str) -> int:
    with engine.connect() as conn:
        query = select(credit_accounts.c.used_minor).where(credit_accounts.c.buyer_id == buyer)
        return int(conn.execute(query).scalar_one())


# 60.00 of the 100.00 limit is used: 40.01 more is beyond it; USD has no credit line.
@pytest.mark.parametrize(("amount", "currency"), [("40.01", "CNY"), ("1.00", "USD")])
def test_credit_beyond_the_limit_is_refused_and_changes_nothing(
    terms: tuple[CreditTermsGateway, str], any_engine: Engine, clock: FixedClock,
    amount: str, currency: str,
) -> None:  # fmt: skip
    gateway, buyer = terms
    gateway.start(on_terms(any_engine, buyer, cny("60.00"), clock))
    request = on_terms(any_engine, buyer, Money.of(amount, currency), clock)
    before = books(any_engine)
    with pytest.raises(CreditLimitExceededError) as err:
        gateway.start(request)
    assert err.value.code == "credit_limit_exceeded"
    assert books(any_engine) == before
    assert used(any_engine, buyer) == 6000


def test_start_twice_issues_one_invoice_and_uses_the_credit_once(
    terms: tuple[CreditTermsGateway, str], any_engine: Engine, clock: FixedClock
) -> None:
    gateway, buyer = terms
    request = on_terms(any_engine, buyer, cny("100.00"), clock)  # the whole limit
    first = gateway.start(request)
    assert gateway.start(request) == first
    with any_engine.connect() as conn:
        [invoice] = conn.execute(
            select(invoices).where(invoices.c.payment_id == request.payment_id)
        )
    assert first.notification is not None
    assert invoice.id == first.notification.gateway_reference
    assert (invoice.amount_minor, invoice.credited_minor, invoice.status) == (10000, 0, "open")
    assert invoice.due_at == clock.now() + timedelta(days=30)
    assert used(any_engine, buyer) == 10000


def test_a_refund_credits_the_invoice_and_frees_the_credit_once(
    terms: tuple[CreditTermsGateway, str], any_engine: Engine, clock: FixedClock
) -> None:
    gateway, buyer = terms
    request = on_terms(any_engine, buyer, cny("80.00"), clock)
    gateway.start(request)
    refund = refund_of(request, cny("30.00"))
    first = gateway.refund(refund)
    assert first.phase is TransactionPhase.SUCCESS
    assert gateway.refund(refund) == first
    assert used(any_engine, buyer) == 5000
    assert count(any_engine, invoice_credits) == 1
    before = books(any_engine)
    beyond = gateway.refund(refund_of(request, cny("50.01")))  # 30 + 50.01 > 80
    assert beyond.phase is TransactionPhase.FAILURE
    assert beyond.message
    assert books(any_engine) == before
    assert gateway.refund(refund_of(request, cny("50.00"))).phase is TransactionPhase.SUCCESS
    assert used(any_engine, buyer) == 0
    with any_engine.connect() as conn:
        credited = conn.execute(select(invoices.c.credited_minor)).scalar_one()
    assert credited == 8000


def test_set_account_refuses_a_limit_below_what_is_used(
    terms: tuple[CreditTermsGateway, str], any_engine: Engine, clock: FixedClock
) -> None:
    gateway, buyer = terms
    gateway.start(on_terms(any_engine, buyer, cny("60.00"), clock))
    before = books(any_engine)
    assert not gateway.set_account(buyer, cny("59.99"), terms_days=45)
    assert books(any_engine) == before
    assert gateway.set_account(buyer, cny("60.00"), terms_days=45)
    with any_engine.connect() as conn:
        row = conn.execute(select(credit_accounts).where(credit_accounts.c.buyer_id == buyer)).one()
    assert (row.limit_minor, row.used_minor, row.terms_days) == (6000, 6000, 45)
    with pytest.raises(CreditLimitExceededError):
        gateway.start(on_terms(any_engine, buyer, cny("0.01"), clock))
