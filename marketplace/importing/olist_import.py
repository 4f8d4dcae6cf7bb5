"""``agora import olist``: Olist's sellers, products and the 10k-order subset of 2017.

Customers become buyers (one per ``customer_unique_id``), orders historical checkouts in
BRL (one order per seller, freight as its shipping), and each paid line a purchase event.
Order statuses map to ours: delivered -> delivered, shipped -> shipped, invoiced /
processing / approved -> paid, canceled / unavailable / created -> cancelled. Orders
without items are dropped and counted. ``limit`` keeps the first N orders and only the
sellers and products they need (a consistent slice for tests and demos).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

from marketplace.importing import olist_catalog as cat
from marketplace.importing.bulk import BulkWriter
from marketplace.importing.ids import order_id_of, stable_id
from marketplace.importing.records import (
    BehaviourEventRecord,
    BuyerRecord,
    HistoricalOrderRecord,
    OrderLineRecord,
)
from marketplace.importing.sources import ImportReport, csv_rows, utc
from marketplace.seeding.olist import OLIST_DIR

STATUS = {"delivered": "delivered", "shipped": "shipped", "invoiced": "paid",
          "processing": "paid", "approved": "paid", "canceled": "cancelled",
          "unavailable": "cancelled", "created": "cancelled"}  # fmt: skip
SUBSET = "subset_2017_10k_orders"
Items = dict[str, list[dict[str, str]]]


def import_olist(
    engine: Engine, datasets_dir: Path, *, limit: int | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ImportReport:  # fmt: skip
    """Import the Olist data set into ``engine``'s database (idempotent)."""
    started, base = time.perf_counter(), datasets_dir / OLIST_DIR
    report = ImportReport(source="olist")
    writer = BulkWriter(engine, on_batch=progress)
    orders = list(csv_rows(base / SUBSET / "olist_orders_dataset.csv.gz", limit=limit))
    wanted = {o["order_id"] for o in orders}
    items: Items = defaultdict(list)
    for item in csv_rows(base / SUBSET / "olist_order_items_dataset.csv.gz"):
        if item["order_id"] in wanted:
            items[item["order_id"]].append(item)
    report.rows_read = len(orders) + sum(len(v) for v in items.values())
    _catalogue(writer, base, items, limit is not None, report)
    customers = {c["customer_id"]: c
                 for c in csv_rows(base / SUBSET / "olist_customers_dataset.csv.gz")}  # fmt: skip
    kept = [o for o in orders if items.get(o["order_id"])]
    report.drop("order_without_items", len(orders) - len(kept))
    kept.sort(key=lambda o: o["order_purchase_timestamp"])
    report.kept["buyers"] = writer.buyers(_buyers(kept, customers))
    records = [_order(o, items[o["order_id"]], customers[o["customer_id"]]) for o in kept]
    report.kept["orders"] = writer.orders(r for r, _ in records)
    report.kept["events"] = writer.events(e for r, pairs in records for e in _events(r, pairs))
    report.written, report.seconds = writer.report(), time.perf_counter() - started
    return report


def _catalogue(
    writer: BulkWriter, base: Path, items: Items, only_sold: bool, report: ImportReport
) -> None:
    names = csv_rows(base / "product_category_name_translation.csv.gz")
    translation = {r["product_category_name"]: r["product_category_name_english"] for r in names}
    sellers_of: dict[str, list[str]] = defaultdict(list)
    sums: dict[tuple[str, str], list[Decimal]] = defaultdict(list)
    for lines in items.values():
        for item in lines:
            pair = (item["product_id"], item["seller_id"])
            if item["seller_id"] not in sellers_of[item["product_id"]]:
                sellers_of[item["product_id"]].append(item["seller_id"])
            sums[pair].append(Decimal(item["price"]))
    prices = {k: sum(v, Decimal(0)) / len(v) for k, v in sums.items()}
    products = [p for p in csv_rows(base / "olist_products_dataset.csv.gz")
                if not only_sold or p["product_id"] in sellers_of]  # fmt: skip
    category_of = {p["product_id"]: p["product_category_name"] or cat.NO_CATEGORY[0]
                   for p in products}  # fmt: skip
    medians, overall = cat.fallback_prices(category_of, prices)
    writer.categories(cat.category_records(translation, set(category_of.values())))
    sold = {s for sellers in sellers_of.values() for s in sellers}
    merchants = [cat.merchant_record(s["seller_id"], s["seller_city"], s["seller_state"])
                 for s in csv_rows(base / "olist_sellers_dataset.csv.gz")
                 if not only_sold or s["seller_id"] in sold]  # fmt: skip
    if not only_sold or any(p["product_id"] not in sellers_of for p in products):
        merchants.append(cat.merchant_record(cat.CATALOGUE_SELLER, "", ""))
    report.rows_read += len(products) + len(merchants)
    report.kept["merchants"] = writer.merchants(merchants)
    report.kept["products"] = writer.products(
        cat.product_record(p, seller, prices.get((p["product_id"], seller))
                           or medians.get(category_of[p["product_id"]], overall), translation)
        for p in products
        for seller in cat.iter_pairs(sellers_of, p["product_id"])
    )  # fmt: skip
    report.kept["priced_by_category_median"] = sum(p["product_id"] not in sellers_of
                                                   for p in products)  # fmt: skip


