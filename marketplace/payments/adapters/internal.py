"""Payment methods Agora runs itself: the buyer's wallet (store credit) and B2B credit
terms (pay within N days against a credit limit).

They implement the same ``PaymentGateway`` port as the vendors. ``start`` moves the money
in its own short transaction with one conditional statement (the balance, or the unused
credit, must cover the amount) and answers COMPLETED with the notification the payments
core then applies like any other. A ledger row unique per (kind, payment or refund id)
makes both idempotent: a retried ``start`` or ``refund`` finds the first one's row and
moves nothing again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.db.errors import is_unique_violation
from marketplace.payments.adapters.common import check_payable, check_refundable
from marketplace.payments.adapters.tables import (
    credit_accounts,
    invoice_credits,
    invoices,
    wallet_accounts,
    wallet_entries,
)
from marketplace.payments.domain import (
    Acknowledgement,
    ActionKind,
    CreditLimitExceededError,
    GatewayNotification,
    InsufficientBalanceError,
    InvalidNotificationError,
    PaymentAction,
    PaymentRequest,
    RefundRequest,
    RefundResult,
    TransactionKind,
    TransactionPhase,
)
from marketplace.shared.clock import Clock
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money

_ACK = Acknowledgement(200, "text/plain", b"ok")
_NACK = Acknowledgement(400, "text/plain", b"failure")


def _collected(name: str, payment_id: str, reference: str, amount: Money) -> GatewayNotification:
    return GatewayNotification(
        gateway=name, payment_id=payment_id, gateway_reference=reference,
        kind=TransactionKind.CAPTURE, phase=TransactionPhase.SUCCESS, amount=amount,
    )  # fmt: skip


def _completed(name: str, request: PaymentRequest, reference: str) -> PaymentAction:
    notification = GatewayNotification(
        gateway=name, payment_id=request.payment_id, gateway_reference=reference,
        kind=TransactionKind.CAPTURE, phase=TransactionPhase.SUCCESS, amount=request.amount,
    )  # fmt: skip
    return PaymentAction(ActionKind.COMPLETED, notification=notification)


def credit_wallet(
    conn: Connection, *, user_id: str, amount: Money, kind: str, reference: str, now: datetime
) -> bool:
    """Add to a wallet once per (kind, reference); False if that was done before."""
    try:
        with conn.begin_nested():
            _upsert_zero(conn, user_id, amount.currency.code, now)
            balance = conn.execute(
                update(wallet_accounts)
                .where(wallet_accounts.c.user_id == user_id,
                       wallet_accounts.c.currency == amount.currency.code)
                .values(balance_minor=wallet_accounts.c.balance_minor + amount.minor,
                        updated_at=now)
                .returning(wallet_accounts.c.balance_minor)
            ).scalar_one()  # fmt: skip
            conn.execute(insert(wallet_entries).values(
                user_id=user_id, currency=amount.currency.code, amount_minor=amount.minor,
                balance_after_minor=balance, kind=kind, reference=reference, created_at=now,
            ))  # fmt: skip
    except IntegrityError as exc:
        if is_unique_violation(exc):
            return False
        raise
    return True


def _upsert_zero(conn: Connection, user_id: str, currency: str, now: datetime) -> None:
    exists = conn.execute(
        select(wallet_accounts.c.user_id).where(
            wallet_accounts.c.user_id == user_id, wallet_accounts.c.currency == currency
        )
    ).first()
    if exists is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(wallet_accounts).values(
                        user_id=user_id, currency=currency, balance_minor=0, updated_at=now
                    )
                )
        except IntegrityError as exc:  # a concurrent first credit created it
            if not is_unique_violation(exc):
                raise


class WalletGateway:
    """Pay from the buyer's store-credit balance."""

    name = "wallet"

    def __init__(self, engine: Engine, *, clock: Clock) -> None:
        self._engine, self._clock = engine, clock

    def start(self, request: PaymentRequest) -> PaymentAction:
        now = self._clock.now()
        check_payable(request, now)  # a negative amount would credit the wallet
        with self._engine.begin() as conn:
            notification = SqlWalletLedger(conn).debit(request, now=now)
        return PaymentAction(ActionKind.COMPLETED, notification=notification)

    def collect_within(
        self, ledgers: InternalLedgers, request: PaymentRequest
    ) -> GatewayNotification:
        """Debit inside the caller's transaction (the payment's): the debit and the capture
        commit together or not at all."""
        now = self._clock.now()
        check_payable(request, now)
        return ledgers.wallet_ledger.debit(request, now=now)

    def top_up(self, user_id: str, amount: Money, *, reference: str) -> bool:
        """Store credit granted to a buyer, once per reference; False if done before."""
        with self._engine.begin() as conn:
            return credit_wallet(conn, user_id=user_id, amount=amount, kind="top_up",
                                 reference=reference, now=self._clock.now())  # fmt: skip

    def balance(self, user_id: str, currency: str) -> Money:
        with self._engine.connect() as conn:
            minor = conn.execute(
                select(wallet_accounts.c.balance_minor).where(
                    wallet_accounts.c.user_id == user_id, wallet_accounts.c.currency == currency
                )
            ).scalar_one_or_none()
        return Money.from_minor(int(minor or 0), currency)

    def refund(self, request: RefundRequest) -> RefundResult:
        check_refundable(request.amount)
        with self._engine.begin() as conn:
            buyer = conn.execute(
                select(wallet_entries.c.user_id).where(
                    wallet_entries.c.kind == "payment",
                    wallet_entries.c.reference == request.payment_id,
                )
            ).scalar_one_or_none()
            if buyer is None:
                return RefundResult(TransactionPhase.FAILURE, message="no wallet payment")
            credit_wallet(conn, user_id=buyer, amount=request.amount, kind="refund",
                          reference=request.refund_id, now=self._clock.now())  # fmt: skip
        return RefundResult(
            TransactionPhase.SUCCESS, gateway_reference=f"wallet:{request.refund_id}"
        )

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> GatewayNotification:
        raise InvalidNotificationError("The wallet sends no notifications.")

    def acknowledgement(self, *, accepted: bool) -> Acknowledgement:
        return _ACK if accepted else _NACK

    def collected(self, payment_id: str) -> GatewayNotification | None:
        """The capture of a payment whose debit committed, if it did (read only): lets a
        sweeper finish a payment whose capture was never applied after the debit."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(wallet_entries.c.amount_minor, wallet_entries.c.currency).where(
                    wallet_entries.c.kind == "payment", wallet_entries.c.reference == payment_id
                )
            ).first()
        if row is None:
            return None
        return _collected(self.name, payment_id, f"wallet:{payment_id}",
                          Money.from_minor(-int(row.amount_minor), row.currency))  # fmt: skip

    @staticmethod
    def _entry_exists(conn: Connection, kind: str, reference: str) -> bool:
        return conn.execute(_ENTRY, {"b_kind": kind, "b_reference": reference}).first() is not None


class CreditTermsGateway:
    """B2B net terms: the order is accepted against the buyer's credit limit and an
    invoice due in ``terms_days`` is issued; the invoice is settled later."""

    name = "credit_terms"

    def __init__(self, engine: Engine, *, clock: Clock) -> None:
        self._engine, self._clock = engine, clock

    def start(self, request: PaymentRequest) -> PaymentAction:
        now = self._clock.now()
        check_payable(request, now)  # a negative amount would free used credit
        with self._engine.begin() as conn:
            notification = SqlCreditLedger(conn).use(request, now=now)
        return PaymentAction(ActionKind.COMPLETED, notification=notification)

    def collect_within(
        self, ledgers: InternalLedgers, request: PaymentRequest
    ) -> GatewayNotification:
        """Use the credit and issue the invoice inside the payment's own transaction."""
        now = self._clock.now()
        check_payable(request, now)
        return ledgers.credit_ledger.use(request, now=now)

    def set_account(self, buyer_id: str, limit: Money, *, terms_days: int) -> bool:
        """Grant or change a buyer's limit and terms; False when the buyer already uses
        more than the new limit (nothing changes)."""
        now = self._clock.now()
        values = {"limit_minor": limit.minor, "terms_days": terms_days, "updated_at": now}
        with self._engine.begin() as conn:
            key = (credit_accounts.c.buyer_id == buyer_id,
                   credit_accounts.c.currency == limit.currency.code)  # fmt: skip
            if conn.execute(select(credit_accounts.c.used_minor).where(*key)).first() is None:
                try:
                    with conn.begin_nested():
                        conn.execute(insert(credit_accounts).values(
                            buyer_id=buyer_id, currency=limit.currency.code, used_minor=0,
                            **values))  # fmt: skip
                    return True
                except IntegrityError as exc:
                    if not is_unique_violation(exc):
                        raise
            changed = conn.execute(
                update(credit_accounts)
                .where(*key, credit_accounts.c.used_minor <= limit.minor).values(values)
            ).rowcount  # fmt: skip
        return bool(changed)

    def refund(self, request: RefundRequest) -> RefundResult:
        """Credit the invoice and give the credit back (a refund after the invoice was paid
        is owed to the buyer by bank transfer: recorded, settled outside)."""
        check_refundable(request.amount)
        done = RefundResult(TransactionPhase.SUCCESS, gateway_reference=request.refund_id)
        with self._engine.begin() as conn:
            if self._credited(conn, request.refund_id):
                return done
            row = conn.execute(
                update(invoices)
                .where(invoices.c.payment_id == request.payment_id,
                       invoices.c.credited_minor + request.amount.minor <= invoices.c.amount_minor)
                .values(credited_minor=invoices.c.credited_minor + request.amount.minor)
                .returning(invoices.c.id, invoices.c.buyer_id, invoices.c.status)
            ).first()  # fmt: skip
            if row is None:
                # A concurrent twin of this refund may have credited it while we waited.
                if self._credited(conn, request.refund_id):
                    return done
                return RefundResult(TransactionPhase.FAILURE, message="beyond the invoice")
            try:
                with conn.begin_nested():
                    conn.execute(insert(invoice_credits).values(
                        refund_id=request.refund_id, invoice_id=row.id,
                        amount_minor=request.amount.minor, created_at=self._clock.now(),
                    ))  # fmt: skip
            except IntegrityError as exc:
                if not is_unique_violation(exc):
                    raise
                conn.rollback()  # a concurrent twin credited first: undo ours
                return done
            if row.status == "open":
                conn.execute(
                    update(credit_accounts)
                    .where(credit_accounts.c.buyer_id == row.buyer_id,
                           credit_accounts.c.currency == request.amount.currency.code)
                    .values(used_minor=credit_accounts.c.used_minor - request.amount.minor)
                )  # fmt: skip
        return done

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> GatewayNotification:
        raise InvalidNotificationError("Credit terms send no notifications.")

    def acknowledgement(self, *, accepted: bool) -> Acknowledgement:
        return _ACK if accepted else _NACK

    def collected(self, payment_id: str) -> GatewayNotification | None:
        """The capture of a payment whose invoice was issued, if it was (read only)."""
        with self._engine.connect() as conn:
            row = conn.execute(
                select(invoices.c.id, invoices.c.amount_minor, invoices.c.currency).where(
                    invoices.c.payment_id == payment_id
                )
            ).first()
        if row is None:
            return None
        return _collected(self.name, payment_id, row.id,
                          Money.from_minor(int(row.amount_minor), row.currency))  # fmt: skip

    @staticmethod
    def _invoice_of(conn: Connection, payment_id: str) -> str | None:
        return conn.execute(
            select(invoices.c.id).where(invoices.c.payment_id == payment_id)
        ).scalar_one_or_none()

    @staticmethod
    def _credited(conn: Connection, refund_id: str) -> bool:
        found = conn.execute(
            select(invoice_credits.c.refund_id).where(invoice_credits.c.refund_id == refund_id)
        ).first()
        return found is not None


