"""The wallet and credit terms under the contract suite: our own database is the vendor side.

These methods keep their books in Agora's tables, so "what the vendor holds" is the rows
of those tables, and "what it collected" is read back from its ledger (the wallet's debit
entry, the invoice) rather than trusted from the action. They send no notifications.
The factories run on file-backed SQLite (``sqlite_engine``) or PostgreSQL (``pg_engine``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, Table, func, insert, select

from marketplace.parties.adapters.tables import users
from marketplace.payments.adapters.internal import CreditTermsGateway, WalletGateway
from marketplace.payments.adapters.tables import (
    credit_accounts,
    invoice_credits,
    invoices,
    payments,
    wallet_accounts,
    wallet_entries,
)
from marketplace.payments.domain.gateway import (
    ActionKind,
    GatewayNotification,
    PaymentAction,
    PaymentRequest,
    RefundRequest,
    TransactionKind,
    TransactionPhase,
)
from marketplace.shared.clock import FixedClock
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money
from tests.unit.payments.vendors.harness import (
    BUYER_ID,
    PAYMENT_ID,
    Notice,
    Occurrence,
    request_clock,
)

CURRENCY = "CNY"
FUNDS = Money.of("1000.00", CURRENCY)  # the suite's buyer's wallet balance, or credit limit
BOOKS: tuple[Table, ...] = (
    payments, wallet_accounts, wallet_entries, credit_accounts, invoices, invoice_credits,
)  # fmt: skip


def insert_user(engine: Engine, user_id: str, now: datetime) -> None:
    """A buyer row (wallets, credit lines and payments refer to users)."""
    with engine.begin() as conn:
        conn.execute(insert(users).values(
            id=user_id, email=f"{user_id.lower()}@example.com", phone=None, password_hash="x",
            display_name="Buyer", locale="zh", member_level="regular", is_platform_admin=False,
            is_active=True, created_at=now, updated_at=now,
        ))  # fmt: skip


def insert_payment(
    engine: Engine, payment_id: str, *, buyer_id: str, amount: Money, method: str, now: datetime
) -> None:
    """The pending payment row the core commits before it calls ``start`` (invoices refer
    to it)."""
    with engine.begin() as conn:
        conn.execute(insert(payments).values(
            id=payment_id, buyer_id=buyer_id, method=method, status="pending",
            currency=amount.currency.code, amount_minor=amount.minor, captured_minor=0,
            refunded_minor=0, gateway_reference=None, expires_at=now + timedelta(minutes=30),
            version=1, created_at=now, updated_at=now,
        ))  # fmt: skip


def cny(text: str) -> Money:
    return Money.of(text, "CNY")


def pay(buyer_id: str, amount: Money, clock: FixedClock, payment_id: str = "") -> PaymentRequest:
    """A request to collect ``amount`` from ``buyer_id`` (a new payment id unless given)."""
    return PaymentRequest(
        payment_id=payment_id or new_id("pay"), amount=amount, subject="test", buyer_id=buyer_id,
        expires_at=clock.now() + timedelta(minutes=30), notify_url="https://agora.test/n",
    )  # fmt: skip


def refund_of(request: PaymentRequest, amount: Money, refund_id: str = "") -> RefundRequest:
    """A refund of ``amount`` of the payment ``request`` asked for."""
    return RefundRequest(
        refund_id=refund_id or new_id("rfd"), payment_id=request.payment_id,
        gateway_reference=request.payment_id, amount=amount, payment_total=request.amount,
        reason="test",
    )  # fmt: skip


def on_terms(engine: Engine, buyer: str, amount: Money, clock: FixedClock) -> PaymentRequest:
    """A request on credit terms, its payment row committed first as the core does."""
    request = pay(buyer, amount, clock)
    insert_payment(engine, request.payment_id, buyer_id=buyer, amount=amount,
                   method="credit_terms", now=clock.now())  # fmt: skip
    return request


def books(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the tables the internal methods write, comparable between two calls."""
    with engine.connect() as conn:
        return {t.name: sorted(tuple(r) for r in conn.execute(select(t))) for t in BOOKS}


def completed(action: PaymentAction, gateway: str) -> GatewayNotification:
    """The capture an internal method's COMPLETED action reports."""
    assert action.kind is ActionKind.COMPLETED
    assert action.url is None
    n = action.notification
    assert n is not None
    assert (n.gateway, n.kind, n.phase) == (
        gateway,
        TransactionKind.CAPTURE,
        TransactionPhase.SUCCESS,
    )
    return n


class _InternalHarness:
    """What both internal methods share: the database as vendor, no notifications."""

    currency = CURRENCY
    notifies = False
    gateway: WalletGateway | CreditTermsGateway

    def __init__(self, engine: Engine, clock: FixedClock) -> None:
        self.engine, self.clock = engine, clock
        insert_user(engine, BUYER_ID, clock.now())

    def _collect(self, payment_id: str, amount: Money) -> PaymentAction:
        return self.gateway.start(pay(BUYER_ID, amount, self.clock, payment_id))

    def vendor_state(self) -> object:
        return books(self.engine)

    def occurrences(self, payment_id: str, amount: Money) -> list[Occurrence]:
        return []  # nothing happens that a notification would tell

    def notify(self, occurrence: Occurrence) -> Notice:
        raise NotImplementedError("no notifications")

    def notify_as_stranger(self, occurrence: Occurrence) -> Notice:
        raise NotImplementedError("no notifications")

    def tamper(self, notice: Notice) -> Notice:
        raise NotImplementedError("no notifications")

    def break_signature(self, notice: Notice) -> Notice:
        raise NotImplementedError("no notifications")

    def strip_signature(self, notice: Notice) -> Notice:
        raise NotImplementedError("no notifications")

    def notify_unknown(self, payment_id: str, amount: Money) -> Notice:
        raise NotImplementedError("no notifications")


