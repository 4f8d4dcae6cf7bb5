"""``agora import online-retail``: UCI Online Retail as one UK gift-ware supplier.

Every stock code is a SKU (one SPU each, titled by its description) of a single supplier
merchant, since the data set is one retailer's sales; its list price is the price it sold
at most often, in GBP. Customers with purchases become buyers; wholesale customers (see
``online_retail.is_wholesale``) also a company with the customer as its buyer admin, and
their invoices B2B orders. Invoices become completed historical orders paid when placed;
a cancellation ("C" invoice) refunds the latest earlier purchase of the same code by the
same customer that still has enough units. Two streaming passes over the gzip file: the
first learns codes and customers, the second writes orders in chunks of ``CHUNK``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from marketplace.importing.bulk import BulkWriter
from marketplace.importing.ids import order_id_of, stable_id
from marketplace.importing.online_retail import FILE, Line, Scan, clean_lines, scan
from marketplace.importing.records import (
    BehaviourEventRecord,
    BuyerRecord,
    CategoryRecord,
    CompanyRecord,
    HistoricalOrderRecord,
    MerchantRecord,
    OrderLineRecord,
    PriceRecord,
    ProductRecord,
    RefundRecord,
    SkuRecord,
)
from marketplace.importing.sources import ImportReport

SOURCE = "online_retail"
EPOCH = datetime(2010, 12, 1, tzinfo=UTC)
CHUNK = 5000
MERCHANT = stable_id("mer", SOURCE, "supplier", EPOCH)
SHOP = stable_id("shop", SOURCE, "supplier", EPOCH)
ROOT = stable_id("cat", SOURCE, "root", EPOCH)
LEAF = stable_id("cat", SOURCE, "giftware", EPOCH)


@dataclass
class _Purchase:
    group_id: str
    at: datetime
    price: Decimal
    remaining: int


def import_online_retail(
    engine: Engine, datasets_dir: Path, *, limit: int | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ImportReport:  # fmt: skip
    """Import UCI Online Retail into ``engine``'s database (idempotent)."""
    started, path = time.perf_counter(), datasets_dir / FILE
    report, writer = ImportReport(source="online_retail"), BulkWriter(engine, on_batch=progress)
    known = scan(path, limit)
    _parties_and_catalogue(writer, known, report)
    refunds: list[RefundRecord] = []
    purchases: dict[tuple[str, str], list[_Purchase]] = defaultdict(list)
    orders = events = 0
    chunk: list[HistoricalOrderRecord] = []
    for invoice in _invoices(clean_lines(path, report, limit)):
        if invoice[0].is_cancellation:
            refunds += _refunds(invoice, purchases, report)
            continue
        chunk.append(_order(invoice, known, purchases, report))
        if len(chunk) >= CHUNK:
            orders, events = orders + writer.orders(chunk), events + writer.events(_events(chunk))
            chunk = []
    orders += writer.orders(chunk)
    events += writer.events(_events(chunk))
    report.kept.update(orders=orders, events=events, refunds=writer.refunds(refunds))
    report.written, report.seconds = writer.report(), time.perf_counter() - started
    return report


def _parties_and_catalogue(writer: BulkWriter, known: Scan, report: ImportReport) -> None:
    writer.merchants([MerchantRecord(
        id=MERCHANT, shop_id=SHOP, owner_user_id=stable_id("usr", SOURCE, "supplier", EPOCH),
        owner_email="supplier@online-retail.import.agora.local",
        name="UK gift-ware wholesaler (UCI Online Retail)", kind="supplier", created_at=EPOCH,
        source=SOURCE, region="England", default_currency="GBP", default_locale="en",
    )])  # fmt: skip
    writer.categories([
        CategoryRecord(ROOT, "online-retail-gifts", {"zh": "礼品家居", "en": "Gifts & home"},
                       EPOCH, position=100),
        CategoryRecord(LEAF, "online-retail-giftware",
                       {"zh": "英国批发礼品", "en": "UK wholesale gift-ware"}, EPOCH, ROOT),
    ])  # fmt: skip
    report.kept["products"] = writer.products(_product(code, known) for code in known.prices)
    report.kept["buyers"] = writer.buyers(
        BuyerRecord(_buyer(c), f"customer-{c}@online-retail.import.agora.local",
                    f"Customer {c}", at, locale="en")
        for c, (at, _country) in known.customers.items()
    )  # fmt: skip
    report.kept["companies"] = writer.companies(
        CompanyRecord(_company(c), f"Wholesale customer {c} ({country})", _buyer(c), at,
                      currency="GBP")
        for c, (at, country) in known.customers.items()
        if known.is_wholesale(c)
    )  # fmt: skip