def _buyer_id(unique_id: str) -> str:
    return stable_id("usr", "olist", f"customer:{unique_id}", cat.EPOCH)


def _buyers(
    orders: list[dict[str, str]], customers: dict[str, dict[str, str]]
) -> Iterator[BuyerRecord]:
    seen: set[str] = set()
    for order in orders:  # by purchase time: a buyer is dated by their first order
        unique = customers[order["customer_id"]]["customer_unique_id"]
        if unique not in seen:
            seen.add(unique)
            city = customers[order["customer_id"]]["customer_city"].title()
            yield BuyerRecord(_buyer_id(unique), f"{unique}@customers.olist.import.agora.local",
                              f"Cliente {city}", utc(order["order_purchase_timestamp"]),
                              locale="en")  # fmt: skip


def _order(
    order: dict[str, str], items: list[dict[str, str]], customer: dict[str, str]
) -> tuple[HistoricalOrderRecord, list[tuple[str, str]]]:
    placed = utc(order["order_purchase_timestamp"])
    quantities: dict[tuple[str, str], int] = defaultdict(int)
    price: dict[tuple[str, str], Decimal] = {}
    shipping: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:  # one row per unit: units of one product and seller are one line
        pair = (item["product_id"], item["seller_id"])
        quantities[pair] += 1
        price.setdefault(pair, Decimal(item["price"]))
        shipping[cat.merchant_id(item["seller_id"])] += Decimal(item["freight_value"])
    lines = tuple(OrderLineRecord(cat.sku_id(*pair), qty, price[pair])
                  for pair, qty in quantities.items())  # fmt: skip
    approved = order["order_approved_at"]
    record = HistoricalOrderRecord(
        id=stable_id("grp", "olist", order["order_id"], placed),
        buyer_id=_buyer_id(customer["customer_unique_id"]), placed_at=placed, currency="BRL",
        lines=lines, status=STATUS.get(order["order_status"], "cancelled"),
        paid_at=utc(approved) if approved else placed, shipping=dict(shipping),
        address={"country": "BR", "region": customer["customer_state"],
                 "city": customer["customer_city"].title(),
                 "postal_code": customer["customer_zip_code_prefix"]},
        gateway_reference=f"olist:{order['order_id']}", source="olist", locale="en",
    )  # fmt: skip
    return record, list(quantities)


def _events(
    rec: HistoricalOrderRecord, pairs: list[tuple[str, str]]
) -> Iterator[BehaviourEventRecord]:
    """A purchase event per line of a paid order (``pairs``: its (product, seller)s)."""
    if rec.status == "cancelled":
        return
    at = rec.paid_at or rec.placed_at
    for line, (product, seller) in zip(rec.lines, pairs, strict=True):
        merchant = cat.merchant_id(seller)
        yield BehaviourEventRecord(
            id=stable_id("bev", "olist", f"{rec.id}:{line.sku_id}", at), occurred_at=at,
            type="purchase", source="import_olist", session_id=f"olist:{rec.id}",
            user_id=rec.buyer_id, product_id=cat.product_id(product, seller),
            sku_id=line.sku_id, merchant_id=merchant, quantity=line.quantity,
            price=line.unit_price, currency=rec.currency,
            order_id=order_id_of(rec.id, merchant, rec.placed_at),
        )  # fmt: skip