# The wallet debit's statements, built once (their cache keys are memoized).
_ENTRY = select(wallet_entries.c.id).where(
    wallet_entries.c.kind == bindparam("b_kind"),
    wallet_entries.c.reference == bindparam("b_reference"),
)
_DEBIT = (
    update(wallet_accounts)
    .where(wallet_accounts.c.user_id == bindparam("b_user"),
           wallet_accounts.c.currency == bindparam("b_currency"),
           wallet_accounts.c.balance_minor >= bindparam("b_amount"))
    .values(balance_minor=wallet_accounts.c.balance_minor - bindparam("b_amount"),
            updated_at=bindparam("b_now"))
    .returning(wallet_accounts.c.balance_minor)
)  # fmt: skip
_INSERT_ENTRY = insert(wallet_entries)


class _ShortError(Exception):
    """The conditional statement matched nothing (inside a savepoint, to be undone)."""


class SqlWalletLedger:
    """The wallet's debits, bound to one connection (a gateway's own transaction, or the
    payment's unit of work)."""

    name = "wallet"

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def debit(self, request: PaymentRequest, *, now: datetime) -> GatewayNotification:
        """Debit once per payment id: the capture it amounts to. The balance update and
        the ledger row share a savepoint, so a twin that debited first undoes ours."""
        amount, conn = request.amount, self._conn
        done = _collected(self.name, request.payment_id, f"wallet:{request.payment_id}", amount)
        if WalletGateway._entry_exists(conn, "payment", request.payment_id):
            return done
        try:
            with conn.begin_nested():
                balance = conn.execute(_DEBIT, {
                    "b_user": request.payer, "b_currency": amount.currency.code,
                    "b_amount": amount.minor, "b_now": now,
                }).scalar_one_or_none()  # fmt: skip
                if balance is None:
                    raise _ShortError
                conn.execute(_INSERT_ENTRY, {
                    "user_id": request.payer, "currency": amount.currency.code,
                    "amount_minor": -amount.minor, "balance_after_minor": balance,
                    "kind": "payment", "reference": request.payment_id, "created_at": now,
                })  # fmt: skip
        except _ShortError:
            # A concurrent twin may have debited (and committed) while we waited.
            if WalletGateway._entry_exists(conn, "payment", request.payment_id):
                return done
            raise InsufficientBalanceError(
                f"The wallet holds less than {amount}.", required=amount.to_dict()
            ) from None
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
        return done


