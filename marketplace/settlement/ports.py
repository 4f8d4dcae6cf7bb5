"""Ports of settlement: the repositories and unit of work its services need.

The posting services run inside the caller's open unit of work (the payment capture or
refund), so everything here works on the transaction it is given and never commits.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Protocol

from marketplace.settlement.domain import (
    CommissionRule,
    CommissionScope,
    EntryKind,
    JournalEntry,
    OrderMovements,
    Payout,
    PayoutStatus,
    SettlementStatement,
)
from marketplace.shared.ports import UnitOfWork


class CommissionRuleRepository(Protocol):
    def add(self, rule: CommissionRule) -> None: ...

    def get(self, rule_id: str) -> CommissionRule | None: ...

    def update(self, rule: CommissionRule) -> None:
        """Write every field (and replace the floors and caps)."""
        ...

    def candidates(
        self, *, merchant_ids: Collection[str], category_ids: Collection[str], at: datetime
    ) -> list[CommissionRule]:
        """Active, unarchived rules effective at ``at`` that could match these lines."""
        ...

    def scope_exists(self, scope: CommissionScope, scope_id: str) -> bool:
        """Whether the merchant or category a rule would name exists."""
        ...


class LedgerRepository(Protocol):
    def add(self, entry: JournalEntry) -> bool:
        """Insert the entry and its postings; False, writing nothing, when an entry of the
        same (kind, reference) exists (a concurrent twin waits for the first to commit)."""
        ...

    def get(self, kind: EntryKind, reference: str) -> JournalEntry | None: ...

    def lock(self, kind: EntryKind, reference: str) -> JournalEntry | None:
        """The entry, its row locked until the transaction ends (serialises refunds of
        one payment)."""
        ...

    def for_payment(self, payment_id: str, kind: EntryKind) -> list[JournalEntry]: ...

    def lock_account(self, account: str, *, now: datetime) -> None:
        """Create the account if needed and lock its row until the transaction ends
        (serialises payouts and closings of one merchant)."""
        ...

    def balance(self, account: str, currency: str, *, before: datetime | None = None) -> int:
        """Sum of the account's postings in minor units (debit positive), optionally only
        of entries posted before ``before``."""
        ...

    def order_movements(
        self, merchant_id: str, currency: str, start: datetime, end: datetime
    ) -> dict[str, OrderMovements]:
        """Per order, what captures and refunds posted in [start, end) moved."""
        ...

    def payouts_between(
        self, merchant_id: str, currency: str, start: datetime, end: datetime
    ) -> int:
        """Minor units paid out in [start, end), less payouts reversed in it."""
        ...


class PayoutRepository(Protocol):
    def add(self, payout: Payout) -> None: ...

    def get(self, payout_id: str) -> Payout | None: ...

    def move(self, payout: Payout, *, expected: Collection[PayoutStatus]) -> bool:
        """Write the payout's new state only if the stored status is one of ``expected``
        (one conditional statement); False when it was not."""
        ...

    def merchant_exists(self, merchant_id: str) -> bool: ...


class StatementRepository(Protocol):
    def add(self, statement: SettlementStatement) -> bool:
        """Insert a closed statement and its lines; False when the period exists."""
        ...

    def get(self, statement_id: str) -> SettlementStatement | None: ...

    def find(
        self, merchant_id: str, currency: str, start: datetime, end: datetime
    ) -> SettlementStatement | None: ...

    def overlaps(self, merchant_id: str, currency: str, start: datetime, end: datetime) -> bool:
        """Whether another closed statement of the merchant covers part of [start, end)."""
        ...


class SettlementUnitOfWork(UnitOfWork, Protocol):
    @property
    def commission_rules(self) -> CommissionRuleRepository: ...

    @property
    def ledger(self) -> LedgerRepository: ...

    @property
    def payouts(self) -> PayoutRepository: ...

    @property
    def settlement_statements(self) -> StatementRepository: ...
