"""SQL repository of the ledger (SQLAlchemy Core), bound to one unit-of-work connection.

Entries are inserted with ``ON CONFLICT (kind, reference) DO NOTHING``: a second posting
of the same capture, refund or payout writes nothing, and a concurrent twin waits on the
unique index until the first commits. Accounts are created in sorted order, so two
transactions never take their locks in opposite orders. The figure functions at the end
are shared with ``marketplace.settlement.queries``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row

from marketplace.settlement.adapters.tables import (
    ledger_accounts,
    ledger_entries,
    ledger_postings,
)
from marketplace.settlement.domain import (
    PLATFORM_COMMISSION,
    EntryKind,
    JournalEntry,
    OrderMovements,
    Posting,
    merchant_payable,
)
from marketplace.settlement.domain.ledger import payable_merchant
from marketplace.shared.money import Money


def entries_with_postings(conn: Connection, rows: Sequence[Row[Any]]) -> list[JournalEntry]:
    """Journal entries for entry rows, with their postings (one more query)."""
    if not rows:
        return []
    ids = [row._mapping["id"] for row in rows]
    found: dict[str, list[Posting]] = defaultdict(list)
    query = (
        select(ledger_postings)
        .where(ledger_postings.c.entry_id.in_(ids))
        .order_by(ledger_postings.c.id)
    )
    for posting in conn.execute(query):
        p = posting._mapping
        found[p["entry_id"]].append(
            Posting(
                account=p["account"],
                amount=Money.from_minor(int(p["amount_minor"]), p["currency"]),
                merchant_id=p["merchant_id"],
                order_id=p["order_id"],
            )
        )
    return [_entry(row, found[row._mapping["id"]]) for row in rows]


def _entry(row: Row[Any], postings: list[Posting]) -> JournalEntry:
    m = row._mapping
    return JournalEntry(
        id=m["id"], kind=EntryKind(m["kind"]), reference=m["reference"],
        occurred_at=m["occurred_at"], posted_at=m["posted_at"], postings=tuple(postings),
        payment_id=m["payment_id"], memo=m["memo"],
    )  # fmt: skip


# Hot statements, built once per dialect (keyed by "is PostgreSQL"), executed with
# parameters: their cache keys are memoized.
_ADD_ENTRY = {
    is_pg: dialect.insert(ledger_entries)
    .on_conflict_do_nothing(index_elements=["kind", "reference"])
    .returning(ledger_entries.c.id)
    for is_pg, dialect in ((True, postgresql), (False, sqlite))
}
_ADD_ACCOUNT = {
    is_pg: dialect.insert(ledger_accounts).on_conflict_do_nothing(index_elements=["code"])
    for is_pg, dialect in ((True, postgresql), (False, sqlite))
}
_INSERT_POSTINGS = insert(ledger_postings)


class SqlLedgerRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, entry: JournalEntry) -> bool:
        values = {
            "id": entry.id, "kind": entry.kind.value, "reference": entry.reference,
            "payment_id": entry.payment_id, "occurred_at": entry.occurred_at,
            "posted_at": entry.posted_at, "memo": entry.memo,
        }  # fmt: skip
        if self._conn.execute(_ADD_ENTRY[self._is_pg], values).first() is None:
            return False
        self._ensure_accounts({p.account for p in entry.postings}, now=entry.posted_at)
        rows = [
            {"entry_id": entry.id, "account": p.account, "merchant_id": p.merchant_id,
             "order_id": p.order_id, "amount_minor": p.amount.minor,
             "currency": p.amount.currency.code}
            for p in entry.postings
        ]  # fmt: skip
        self._conn.execute(_INSERT_POSTINGS, rows)
        return True

    def _ensure_accounts(self, codes: set[str], *, now: datetime) -> None:
        rows = [
            {"code": code, "merchant_id": payable_merchant(code), "created_at": now}
            for code in sorted(codes)  # a fixed order: no two writers cross
        ]
        # One batch (executemany), in that order: a prebuilt statement, where a multi-row
        # VALUES would be compiled anew on every call (SQLAlchemy does not cache those).
        self._conn.execute(_ADD_ACCOUNT[self._is_pg], rows)

    @property
    def _is_pg(self) -> bool:
        return self._conn.dialect.name == "postgresql"

    def get(self, kind: EntryKind, reference: str) -> JournalEntry | None:
        return self._one(kind, reference, lock=False)

    def lock(self, kind: EntryKind, reference: str) -> JournalEntry | None:
        return self._one(kind, reference, lock=True)

    def _one(self, kind: EntryKind, reference: str, *, lock: bool) -> JournalEntry | None:
        query = select(ledger_entries).where(
            ledger_entries.c.kind == kind.value, ledger_entries.c.reference == reference
        )
        if lock:
            # NO KEY UPDATE: postings referencing the row (FK checks) are not blocked.
            query = query.with_for_update(key_share=True)
        found = entries_with_postings(self._conn, self._conn.execute(query).all())
        return found[0] if found else None

    def for_payment(self, payment_id: str, kind: EntryKind) -> list[JournalEntry]:
        query = (
            select(ledger_entries)
            .where(ledger_entries.c.payment_id == payment_id, ledger_entries.c.kind == kind.value)
            .order_by(ledger_entries.c.posted_at, ledger_entries.c.id)
        )
        return entries_with_postings(self._conn, self._conn.execute(query).all())

    def lock_account(self, account: str, *, now: datetime) -> None:
        self._ensure_accounts({account}, now=now)
        self._conn.execute(
            select(ledger_accounts.c.code)
            .where(ledger_accounts.c.code == account)
            .with_for_update(key_share=True)
        )

    def balance(self, account: str, currency: str, *, before: datetime | None = None) -> int:
        return account_balance(self._conn, account, currency, before=before)

    def order_movements(
        self, merchant_id: str, currency: str, start: datetime, end: datetime
    ) -> dict[str, OrderMovements]:
        return order_movements(self._conn, merchant_id, currency, start, end)

    def payouts_between(
        self, merchant_id: str, currency: str, start: datetime, end: datetime
    ) -> int:
        return payouts_between(self._conn, merchant_id, currency, start, end)


# -- figures, shared with the read side ----------------------------------------------------
def account_balance(
    conn: Connection, account: str, currency: str, *, before: datetime | None = None
) -> int:
    """Sum of an account's postings in one currency (debit positive), in minor units."""
    p, e = ledger_postings, ledger_entries
    query = select(func.coalesce(func.sum(p.c.amount_minor), 0)).where(
        p.c.account == account, p.c.currency == currency
    )
    if before is not None:
        query = query.select_from(p.join(e, e.c.id == p.c.entry_id)).where(e.c.posted_at < before)
    return int(conn.execute(query).scalar_one())