class SqlCreditLedger:
    """Credit-terms use and invoices, bound to one connection."""

    name = "credit_terms"

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def use(self, request: PaymentRequest, *, now: datetime) -> GatewayNotification:
        """Use the credit and issue the invoice, once per payment id (one savepoint)."""
        amount, conn = request.amount, self._conn
        invoice = CreditTermsGateway._invoice_of(conn, request.payment_id)
        if invoice is not None:
            return _collected(self.name, request.payment_id, invoice, amount)
        invoice_id = new_id("inv")
        try:
            with conn.begin_nested():
                terms = conn.execute(
                    update(credit_accounts)
                    .where(credit_accounts.c.buyer_id == request.payer,
                           credit_accounts.c.currency == amount.currency.code,
                           credit_accounts.c.used_minor + amount.minor
                           <= credit_accounts.c.limit_minor)
                    .values(used_minor=credit_accounts.c.used_minor + amount.minor,
                            updated_at=now)
                    .returning(credit_accounts.c.terms_days)
                ).scalar_one_or_none()  # fmt: skip
                if terms is None:
                    raise _ShortError
                conn.execute(insert(invoices).values(
                    id=invoice_id, payment_id=request.payment_id, buyer_id=request.payer,
                    currency=amount.currency.code, amount_minor=amount.minor,
                    credited_minor=0, status="open", due_at=now + timedelta(days=terms),
                    created_at=now,
                ))  # fmt: skip
        except _ShortError:
            invoice = CreditTermsGateway._invoice_of(conn, request.payment_id)
            if invoice is not None:
                return _collected(self.name, request.payment_id, invoice, amount)
            raise CreditLimitExceededError(
                "No credit terms in this currency, or the amount exceeds the unused limit.",
                required=amount.to_dict(),
            ) from None
        except IntegrityError as exc:
            if not is_unique_violation(exc):
                raise
            invoice_id = CreditTermsGateway._invoice_of(conn, request.payment_id) or invoice_id
        return _collected(self.name, request.payment_id, invoice_id, amount)


class InternalLedgers(Protocol):
    """What the internal methods need from the payment's unit of work."""

    @property
    def wallet_ledger(self) -> SqlWalletLedger: ...

    @property
    def credit_ledger(self) -> SqlCreditLedger: ...
