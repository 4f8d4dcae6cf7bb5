"""SQL repository of RFQs and quotes, bound to the unit of work's connection."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from marketplace.catalog.adapters.tables import categories, skus
from marketplace.parties.adapters.tables import merchants
from marketplace.rfq.adapters.tables import (
    rfq_invitations,
    rfq_items,
    rfq_quote_lines,
    rfq_quotes,
    rfqs,
)
from marketplace.rfq.domain import Quote, QuoteLine, QuoteStatus, Rfq, RfqItem, RfqStatus
from marketplace.rfq.ports import MerchantFacts, SkuFacts
from marketplace.shared.money import Money


class SqlRfqRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    # -- RFQs ---------------------------------------------------------------------------
    def add(self, rfq: Rfq) -> None:
        self._conn.execute(insert(rfqs).values(_rfq_row(rfq)))
        self._conn.execute(
            insert(rfq_items),
            [{"rfq_id": rfq.id, "item_no": i.item_no, "sku_id": i.sku_id, "spec": i.spec,
              "category_id": i.category_id, "quantity": i.quantity, "unit": i.unit}
             for i in rfq.items],
        )  # fmt: skip

    def get(self, rfq_id: str, *, for_update: bool = False) -> Rfq | None:
        stmt = select(rfqs).where(rfqs.c.id == rfq_id)
        row = self._conn.execute(stmt.with_for_update() if for_update else stmt).first()
        if row is None:
            return None
        items = self._conn.execute(
            select(rfq_items).where(rfq_items.c.rfq_id == rfq_id).order_by(rfq_items.c.item_no)
        ).all()
        invited = self._conn.execute(
            select(rfq_invitations.c.merchant_id)
            .where(rfq_invitations.c.rfq_id == rfq_id)
            .order_by(rfq_invitations.c.merchant_id)
        ).scalars()  # fmt: skip
        return _rfq(row, items, tuple(invited))

    def save(self, rfq: Rfq, *, expected: RfqStatus | None = None) -> bool:
        stmt = update(rfqs).where(rfqs.c.id == rfq.id)
        if expected is not None:
            stmt = stmt.where(rfqs.c.status == expected.value)
        result = self._conn.execute(
            stmt.values(status=rfq.status.value, awarded_quote_id=rfq.awarded_quote_id,
                        awarded_by=rfq.awarded_by, updated_at=rfq.updated_at,
                        sent_at=rfq.sent_at, closed_at=rfq.closed_at)
        )  # fmt: skip
        return bool(result.rowcount)

    def add_invitations(self, rfq_id: str, merchant_ids: Sequence[str], *, now: datetime) -> None:
        self._conn.execute(
            insert(rfq_invitations),
            [{"rfq_id": rfq_id, "merchant_id": m, "invited_at": now} for m in merchant_ids],
        )

    # -- quotes -------------------------------------------------------------------------
    def add_quote(self, quote: Quote) -> None:
        self._conn.execute(insert(rfq_quotes).values(_quote_row(quote)))
        self._conn.execute(
            insert(rfq_quote_lines),
            [{"quote_id": quote.id, "item_no": x.item_no, "sku_id": x.sku_id,
              "unit_price_minor": x.unit_price.minor, "quantity": x.quantity,
              "lead_time_days": x.lead_time_days} for x in quote.lines],
        )  # fmt: skip

    def get_quote(self, quote_id: str) -> Quote | None:
        found = self._load(select(rfq_quotes).where(rfq_quotes.c.id == quote_id))
        return found[0] if found else None

    def quotes(self, rfq_id: str) -> list[Quote]:
        return self._load(
            select(rfq_quotes)
            .where(rfq_quotes.c.rfq_id == rfq_id)
            .order_by(rfq_quotes.c.submitted_at, rfq_quotes.c.id)
        )

    def open_quote_of(self, rfq_id: str, merchant_id: str) -> Quote | None:
        found = self._load(
            select(rfq_quotes).where(
                rfq_quotes.c.rfq_id == rfq_id,
                rfq_quotes.c.merchant_id == merchant_id,
                rfq_quotes.c.status == QuoteStatus.SUBMITTED.value,
            )
        )
        return found[0] if found else None

    def set_quote_status(
        self, quote_ids: Collection[str], *, expected: QuoteStatus, target: QuoteStatus,
        now: datetime,
    ) -> int:  # fmt: skip
        if not quote_ids:
            return 0
        result = self._conn.execute(
            update(rfq_quotes)
            .where(rfq_quotes.c.id.in_(list(quote_ids)), rfq_quotes.c.status == expected.value)
            .values(status=target.value, decided_at=now)
        )
        return int(result.rowcount)

    def _load(self, stmt: Any) -> list[Quote]:
        heads = self._conn.execute(stmt).all()
        if not heads:
            return []
        lines: dict[str, list[Any]] = {}
        for line in self._conn.execute(
            select(rfq_quote_lines)
            .where(rfq_quote_lines.c.quote_id.in_([h.id for h in heads]))
            .order_by(rfq_quote_lines.c.quote_id, rfq_quote_lines.c.item_no)
        ):  # fmt: skip
            lines.setdefault(line.quote_id, []).append(line)
        return [_quote(h, lines.get(h.id, [])) for h in heads]

    # -- facts from other areas -----------------------------------------------------------
    def skus(self, sku_ids: Collection[str]) -> dict[str, SkuFacts]:
        if not sku_ids:
            return {}
        rows = self._conn.execute(
            select(skus.c.id, skus.c.merchant_id, skus.c.status).where(skus.c.id.in_(list(sku_ids)))
        )
        return {r.id: SkuFacts(r.merchant_id, r.status == "active") for r in rows}

    def merchants(self, merchant_ids: Collection[str]) -> dict[str, MerchantFacts]:
        if not merchant_ids:
            return {}
        rows = self._conn.execute(
            select(merchants.c.id, merchants.c.name, merchants.c.kind, merchants.c.status)
            .where(merchants.c.id.in_(list(merchant_ids)))
        )  # fmt: skip
        return {r.id: MerchantFacts(r.name, r.kind, r.status) for r in rows}

    def categories_exist(self, category_ids: Collection[str]) -> set[str]:
        if not category_ids:
            return set()
        rows = self._conn.execute(
            select(categories.c.id).where(categories.c.id.in_(list(category_ids)))
        )
        return set(rows.scalars())


# -- rows <-> domain ------------------------------------------------------------------
def _rfq_row(r: Rfq) -> dict[str, Any]:
    return {"id": r.id, "company_id": r.company_id, "created_by": r.created_by,
            "title": r.title, "notes": r.notes, "currency": r.currency,
            "deadline": r.deadline, "location_id": r.location_id, "status": r.status.value,
            "awarded_quote_id": r.awarded_quote_id, "awarded_by": r.awarded_by,
            "created_at": r.created_at,
            "updated_at": r.updated_at, "sent_at": r.sent_at,
            "closed_at": r.closed_at}  # fmt: skip


def _rfq(r: Any, items: Sequence[Any], invited: tuple[str, ...]) -> Rfq:
    return Rfq(
        id=r.id, company_id=r.company_id, created_by=r.created_by, title=r.title,
        notes=r.notes, currency=r.currency, deadline=r.deadline, location_id=r.location_id,
        status=RfqStatus(r.status),
        items=tuple(RfqItem(item_no=int(i.item_no), quantity=int(i.quantity), unit=i.unit,
                            sku_id=i.sku_id, spec=i.spec, category_id=i.category_id)
                    for i in items),
        created_at=r.created_at, updated_at=r.updated_at, supplier_ids=invited,
        sent_at=r.sent_at, closed_at=r.closed_at, awarded_quote_id=r.awarded_quote_id,
        awarded_by=r.awarded_by,
    )  # fmt: skip


def _quote_row(q: Quote) -> dict[str, Any]:
    return {"id": q.id, "rfq_id": q.rfq_id, "merchant_id": q.merchant_id,
            "status": q.status.value, "currency": q.currency, "total_minor": q.total.minor,
            "valid_until": q.valid_until, "notes": q.notes, "supersedes_id": q.supersedes_id,
            "submitted_at": q.submitted_at, "decided_at": q.decided_at}  # fmt: skip


def _quote(q: Any, lines: Sequence[Any]) -> Quote:
    return Quote(
        id=q.id, rfq_id=q.rfq_id, merchant_id=q.merchant_id, status=QuoteStatus(q.status),
        currency=q.currency,
        lines=tuple(QuoteLine(item_no=int(x.item_no), sku_id=x.sku_id,
                              unit_price=Money.from_minor(int(x.unit_price_minor), q.currency),
                              quantity=int(x.quantity), lead_time_days=int(x.lead_time_days))
                    for x in lines),
        valid_until=q.valid_until, notes=q.notes, submitted_at=q.submitted_at,
        decided_at=q.decided_at, supersedes_id=q.supersedes_id,
    )  # fmt: skip