def _buyer(customer: str) -> str:
    return stable_id("usr", SOURCE, f"customer:{customer}", EPOCH)


def _company(customer: str) -> str:
    return stable_id("cmp", SOURCE, f"company:{customer}", EPOCH)


def _sku(code: str) -> str:
    return stable_id("sku", SOURCE, code, EPOCH)


def _product_id(code: str) -> str:
    return stable_id("prod", SOURCE, code, EPOCH)


# sku id -> product id of every code of this run (filled as products are made).
_PRODUCT_OF_SKU: dict[str, str] = {}


def _product(code: str, known: Scan) -> ProductRecord:
    _PRODUCT_OF_SKU[_sku(code)] = _product_id(code)
    text = " ".join(known.descriptions.get(code, "").split()) or f"Item {code}"
    sku = SkuRecord(_sku(code), code, (PriceRecord("GBP", known.list_price(code)),))
    return ProductRecord(
        id=_product_id(code), merchant_id=MERCHANT, shop_id=SHOP, category_id=LEAF,
        titles={"en": text.capitalize(), "zh": f"英国礼品 {code}：{text.lower()}"},
        skus=(sku,), attributes={"stock_code": code, "origin": "GB"}, default_locale="en",
        price_currency="GBP", created_at=known.first_seen[code],
    )  # fmt: skip


def _invoices(lines: Iterator[Line]) -> Iterator[list[Line]]:
    """Consecutive lines of one invoice (the file keeps an invoice's lines together)."""
    current: list[Line] = []
    for line in lines:
        if current and line.invoice != current[0].invoice:
            yield current
            current = []
        current.append(line)
    if current:
        yield current


def _order(
    invoice: list[Line], known: Scan, purchases: dict[tuple[str, str], list[_Purchase]],
    report: ImportReport,
) -> HistoricalOrderRecord:  # fmt: skip
    first = invoice[0]
    group_id = stable_id("grp", SOURCE, first.invoice, first.at)
    merged: dict[str, OrderLineRecord] = {}
    for line in invoice:
        seen = merged.get(line.code)
        if seen is None:
            merged[line.code] = OrderLineRecord(_sku(line.code), line.quantity, line.price)
        elif seen.unit_price == line.price:
            merged[line.code] = OrderLineRecord(seen.sku_id, seen.quantity + line.quantity,
                                                line.price)  # fmt: skip
        else:
            report.drop("repeated_code_other_price")
    for code, merged_line in merged.items():
        purchases[(first.customer, code)].append(
            _Purchase(group_id, first.at, merged_line.unit_price, merged_line.quantity)
        )
    is_company = known.is_wholesale(first.customer)
    return HistoricalOrderRecord(
        id=group_id, buyer_id=_buyer(first.customer), placed_at=first.at, currency="GBP",
        lines=tuple(merged.values()), status="completed", channel="b2b" if is_company else "web",
        company_id=_company(first.customer) if is_company else None,
        address={"country": first.country}, gateway_reference=f"online-retail:{first.invoice}",
        locale="en", source=SOURCE,
    )  # fmt: skip


def _refunds(
    invoice: list[Line], purchases: dict[tuple[str, str], list[_Purchase]], report: ImportReport
) -> Iterator[RefundRecord]:
    for index, line in enumerate(invoice):
        units = -line.quantity
        match = next((p for p in reversed(purchases.get((line.customer, line.code), []))
                      if p.at <= line.at and p.remaining >= units), None)  # fmt: skip
        if units <= 0 or match is None:
            report.drop("cancellation_without_match")
            continue
        match.remaining -= units
        yield RefundRecord(
            id=stable_id("rfd", SOURCE, f"{line.invoice}:{line.code}:{index}", line.at),
            group_id=match.group_id, sku_id=_sku(line.code), quantity=units,
            amount=match.price * units, at=line.at,
            reason=f"cancelled by invoice {line.invoice}",
        )  # fmt: skip


def _events(chunk: list[HistoricalOrderRecord]) -> Iterator[BehaviourEventRecord]:
    order_of = {rec.id: order_id_of(rec.id, MERCHANT, rec.placed_at) for rec in chunk}
    for rec in chunk:
        for line in rec.lines:
            yield BehaviourEventRecord(
                id=stable_id("bev", SOURCE, f"{rec.id}:{line.sku_id}", rec.placed_at),
                occurred_at=rec.placed_at, type="purchase", source="import_online_retail",
                session_id=f"online-retail:{rec.id}", user_id=rec.buyer_id, sku_id=line.sku_id,
                product_id=_PRODUCT_OF_SKU.get(line.sku_id), merchant_id=MERCHANT,
                quantity=line.quantity, price=line.unit_price, currency="GBP",
                order_id=order_of[rec.id],
            )  # fmt: skip