def order_movements(
    conn: Connection, merchant_id: str, currency: str, start: datetime, end: datetime
) -> dict[str, OrderMovements]:
    """Per order: what captures and refunds posted in [start, end) moved, as positives."""
    p, e = ledger_postings, ledger_entries
    query = (
        select(p.c.order_id, e.c.kind, p.c.account, func.sum(p.c.amount_minor))
        .select_from(p.join(e, e.c.id == p.c.entry_id))
        .where(
            p.c.merchant_id == merchant_id,
            p.c.currency == currency,
            p.c.order_id.is_not(None),
            p.c.account.in_([merchant_payable(merchant_id), PLATFORM_COMMISSION]),
            e.c.kind.in_([EntryKind.PAYMENT_CAPTURED.value, EntryKind.REFUND.value]),
            and_(e.c.posted_at >= start, e.c.posted_at < end),
        )
        .group_by(p.c.order_id, e.c.kind, p.c.account)
    )
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for order_id, kind, account, total in conn.execute(query):
        side = "commission" if account == PLATFORM_COMMISSION else "net"
        prefix = "captured" if kind == EntryKind.PAYMENT_CAPTURED.value else "refunded"
        sums[order_id][f"{prefix}_{side}"] += abs(int(total))
    return {order_id: OrderMovements(**fields) for order_id, fields in sums.items()}


def payouts_between(
    conn: Connection, merchant_id: str, currency: str, start: datetime, end: datetime
) -> int:
    """Payouts posted in [start, end) less those reversed in it, in minor units."""
    p, e = ledger_postings, ledger_entries
    query = (
        select(func.coalesce(func.sum(p.c.amount_minor), 0))
        .select_from(p.join(e, e.c.id == p.c.entry_id))
        .where(
            p.c.account == merchant_payable(merchant_id),
            p.c.currency == currency,
            e.c.kind.in_([EntryKind.PAYOUT.value, EntryKind.PAYOUT_REVERSAL.value]),
            e.c.posted_at >= start,
            e.c.posted_at < end,
        )
    )
    return int(conn.execute(query).scalar_one())
