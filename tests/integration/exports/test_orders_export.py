"""The orders export: one exact row per order line, placed in the window, with what was
paid and refunded; an atomic directory with its manifest."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from marketplace.exports import orders
from marketplace.exports.domain import Dataset, ExportRequest, InvalidExportRangeError
from marketplace.exports.services import export_dataset
from marketplace.ordering.commands import LineRequest, PlaceCheckout
from marketplace.ordering.domain import Channel, Order
from marketplace.ordering.services import place_checkout
from marketplace.payments.domain import GatewayNotification, TransactionKind, TransactionPhase
from marketplace.payments.services import (
    DecideRefund,
    RequestRefund,
    StartPayment,
    apply_notification,
    decide_refund,
    process_refund,
    request_refund,
    start_payment,
)
from marketplace.shared.ids import new_id
from tests.integration.ordering.seed import SHANGHAI, Market


def _pay(market: Market, buyer: str, group_id: str) -> None:
    payment, _ = start_payment(
        StartPayment(buyer_id=buyer, method="sandbox", group_id=group_id), uow=market.app.uow(),
        gateways=market.app.gateways, notify_url=market.app.notify_url,
    )  # fmt: skip
    apply_notification(GatewayNotification(
        gateway="sandbox", payment_id=payment.id, gateway_reference="SBX",
        kind=TransactionKind.CAPTURE, phase=TransactionPhase.SUCCESS, amount=payment.amount,
    ), uow=market.app.uow())  # fmt: skip


def _refund(market: Market, order: Order, line_id: str, quantity: int, buyer: str) -> None:
    refund = request_refund(RequestRefund(order.id, "broken", lines={line_id: quantity},
                                          buyer_id=buyer), uow=market.app.uow())  # fmt: skip
    decide_refund(DecideRefund(refund.id, order.merchant_id, approve=True), uow=market.app.uow())
    process_refund(refund.id, uow=market.app.uow(), gateways=market.app.gateways)


def _export(market: Market, out: Path, since: datetime, until: datetime | None = None) -> None:
    request = ExportRequest.of(Dataset.ORDERS, since=since, until=until, now=market.clock.now())
    export_dataset(request, engine=market.engine, out_dir=out)


def _order(market: Market, group_id: str) -> Order:
    with market.app.uow() as uow:
        return uow.orders.of_group(group_id)[0]


def test_one_row_per_line_with_exact_money_refunds_and_company(market: Market, out: Path) -> None:
    seller = market.seller({"pen": "10.00", "ink": "2.35"})
    market.checkout(market.buyer(), [(seller.skus["pen"], 1)])  # before the window
    market.later(days=1)
    since = market.clock.now()
    buyer = market.buyer()
    group = market.checkout(buyer, [(seller.skus["pen"], 3), (seller.skus["ink"], 2)])
    market.later(minutes=1)
    _pay(market, buyer, group.id)
    paid = _order(market, group.id)
    pen = next(line for line in paid.lines if line.sku_id == seller.skus["pen"])
    _refund(market, paid, pen.id, 1, buyer)
    market.later(minutes=1)
    company = new_id("cmp")
    b2b = place_checkout(PlaceCheckout(
        buyer_id=buyer, address=SHANGHAI, channel=Channel.B2B, company_id=company,
        lines=(LineRequest(seller.skus["ink"], 4),),
    ), uow=market.app.uow(), charges=market.app.charges)  # fmt: skip
    market.later(minutes=1)

    _export(market, out, since)

    table = pq.read_table(out / "orders" / "part-0.parquet")
    assert table.schema.equals(orders.SCHEMA, check_metadata=True)
    rows = table.to_pylist()
    b2b_order = _order(market, b2b.id)
    assert [
        (r["order_id"], r["group_id"], r["sku_id"], r["quantity"], r["unit_price_minor"],
         r["line_total_minor"], r["refunded_quantity"], r["refunded_minor"], r["currency"],
         r["status"], r["channel"], r["company_id"], r["buyer_id"], r["merchant_id"])
        for r in rows
    ] == [
        (paid.id, group.id, seller.skus["pen"], 3, 1000, 3000, 1, 1000, "CNY", "paid", "web",
         None, buyer, seller.merchant_id),
        (paid.id, group.id, seller.skus["ink"], 2, 235, 470, 0, 0, "CNY", "paid", "web",
         None, buyer, seller.merchant_id),
        (b2b_order.id, b2b.id, seller.skus["ink"], 4, 235, 940, 0, 0, "CNY",
         "pending_payment", "b2b", company, buyer, seller.merchant_id),
    ]  # fmt: skip
    assert [r["placed_at"] for r in rows] == [since, since, since + timedelta(minutes=2)]
    assert [r["paid_at"] for r in rows] == [since + timedelta(minutes=1)] * 2 + [None]
    assert [r["line_position"] for r in rows] == [0, 1, 0]  # as the lines were given
    assert [r["commission_minor"] for r in rows[:2]] == [x.commission.minor for x in paid.lines]
    assert {r["shop_id"] for r in rows} == {seller.shop_id}

    manifest = json.loads((out / "orders" / "_manifest.json").read_text())
    assert manifest["dataset"] == "orders"
    assert manifest["schema_version"] == 1
    assert manifest["rows"] == 3
    assert manifest["files"] == [{"path": "part-0.parquet", "rows": 3}]
    assert manifest["time_range"] == {
        "column": "placed_at", "since": since.isoformat(),
        "until": market.clock.now().isoformat(),
    }  # fmt: skip
    assert manifest["created_at"] == market.clock.now().isoformat()
    assert [c["name"] for c in manifest["columns"]] == orders.SCHEMA.names


def test_until_is_exclusive_and_an_empty_window_writes_an_empty_file(
    market: Market, out: Path
) -> None:
    seller = market.seller({"pen": "10.00"})
    placed_at = market.clock.now()
    market.checkout(market.buyer(), [(seller.skus["pen"], 1)])
    market.later(hours=1)

    _export(market, out, since=placed_at - timedelta(days=1), until=placed_at)

    table = pq.read_table(out / "orders" / "part-0.parquet")
    assert table.num_rows == 0
    assert table.schema.equals(orders.SCHEMA, check_metadata=True)
    assert pq.read_schema(out / "orders" / "_common_metadata").equals(orders.SCHEMA)
    manifest = json.loads((out / "orders" / "_manifest.json").read_text())
    assert (manifest["rows"], manifest["files"]) == (0, [{"path": "part-0.parquet", "rows": 0}])


def test_a_bad_window_is_refused_before_anything_is_written(market: Market, out: Path) -> None:
    now = market.clock.now()
    with pytest.raises(InvalidExportRangeError):
        _export(market, out, since=now, until=now - timedelta(seconds=1))
    assert not out.exists()


def test_an_interrupted_export_leaves_the_previous_one_whole(market: Market, out: Path) -> None:
    seller = market.seller({"pen": "10.00"})
    since = market.clock.now()
    market.checkout(market.buyer(), [(seller.skus["pen"], 1)])
    market.later(minutes=1)
    _export(market, out, since)
    before = (out / "orders" / "part-0.parquet").read_bytes()
    market.checkout(market.buyer(), [(seller.skus["pen"], 1)])
    market.later(minutes=1)

    def interrupt(_rows: int) -> None:
        raise KeyboardInterrupt

    request = ExportRequest.of(Dataset.ORDERS, since=since, until=None, now=market.clock.now())
    with pytest.raises(KeyboardInterrupt):
        export_dataset(request, engine=market.engine, out_dir=out, progress=interrupt)

    assert [p.name for p in out.iterdir()] == ["orders"]  # no staged directory left
    assert (out / "orders" / "part-0.parquet").read_bytes() == before
    assert pq.read_table(out / "orders" / "part-0.parquet").num_rows == 1
    _export(market, out, since)  # and a complete export replaces it
    assert pq.read_table(out / "orders" / "part-0.parquet").num_rows == 2
