"""In-memory fakes of the settlement ports, for fast service tests and property tests.

They keep everything in one ``State``; a unit-of-work block left without commit restores
the state saved at its start, like a rolled-back transaction. The figure methods repeat
the SQL adapters' sums in Python, so a test can compare the two.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Self

from marketplace.settlement.domain import (
    PLATFORM_COMMISSION,
    CommissionRule,
    CommissionScope,
    EntryKind,
    JournalEntry,
    OrderMovements,
    Payout,
    PayoutStatus,
    SettlementStatement,
    merchant_payable,
)
from marketplace.shared.clock import Clock


@dataclass
class State:
    rules: dict[str, CommissionRule] = field(default_factory=dict)
    entries: dict[tuple[EntryKind, str], JournalEntry] = field(default_factory=dict)
    payouts: dict[str, Payout] = field(default_factory=dict)
    statements: dict[str, SettlementStatement] = field(default_factory=dict)
    merchants: set[str] = field(default_factory=set)
    categories: set[str] = field(default_factory=set)
    locks: list[str] = field(default_factory=list)


class FakeCommissionRules:
    def __init__(self, uow: FakeSettlementUow) -> None:
        self._uow = uow

    def add(self, rule: CommissionRule) -> None:
        self._uow.state.rules[rule.id] = rule

    def get(self, rule_id: str) -> CommissionRule | None:
        return self._uow.state.rules.get(rule_id)

    def update(self, rule: CommissionRule) -> None:
        self._uow.state.rules[rule.id] = rule

    def candidates(
        self, *, merchant_ids: Collection[str], category_ids: Collection[str], at: datetime
    ) -> list[CommissionRule]:
        def targeted(rule: CommissionRule) -> bool:
            if rule.scope is CommissionScope.MERCHANT:
                return rule.scope_id in merchant_ids
            if rule.scope is CommissionScope.CATEGORY:
                return rule.scope_id in category_ids
            return True

        return [r for r in self._uow.state.rules.values() if targeted(r) and r.applies_at(at)]

    def scope_exists(self, scope: CommissionScope, scope_id: str) -> bool:
        if scope is CommissionScope.MERCHANT:
            return scope_id in self._uow.state.merchants
        return scope_id in self._uow.state.categories


class FakeLedger:
    def __init__(self, uow: FakeSettlementUow) -> None:
        self._uow = uow

    @property
    def _entries(self) -> dict[tuple[EntryKind, str], JournalEntry]:
        return self._uow.state.entries

    def add(self, entry: JournalEntry) -> bool:
        if (entry.kind, entry.reference) in self._entries:
            return False
        self._entries[(entry.kind, entry.reference)] = entry
        return True

    def get(self, kind: EntryKind, reference: str) -> JournalEntry | None:
        return self._entries.get((kind, reference))

    def lock(self, kind: EntryKind, reference: str) -> JournalEntry | None:
        self._uow.state.locks.append(f"{kind}:{reference}")
        return self.get(kind, reference)

    def for_payment(self, payment_id: str, kind: EntryKind) -> list[JournalEntry]:
        return [e for e in self._entries.values() if e.payment_id == payment_id and e.kind is kind]

    def lock_account(self, account: str, *, now: datetime) -> None:
        self._uow.state.locks.append(account)

    def balance(self, account: str, currency: str, *, before: datetime | None = None) -> int:
        return sum(
            p.amount.minor
            for e in self._entries.values()
            if before is None or e.posted_at < before
            for p in e.postings
            if p.account == account and p.amount.currency.code == currency
        )

    def order_movements(
        self, merchant_id: str, currency: str, start: datetime, end: datetime
    ) -> dict[str, OrderMovements]:
        found: dict[str, OrderMovements] = {}
        payable = merchant_payable(merchant_id)
        for entry in self._entries.values():
            if entry.kind not in (EntryKind.PAYMENT_CAPTURED, EntryKind.REFUND):
                continue
            if not start <= entry.posted_at < end:
                continue
            prefix = "captured" if entry.kind is EntryKind.PAYMENT_CAPTURED else "refunded"
            for p in entry.postings:
                if p.merchant_id != merchant_id or p.order_id is None:
                    continue
                if p.amount.currency.code != currency or p.account not in (
                    payable,
                    PLATFORM_COMMISSION,
                ):
                    continue
                side = "commission" if p.account == PLATFORM_COMMISSION else "net"
                name = f"{prefix}_{side}"
                moved = found.get(p.order_id, OrderMovements())
                value = getattr(moved, name) + abs(p.amount.minor)
                found[p.order_id] = dataclasses.replace(moved, **{name: value})
        return found

    def payouts_between(
        self, merchant_id: str, currency: str, start: datetime, end: datetime
    ) -> int:
        payable = merchant_payable(merchant_id)
        return sum(
            p.amount.minor
            for e in self._entries.values()
            if e.kind in (EntryKind.PAYOUT, EntryKind.PAYOUT_REVERSAL)
            and start <= e.posted_at < end
            for p in e.postings
            if p.account == payable and p.amount.currency.code == currency
        )


class FakePayouts:
    def __init__(self, uow: FakeSettlementUow) -> None:
        self._uow = uow

    def add(self, payout: Payout) -> None:
        self._uow.state.payouts[payout.id] = payout

    def get(self, payout_id: str) -> Payout | None:
        return self._uow.state.payouts.get(payout_id)

    def move(self, payout: Payout, *, expected: Collection[PayoutStatus]) -> bool:
        current = self._uow.state.payouts.get(payout.id)
        if current is None or current.status not in expected:
            return False
        self._uow.state.payouts[payout.id] = payout
        return True

    def merchant_exists(self, merchant_id: str) -> bool:
        return merchant_id in self._uow.state.merchants


class FakeStatements:
    def __init__(self, uow: FakeSettlementUow) -> None:
        self._uow = uow

    def add(self, statement: SettlementStatement) -> bool:
        assert statement.id is not None
        key = (statement.merchant_id, statement.currency, statement.period_start,
               statement.period_end)  # fmt: skip
        if self.find(*key) is not None:
            return False
        self._uow.state.statements[statement.id] = statement
        return True

    def get(self, statement_id: str) -> SettlementStatement | None:
        return self._uow.state.statements.get(statement_id)

    def find(
        self, merchant_id: str, currency: str, start: datetime, end: datetime
    ) -> SettlementStatement | None:
        return next(
            (s for s in self._uow.state.statements.values()
             if (s.merchant_id, s.currency, s.period_start, s.period_end)
             == (merchant_id, currency, start, end)),
            None,
        )  # fmt: skip

    def overlaps(self, merchant_id: str, currency: str, start: datetime, end: datetime) -> bool:
        return any(
            s.merchant_id == merchant_id
            and s.currency == currency
            and s.period_start < end
            and s.period_end > start
            for s in self._uow.state.statements.values()
        )


class FakeSettlementUow:
    """Commits are counted; a block left without commit restores the saved state."""

    def __init__(self, clock: Clock, state: State | None = None) -> None:
        self.clock = clock
        self.state = state or State()
        self.commits = 0
        self._saved: State | None = None
        self.commission_rules = FakeCommissionRules(self)
        self.ledger = FakeLedger(self)
        self.payouts = FakePayouts(self)
        self.settlement_statements = FakeStatements(self)

    def __enter__(self) -> Self:
        self._saved = copy.deepcopy(self.state)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._saved is not None:
            self.state = self._saved
        self._saved = None

    def commit(self) -> None:
        self.commits += 1
        self._saved = copy.deepcopy(self.state)
