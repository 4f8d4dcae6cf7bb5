"""``BulkWriter``: records in, rows out, in batches, idempotently.

Each record is an aggregate with a stable id (a merchant, a product, a checkout, a
refund, an event). A batch first asks which of its ids exist already and drops those
records whole, then inserts every row of the rest in one transaction, parents first, with
``ON CONFLICT DO NOTHING`` (PostgreSQL) / ``INSERT OR IGNORE`` (SQLite) as a second guard.
A re-run of the same import therefore writes nothing, and ``new`` says so per table.
Rows shared between aggregates (users, ledger accounts) are filtered the same way.

Rows are exactly those the services write for the same facts (see the row modules and
tests/integration/importing/test_equivalence.py); what a *historical* order does and does
not write (no stock, no outbox events) is explained in docs/data/importers.md.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import timedelta
from itertools import islice
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table, select, text

from marketplace.behaviour.adapters.partitions import day_of, ensure_days
from marketplace.cart.adapters.snapshots import SqlSkuSnapshotReader
from marketplace.db.schema import load_all_tables, metadata
from marketplace.db.sql import dialect_insert
from marketplace.importing import refunds as refund_rows
from marketplace.importing.catalog_rows import category_row, product_rows
from marketplace.importing.event_rows import event_row
from marketplace.importing.order_rows import order_rows
from marketplace.importing.party_rows import buyer_rows, company_rows, merchant_rows
from marketplace.importing.records import (
    BehaviourEventRecord,
    BuyerRecord,
    CategoryRecord,
    CompanyRecord,
    HistoricalOrderRecord,
    MerchantRecord,
    ProductRecord,
    RefundRecord,
)

T = TypeVar("T")
Rows = dict[str, list[dict[str, Any]]]
# Parents before children, so foreign keys hold inside a batch.
TABLE_ORDER = (
    "users", "merchants", "merchant_status_history", "merchant_members", "shops",
    "categories", "products", "product_translations", "skus", "sku_prices", "companies",
    "company_members", "checkout_groups", "orders", "order_lines", "order_status_history",
    "payments", "payment_orders", "payment_transactions", "ledger_accounts", "ledger_entries",
    "ledger_postings", "refunds",
)  # fmt: skip
# The tables each kind of record writes to (the report lists them all, "0 new" included).
_TABLES_OF = {
    "users": ("users",), "companies": ("companies", "company_members"),
    "merchants": ("users", "merchants", "merchant_status_history", "merchant_members", "shops"),
    "categories": ("categories",),
    "products": ("products", "product_translations", "skus", "sku_prices"),
    "checkout_groups": ("checkout_groups", "orders", "order_lines", "order_status_history",
                        "payments", "payment_orders", "payment_transactions",
                        "ledger_accounts", "ledger_entries", "ledger_postings"),
    "refunds": ("refunds", "payment_transactions", "ledger_entries", "ledger_postings"),
}  # fmt: skip
# Rows that several aggregates share: written once, by their key.
_SHARED_KEYS = {"users": "id", "ledger_accounts": "code"}


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


class BulkWriter:
    """Writes records to ``engine`` in batches of ``batch_size``; ``new`` counts the rows
    written per table (and ``skipped`` the records that existed already)."""

    def __init__(
        self, engine: Engine, *, batch_size: int = 5000,
        payment_ttl: timedelta = timedelta(seconds=1800),
        on_batch: Callable[[str, int], None] | None = None,
    ) -> None:  # fmt: skip
        load_all_tables()
        self.engine, self.batch_size, self.payment_ttl = engine, batch_size, payment_ttl
        self.new: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self._on_batch = on_batch or (lambda _kind, _n: None)
        self._paths: dict[str, tuple[str, int]] = {}

    # -- public: one method per kind of record -----------------------------------------
    def merchants(self, records: Iterable[MerchantRecord]) -> int:
        return self._aggregates(records, "merchants", merchant_rows)

    def buyers(self, records: Iterable[BuyerRecord]) -> int:
        return self._aggregates(records, "users", buyer_rows)

    def companies(self, records: Iterable[CompanyRecord]) -> int:
        return self._aggregates(records, "companies", company_rows)

    def products(self, records: Iterable[ProductRecord]) -> int:
        return self._aggregates(records, "products", product_rows)

    def categories(self, records: Iterable[CategoryRecord]) -> int:
        """Categories, parents first (a parent may also be in the database already)."""
        return self._aggregates(records, "categories", None)

    def orders(self, records: Iterable[HistoricalOrderRecord]) -> int:
        """Historical checkouts; their buyers, companies and SKUs must be written before."""
        return self._aggregates(records, "checkout_groups", None)

    def refunds(self, records: Iterable[RefundRecord]) -> int:
        """Succeeded refunds of lines of historical orders written before."""
        return self._aggregates(records, "refunds", None)

    def events(self, records: Iterable[BehaviourEventRecord]) -> int:
        written = 0
        for batch in batched(records, self.batch_size):
            ensure_days(self.engine, {day_of(r.occurred_at) for r in batch})
            with self.engine.begin() as conn:
                rows = _unique(event_row(r) for r in batch)
                known = _existing_events(conn, rows)
                fresh = [r for r in rows if r["id"] not in known]
                self._insert(conn, "behaviour_events", fresh)
            self.skipped["behaviour_events"] += len(batch) - len(fresh)
            written += len(fresh)
            self._on_batch("behaviour_events", len(batch))
        return written

    def report(self) -> dict[str, int]:
        """Rows written per table, every table touched (0 when nothing was new)."""
        touched = set(self.new) | set(self.skipped)
        return {name: self.new.get(name, 0) for name in sorted(touched)}

    # -- the batch loop ------------------------------------------------------------------
    def _aggregates(
        self, records: Iterable[Any], root: str, build: Callable[[Any], Rows] | None
    ) -> int:
        written = 0
        for batch in batched(records, self.batch_size):
            with self.engine.begin() as conn:
                known = _existing(conn, root, "id", [r.id for r in batch])
                fresh = list({r.id: r for r in batch if r.id not in known}.values())
                self.skipped[root] += len(batch) - len(fresh)
                for name in _TABLES_OF[root]:
                    self.new[name] += 0
                if fresh:
                    rows = self._rows(conn, root, fresh, build)
                    for name in TABLE_ORDER:
                        if rows.get(name):
                            self._insert(conn, name, rows[name])
                    if root == "products" and conn.dialect.name == "sqlite":
                        _sync_fts(conn, rows["products"])
            written += len(fresh)
            self._on_batch(root, len(batch))
        return written

    def _rows(
        self, conn: Connection, root: str, fresh: Sequence[Any],
        build: Callable[[Any], Rows] | None,
    ) -> Rows:  # fmt: skip
        if root == "checkout_groups":
            return self._order_rows(conn, fresh)
        if root == "refunds":
            return refund_rows.refund_batch(conn, fresh, self._insert)
        if root == "categories":
            return {"categories": [self._category_row(conn, r) for r in fresh]}
        assert build is not None
        rows: Rows = defaultdict(list)
        for record in fresh:
            for name, table_rows in build(record).items():
                rows[name] += table_rows
        for name, key in _SHARED_KEYS.items():
            if rows.get(name):
                rows[name] = _new_only(conn, name, key, rows[name])
        return rows

    def _order_rows(self, conn: Connection, fresh: Sequence[HistoricalOrderRecord]) -> Rows:
        reader = SqlSkuSnapshotReader(conn)
        by_locale: dict[str | None, set[str]] = defaultdict(set)
        for rec in fresh:
            by_locale[rec.locale].update(line.sku_id for line in rec.lines)
        snaps = {loc: reader.snapshots(ids, locale=loc) for loc, ids in by_locale.items()}
        rows: Rows = defaultdict(list)
        for rec in fresh:
            missing = {ln.sku_id for ln in rec.lines} - snaps[rec.locale].keys()
            if missing:
                raise LookupError(f"checkout {rec.id}: unknown SKUs {sorted(missing)[:5]}")
            for name, table_rows in order_rows(
                rec, snaps[rec.locale], payment_ttl=self.payment_ttl
            ).items():
                rows[name] += table_rows
        rows["ledger_accounts"] = _new_only(conn, "ledger_accounts", "code",
                                            rows["ledger_accounts"])  # fmt: skip
        return rows

    def _category_row(self, conn: Connection, record: CategoryRecord) -> dict[str, Any]:
        parent = None
        if record.parent_id is not None:
            parent = self._paths.get(record.parent_id) or self._load_path(conn, record.parent_id)
        row = category_row(record, parent)
        self._paths[record.id] = (row["path"], row["depth"])
        return row

    def _load_path(self, conn: Connection, category_id: str) -> tuple[str, int]:
        table = _table("categories")
        found = conn.execute(
            select(table.c.path, table.c.depth).where(table.c.id == category_id)
        ).first()
        if found is None:
            raise LookupError(f"parent category {category_id} is neither written nor given")
        self._paths[category_id] = (found.path, int(found.depth))
        return self._paths[category_id]

    def _insert(self, conn: Connection, name: str, rows: list[dict[str, Any]]) -> None:
        if rows and name in _SHARED_KEYS:
            rows = _new_only(conn, name, _SHARED_KEYS[name], rows)
        if rows:
            conn.execute(dialect_insert(conn, _table(name)).on_conflict_do_nothing(), rows)
            self.new[name] += len(rows)


def _table(name: str) -> Table:
    return metadata.tables[name]


def _existing(conn: Connection, name: str, key: str, values: Sequence[Any]) -> set[Any]:
    column = _table(name).c[key]
    found: set[Any] = set()
    for chunk in batched(sorted(set(values)), 1000):
        found.update(conn.execute(select(column).where(column.in_(chunk))).scalars())
    return found


def _new_only(conn: Connection, name: str, key: str, rows: list[dict[str, Any]]) -> list[Any]:
    """Rows whose key is neither in the database nor earlier in ``rows``."""
    known = _existing(conn, name, key, [r[key] for r in rows])
    out = []
    for row in rows:
        if row[key] not in known:
            known.add(row[key])
            out.append(row)
    return out


def _unique(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return list({(r["occurred_at"], r["id"]): r for r in rows}.values())


def _existing_events(conn: Connection, rows: list[dict[str, Any]]) -> set[str]:
    """Ids of ``rows`` already logged. Looked up by the time range of the batch and the
    ids: the primary key (occurred_at, id) serves it, where a row-value IN would scan."""
    if not rows:
        return set()
    table = _table("behaviour_events")
    times = [r["occurred_at"] for r in rows]
    found: set[str] = set()
    for chunk in batched([r["id"] for r in rows], 1000):
        query = select(table.c.id).where(
            table.c.occurred_at.between(min(times), max(times)), table.c.id.in_(chunk)
        )
        found.update(conn.execute(query).scalars())
    return found


def _sync_fts(conn: Connection, products: list[dict[str, Any]]) -> None:
    """SQLite's search table follows new products, as the product repository does."""
    conn.execute(
        text("INSERT INTO products_fts (product_id, search_text) VALUES (:id, :search_text)"),
        [{"id": p["id"], "search_text": p["search_text"]} for p in products],
    )
