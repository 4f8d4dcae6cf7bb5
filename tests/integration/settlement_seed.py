"""Rows settlement tests stand on (merchants, categories), inserted straight into the other
areas' tables, plus helpers that post through the real services and read the ledger."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import Engine, func, insert, select

from marketplace.catalog.adapters.tables import categories
from marketplace.db.schema import load_all_tables, metadata
from marketplace.db.uow import SqlUnitOfWork
from marketplace.parties.adapters.tables import merchants
from marketplace.settlement import services
from marketplace.settlement.adapters.tables import ledger_postings
from marketplace.settlement.domain import JournalEntry, MerchantShare
from marketplace.shared.clock import Clock, FixedClock
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def seed_merchant(engine: Engine, merchant_id: str | None = None) -> str:
    merchant_id = merchant_id or new_id("mer")
    with engine.begin() as conn:
        conn.execute(
            insert(merchants).values(
                id=merchant_id, name=f"Merchant {merchant_id}", slug=merchant_id.lower(),
                kind="third_party", status="approved", default_currency="CNY",
                default_locale="zh", created_at=T0, updated_at=T0, approved_at=T0,
            )
        )  # fmt: skip
    return merchant_id


def seed_category(engine: Engine, parent: tuple[str, str] | None = None) -> tuple[str, str]:
    """A category under ``parent`` ((id, path) of the parent); returns (id, path)."""
    category_id = new_id("cat")
    path = f"{parent[1] if parent else '/'}{category_id}/"
    with engine.begin() as conn:
        conn.execute(
            insert(categories).values(
                id=category_id, parent_id=parent[0] if parent else None,
                slug=category_id.lower(), names={"en": "Things"}, path=path,
                depth=path.count("/") - 2, position=0, is_active=True, created_at=T0,
                updated_at=T0,
            )
        )  # fmt: skip
    return category_id, path


def capture(
    engine: Engine,
    payment_id: str,
    *shares: MerchantShare,
    funding: str = "gateway:alipay",
    clock: Clock | None = None,
) -> JournalEntry:
    uow = SqlUnitOfWork(engine, clock=clock or FixedClock(T0))
    with uow:
        entry = services.post_payment_captured(
            uow=uow, payment_id=payment_id, funding_account=funding, shares=shares,
            at=uow.clock.now(),
        )  # fmt: skip
        uow.commit()
    return entry


def refund(
    engine: Engine,
    refund_id: str,
    payment_id: str,
    *shares: MerchantShare,
    funding: str = "gateway:alipay",
    clock: Clock | None = None,
) -> JournalEntry:
    uow = SqlUnitOfWork(engine, clock=clock or FixedClock(T0))
    with uow:
        entry = services.post_refund(
            uow=uow, refund_id=refund_id, payment_id=payment_id, funding_account=funding,
            shares=shares, at=uow.clock.now(),
        )  # fmt: skip
        uow.commit()
    return entry


def balance(engine: Engine, account: str, currency: str = "CNY") -> int:
    """Sum of an account's postings (debit positive), in minor units."""
    with engine.connect() as conn:
        query = select(func.coalesce(func.sum(ledger_postings.c.amount_minor), 0)).where(
            ledger_postings.c.account == account, ledger_postings.c.currency == currency
        )
        return int(conn.execute(query).scalar_one())


def total_of_all_postings(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        query = select(ledger_postings.c.currency, func.sum(ledger_postings.c.amount_minor))
        rows = conn.execute(query.group_by(ledger_postings.c.currency))
        return {currency: int(total) for currency, total in rows}


def snapshot(engine: Engine) -> dict[str, tuple[int, str]]:
    """Row count and a hash of every table's rows, to assert that nothing changed."""
    load_all_tables()
    found: dict[str, tuple[int, str]] = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = sorted(repr(tuple(row)) for row in conn.execute(select(table)))
            found[table.name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return found