class WalletHarness(_InternalHarness):
    gateway: WalletGateway

    def __init__(self, engine: Engine, clock: FixedClock) -> None:
        super().__init__(engine, clock)
        self.gateway = WalletGateway(engine, clock=clock)
        assert self.gateway.top_up(BUYER_ID, FUNDS, reference="contract-suite")

    def charged_by(self, action: PaymentAction) -> tuple[str, Money]:
        n = completed(action, self.gateway.name)
        assert n.gateway_reference == f"wallet:{n.payment_id}"
        with self.engine.connect() as conn:
            entry = conn.execute(
                select(wallet_entries).where(
                    wallet_entries.c.kind == "payment", wallet_entries.c.reference == n.payment_id
                )
            ).one()  # exactly one debit, whatever the action claims
        assert entry.user_id == BUYER_ID
        debited = Money.from_minor(-entry.amount_minor, entry.currency)
        assert n.amount == debited
        return n.payment_id, debited

    def refund_request(self, payment_id: str, amount: Money, *, granted: bool) -> RefundRequest:
        # The wallet's own refusal: a refund of a payment it never collected.
        if granted:
            completed(self._collect(payment_id, amount), self.gateway.name)
        return RefundRequest(
            refund_id=f"rfd_{payment_id}", payment_id=payment_id,
            gateway_reference=f"wallet:{payment_id}", amount=amount, payment_total=amount,
            reason="contract suite",
        )  # fmt: skip

    def refunded(self, payment_id: str) -> Money | None:
        query = select(func.coalesce(func.sum(wallet_entries.c.amount_minor), 0)).where(
            wallet_entries.c.kind == "refund", wallet_entries.c.reference == f"rfd_{payment_id}"
        )
        with self.engine.connect() as conn:
            return Money.from_minor(int(conn.execute(query).scalar_one()), CURRENCY)


class CreditTermsHarness(_InternalHarness):
    gateway: CreditTermsGateway

    def __init__(self, engine: Engine, clock: FixedClock) -> None:
        super().__init__(engine, clock)
        self.gateway = CreditTermsGateway(engine, clock=clock)
        assert self.gateway.set_account(BUYER_ID, FUNDS, terms_days=30)
        self._payment(PAYMENT_ID)

    def _payment(self, payment_id: str) -> None:
        with self.engine.connect() as conn:
            found = conn.execute(select(payments.c.id).where(payments.c.id == payment_id)).first()
        if found is None:
            insert_payment(self.engine, payment_id, buyer_id=BUYER_ID, amount=FUNDS,
                           method=self.gateway.name, now=self.clock.now())  # fmt: skip

    def charged_by(self, action: PaymentAction) -> tuple[str, Money]:
        n = completed(action, self.gateway.name)
        with self.engine.connect() as conn:
            invoice = conn.execute(
                select(invoices).where(invoices.c.payment_id == n.payment_id)
            ).one()
        assert (invoice.id, invoice.buyer_id, invoice.status) == (
            n.gateway_reference,
            BUYER_ID,
            "open",
        )
        invoiced = Money.from_minor(invoice.amount_minor, invoice.currency)
        assert n.amount == invoiced
        return n.payment_id, invoiced

    def refund_request(self, payment_id: str, amount: Money, *, granted: bool) -> RefundRequest:
        self._payment(payment_id)
        invoice_id = completed(
            self._collect(payment_id, amount), self.gateway.name
        ).gateway_reference
        # Declined the way credit terms decline: more than the invoice has left to credit.
        this = amount if granted else amount + Money.of("0.01", CURRENCY)
        return RefundRequest(
            refund_id=f"rfd_{payment_id}", payment_id=payment_id, gateway_reference=invoice_id,
            amount=this, payment_total=amount, reason="contract suite",
        )  # fmt: skip

    def refunded(self, payment_id: str) -> Money | None:
        with self.engine.connect() as conn:
            credited = conn.execute(
                select(invoices.c.credited_minor).where(invoices.c.payment_id == payment_id)
            ).scalar_one_or_none()
        return Money.from_minor(int(credited or 0), CURRENCY)


InternalHarness = WalletHarness | CreditTermsHarness


def internal_harness(
    cls: type[InternalHarness], *, database: str
) -> Callable[[pytest.FixtureRequest], AbstractContextManager[InternalHarness]]:
    """A harness factory for ``cls`` on ``database`` ("sqlite" or "postgres")."""

    @contextmanager
    def factory(request: pytest.FixtureRequest) -> Iterator[InternalHarness]:
        if database == "postgres":
            request.applymarker(pytest.mark.postgres)
        engine = request.getfixturevalue("pg_engine" if database == "postgres" else "sqlite_engine")
        yield cls(engine, request_clock(request))

    return factory
