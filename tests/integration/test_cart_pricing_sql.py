"""The SKU snapshot reader and the priced cart view on both databases: what a snapshot
holds (titles by locale, live availability, the primary currency first, sellability), that
any number of SKUs costs two statements, and a view priced through FX with figures
computed by hand."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, event

from marketplace.cart import services as svc
from marketplace.cart.domain import CartOwner
from marketplace.cart.queries import view_cart
from marketplace.db.uow import SqlUnitOfWork
from marketplace.fx.services import RateQuote, SetRates, set_rates
from marketplace.inventory import services as inventory
from marketplace.inventory.domain import Operator
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from tests.integration.cart_seed import Seller, insert_user, open_seller
from tests.integration.catalog_seed import set_merchant_status

ON = date(2026, 1, 10)


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def seller(any_engine: Engine, clock: FixedClock) -> Seller:
    return open_seller(any_engine, clock, name="Hangzhou Silk")


def test_a_snapshot_has_titles_stock_and_the_primary_currency_first(seller: Seller) -> None:
    engine = seller.engine
    sku = seller.sku("100.00", titles={"zh": "真丝连衣裙", "en": "Silk dress"}, stock=5)
    other = seller.warehouse("SH-01")
    seller.receive(sku, 3, other)
    op = Operator.merchant(seller.merchant_id, "user:seed")
    inventory.update_warehouse(
        inventory.UpdateWarehouse(op, other, {"is_active": False}), uow=seller.uow()
    )
    inventory.reserve_stock(inventory.ReserveStock(op, sku, 2, "order-1"), uow=seller.uow())
    usd_first = seller.variant(sku, "20.00", size="S")  # CNY is the product's currency
    seller.prices(usd_first, "3.00", currency="USD")
    seller.prices(usd_first, "19.00", currency="CNY")
    no_cny = seller.variant(sku, None, size="XL")
    seller.prices(no_cny, "5.00", currency="USD")
    seller.prices(no_cny, "4.50", currency="EUR")
    with SqlUnitOfWork(engine) as uow, counted(engine) as statements:
        found = uow.sku_snapshots.snapshots([sku, usd_first, no_cny, "sku_none"], locale="en-GB")
    assert len(statements) == 2
    assert set(found) == {sku, usd_first, no_cny}
    snap = found[sku]
    assert (snap.title, snap.merchant_id, snap.shop_id, snap.category_id) == (
        "Silk dress", seller.merchant_id, seller.shop_id, seller.category_id,
    )  # fmt: skip
    assert snap.shop_name == f"Shop of {seller.merchant_id[-6:]}"
    assert (snap.merchant_name, snap.sales_attributes, snap.is_sellable) == (
        "Hangzhou Silk", {"size": "M"}, True,
    )  # fmt: skip
    assert snap.available == 3  # 5 on hand - 2 reserved; the inactive warehouse's 3 left out
    assert snap.prices["CNY"].list_price == Money.of("100.00", "CNY")
    assert list(found[usd_first].prices) == ["CNY", "USD"]  # the product's currency first
    assert list(found[no_cny].prices) == ["USD", "EUR"]  # else the first stored
    assert found[no_cny].available == 0
    with SqlUnitOfWork(engine) as uow:
        zh = uow.sku_snapshots.snapshots([sku], locale=None)[sku]
        assert uow.sku_snapshots.snapshots([], locale=None) == {}
    assert zh.title == "真丝连衣裙"  # the product's default locale


def test_sellability_follows_sku_product_and_merchant(seller: Seller) -> None:
    sku = seller.sku()
    uow = SqlUnitOfWork(seller.engine)
    with uow:
        assert uow.sku_snapshots.snapshots([sku], locale=None)[sku].is_sellable
    set_merchant_status(seller.engine, seller.merchant_id, "suspended")
    with uow:
        assert not uow.sku_snapshots.snapshots([sku], locale=None)[sku].is_sellable


def test_a_gold_buyers_cart_in_jpy_priced_through_fx(seller: Seller, clock: FixedClock) -> None:
    engine = seller.engine
    dress = seller.sku("100.00", stock=3)
    seller.prices(dress, "100.00", tiers=((10, "90.00"),), members=(("gold", "85.00"),))
    usd_only = seller.variant(dress, None, size="S")
    seller.prices(usd_only, "20.00", currency="USD")  # no stock
    scarf = seller.sku("10.00", stock=1)
    cmd = SetRates(date(2026, 1, 5), "PBOC", [RateQuote("CNY", "JPY", "20.5"),
                                              RateQuote("USD", "CNY", "7.2")])  # fmt: skip
    set_rates(cmd, uow=SqlUnitOfWork(engine, clock=clock))
    buyer = CartOwner.buyer(insert_user(engine, clock, member_level="gold"))
    for sku, quantity in ((dress, 2), (usd_only, 1), (scarf, 1)):
        svc.add_to_cart(svc.AddToCart(buyer, sku, quantity), uow=SqlUnitOfWork(engine, clock=clock))
    svc.set_cart_currency(svc.SetCartCurrency(buyer, "JPY"), uow=SqlUnitOfWork(engine))

    view = view_cart(buyer, uow=SqlUnitOfWork(engine), locale="en", member_level="gold", on=ON)
    lines = {line.sku_id: line for line in view.priced}
    first = lines[dress]  # 85.00 CNY (gold) x 20.5 = 1742.5 -> 1743 JPY, then x 2
    assert (first.unit_price, first.line_total, first.list_price, first.price_rule) == (
        Money.of(1743, "JPY"), Money.of(3486, "JPY"), Money.of(2050, "JPY"), "member",
    )  # fmt: skip
    assert (first.source_currency, first.fx_rate, first.fx_rate_date, first.problem) == (
        "CNY", Decimal("20.5"), date(2026, 1, 5), None,
    )  # fmt: skip
    second = lines[usd_only]  # through CNY: 7.2 x 20.5 = 147.6; 20.00 USD = 2952 JPY
    assert (second.unit_price, second.fx_rate, second.problem) == (
        Money.of(2952, "JPY"), Decimal("147.6"), "out_of_stock",
    )  # fmt: skip
    assert lines[scarf].line_total == Money.of(205, "JPY")
    assert view.totals.total == Money.of(3691, "JPY")  # the out-of-stock line is left out
    assert (view.totals.quantity, view.totals.problem_count, view.currency) == (4, 1, "JPY")
    assert [g.merchant_name for g in view.totals.groups] == ["Hangzhou Silk"]

    regular = view_cart(buyer, uow=SqlUnitOfWork(engine), locale=None, member_level=None, on=ON)
    assert {line.sku_id: line.price_rule for line in regular.priced}[dress] == "list"
    before_rates = view_cart(
        buyer, uow=SqlUnitOfWork(engine), locale=None, member_level=None, on=date(2026, 1, 4)
    )
    assert {line.problem for line in before_rates.priced} == {"no_price"}
    assert before_rates.totals.total == Money.zero("JPY")


def test_a_guest_view_and_an_empty_view(seller: Seller, clock: FixedClock) -> None:
    engine = seller.engine
    sku = seller.sku("100.00", stock=3)
    seller.prices(sku, "100.00", tiers=((10, "90.00"),))
    change = svc.add_to_cart(
        svc.AddToCart(CartOwner.guest(None), sku, 10), uow=SqlUnitOfWork(engine, clock=clock)
    )
    guest = CartOwner.guest(change.guest_token)
    view = view_cart(guest, uow=SqlUnitOfWork(engine), locale=None, member_level=None, on=ON)
    line = view.priced[0]
    assert (line.unit_price, line.line_total, line.price_rule, line.problem) == (
        Money.of("90.00", "CNY"), Money.of("900.00", "CNY"), "tier", "insufficient_stock",
    )  # fmt: skip
    assert view.cart is not None
    assert view.cart.id == change.cart_id
    nobody = CartOwner.buyer(insert_user(engine, clock))
    empty = view_cart(
        nobody, uow=SqlUnitOfWork(engine), locale=None, member_level=None, on=ON,
        default_currency="USD",
    )  # fmt: skip
    assert (empty.cart, empty.totals.groups, empty.totals.total) == (
        None, (), Money.zero("USD"),
    )  # fmt: skip
