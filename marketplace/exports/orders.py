"""The orders export: one row per order line, with its order, checkout group, buyer,
company (B2B purchase orders), merchant and what has been refunded of it so far.

Money is in integer minor units of the order's currency, exactly as stored; refunded
amounts count refunds that succeeded (the lines are updated when the money moved).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Select, select

from marketplace.exports.domain import Dataset, ExportRequest, WrittenFile
from marketplace.exports.writer import (
    Progress,
    dataset_schema,
    record_batch,
    stream,
    write_single,
)
from marketplace.ordering.adapters.tables import order_lines, orders

_TS = pa.timestamp("us", tz="UTC")
SCHEMA = dataset_schema(
    Dataset.ORDERS,
    [
        pa.field("line_id", pa.string(), nullable=False),
        pa.field("order_id", pa.string(), nullable=False),
        pa.field("group_id", pa.string(), nullable=False),
        pa.field("line_position", pa.int32(), nullable=False),
        pa.field("buyer_id", pa.string(), nullable=False),
        pa.field("company_id", pa.string()),
        pa.field("merchant_id", pa.string(), nullable=False),
        pa.field("shop_id", pa.string()),
        pa.field("channel", pa.string(), nullable=False),
        pa.field("status", pa.string(), nullable=False),
        pa.field("product_id", pa.string(), nullable=False),
        pa.field("category_id", pa.string(), nullable=False),
        pa.field("sku_id", pa.string(), nullable=False),
        pa.field("sku_code", pa.string(), nullable=False),
        pa.field("quantity", pa.int32(), nullable=False),
        pa.field("currency", pa.string(), nullable=False),
        pa.field("unit_price_minor", pa.int64(), nullable=False),
        pa.field("list_price_minor", pa.int64(), nullable=False),
        pa.field("price_rule", pa.string(), nullable=False),
        pa.field("line_total_minor", pa.int64(), nullable=False),
        pa.field("commission_minor", pa.int64(), nullable=False),
        pa.field("refunded_quantity", pa.int32(), nullable=False),
        pa.field("refunded_minor", pa.int64(), nullable=False),
        pa.field("placed_at", _TS, nullable=False),
        pa.field("paid_at", _TS),
        pa.field("updated_at", _TS, nullable=False),
    ],
)


def query(request: ExportRequest) -> Select[Any]:
    """The lines of the orders placed in the window, order by order."""
    o, line = orders.c, order_lines.c
    columns = (
        line.id, line.order_id, o.group_id, line.position, o.buyer_id, o.company_id,
        o.merchant_id, o.shop_id, o.channel, o.status, line.product_id, line.category_id,
        line.sku_id, line.sku_code, line.quantity, o.currency, line.unit_price_minor,
        line.list_price_minor, line.price_rule, line.line_total_minor, line.commission_minor,
        line.refunded_quantity, line.refunded_minor, o.created_at, o.paid_at, o.updated_at,
    )  # fmt: skip
    stmt = (
        select(*columns)
        .select_from(order_lines.join(orders, o.id == line.order_id))
        .order_by(o.created_at, o.id, line.position)
    )
    if request.since is not None:
        stmt = stmt.where(o.created_at >= request.since)
    if request.until is not None:
        stmt = stmt.where(o.created_at < request.until)
    return stmt


def write(
    conn: Connection, request: ExportRequest, root: Path, progress: Progress
) -> list[WrittenFile]:
    """Stream the window's order lines into ``part-0.parquet``."""
    batches = (
        record_batch(SCHEMA, rows) for rows in stream(conn, query(request), request.batch_rows)
    )
    return write_single(root, SCHEMA, batches, progress)
