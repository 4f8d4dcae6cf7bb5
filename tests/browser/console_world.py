"""A merchant ready for its console: an owner who can sign in, listed products with stock in
a warehouse, a paid order to ship, a pending price suggestion and a demand forecast, made
through the API and the services (suggestions and forecasts through the advice services the
nightly producer calls)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from marketplace.advice import services as advice
from marketplace.advice.commands import (
    ForecastInput,
    RecordDemandForecasts,
    RecordPriceSuggestions,
    SuggestionInput,
)
from marketplace.bootstrap import Marketplace
from marketplace.inventory import services as inventory
from marketplace.inventory.commands import CreateWarehouse, ReceiveStock
from marketplace.inventory.domain import Operator
from marketplace.ordering.commands import LineRequest, PlaceCheckout
from marketplace.ordering.domain import Address
from marketplace.ordering.services import place_checkout
from marketplace.payments.domain import GatewayNotification, TransactionKind, TransactionPhase
from marketplace.payments.services import StartPayment, apply_notification, start_payment
from marketplace.shared.money import Money
from serving.api.app import create_app
from tests.e2e.catalog_api import API, Shop, ok
from tests.factories import (
    DEFAULT_PASSWORD,
    MerchantFixture,
    login,
    make_platform_admin,
    register_user,
    unique_email,
)

SHANGHAI = Address(name="Li Lei", phone="13800000000", country="CN", region="Shanghai",
                   city="Shanghai", line1="1 Century Ave")  # fmt: skip
EFFECTS: dict[str, Any] = {
    "units": {"expected": -4.5, "low": -9.0, "high": -1.0},
    "revenue": {"expected": "310.00", "low": "120.00", "high": "480.00"},
    "profit": {"expected": "150.00", "low": "40.00", "high": "260.00"},
    "interval_level": 0.9,
}


@dataclass
class ConsoleWorld:
    app: Marketplace
    owner_email: str
    merchant_id: str
    owner_id: str
    products: list[tuple[str, str]] = field(default_factory=list)  # (product_id, sku_id)
    warehouse_id: str = ""
    order_id: str = ""
    suggestion_id: str = ""
    buyer_id: str = ""
    buyer_email: str = ""
    category_id: str = ""
    password: str = DEFAULT_PASSWORD


def build(app: Marketplace, *, merchant_name: str = "Lotus Tea House") -> ConsoleWorld:
    with TestClient(create_app(app)) as client:
        admin = make_platform_admin(client, app)
        email = unique_email("owner")
        owner = register_user(client, email=email, display_name="Chen Mei")
        headers = login(client, email)
        mid = ok(client.post(f"{API}/merchants", json={"name": merchant_name,
                                                       "kind": "third_party"},
                             headers=headers), 201)["id"]  # fmt: skip
        ok(client.post(f"{API}/merchants/{mid}/submit", headers=headers))
        ok(client.post(f"{API}/admin/merchants/{mid}/approve", headers=admin))
        shop = ok(client.post(f"{API}/merchants/{mid}/shops", json={"name": merchant_name},
                              headers=headers), 201)  # fmt: skip
        category = ok(client.post(f"{API}/admin/categories",
                                  json={"names": {"zh": "茶叶", "en": "Tea"}},
                                  headers=admin), 201)  # fmt: skip
        merchant = MerchantFixture(mid, owner["id"], headers, shop["id"])
        store = Shop(client, app, admin, merchant, category["id"])
        world = ConsoleWorld(app, email, mid, owner["id"], category_id=category["id"])
        for zh, en, price in (("西湖龙井", "West Lake Longjing", "100.00"),
                              ("铁观音", "Tieguanyin oolong", "68.00"),
                              ("普洱茶饼", "Pu'er tea cake", "158.00")):  # fmt: skip
            world.products.append(
                store.listed_product(price, translations={"zh": {"title": zh}, "en": {"title": en}})
            )
    _stock(world)
    _order(world)
    _advice(world)
    return world


def _stock(world: ConsoleWorld) -> None:
    operator = Operator.merchant(world.merchant_id, world.owner_id)
    world.warehouse_id = inventory.create_warehouse(
        CreateWarehouse(operator, code="SH-1", name="Shanghai", country="CN", region="Shanghai"),
        uow=world.app.uow(),
    ).id  # fmt: skip
    for _, sku in world.products:
        inventory.receive_stock(ReceiveStock(operator, sku, world.warehouse_id, 40),
                                uow=world.app.uow())  # fmt: skip


def _order(world: ConsoleWorld) -> None:
    with TestClient(create_app(world.app)) as client:
        world.buyer_email = unique_email("buyer")
        world.buyer_id = register_user(client, email=world.buyer_email)["id"]
    world.order_id = paid_order(world, ((0, 2), (1, 1)))


def paid_order(world: ConsoleWorld, lines: tuple[tuple[int, int], ...]) -> str:
    """The world's buyer's paid order of (product index, quantity) lines (through checkout
    and the sandbox gateway)."""
    app = world.app
    wanted = tuple(LineRequest(world.products[i][1], quantity) for i, quantity in lines)
    group = place_checkout(PlaceCheckout(buyer_id=world.buyer_id, address=SHANGHAI, lines=wanted),
                           uow=app.uow(), charges=app.charges)  # fmt: skip
    payment, _ = start_payment(StartPayment(buyer_id=world.buyer_id, method="sandbox",
                                            group_id=group.id),
                               uow=app.uow(), gateways=app.gateways,
                               notify_url=app.notify_url)  # fmt: skip
    apply_notification(GatewayNotification(
        gateway="sandbox", payment_id=payment.id, gateway_reference=f"SBX-{payment.id}",
        kind=TransactionKind.CAPTURE, phase=TransactionPhase.SUCCESS, amount=payment.amount,
    ), uow=app.uow())  # fmt: skip
    return group.orders[0].id


def suggest(world: ConsoleWorld, index: int, current: str, suggested: str) -> str:
    """A pending suggestion for the SKU of product ``index``, recorded as the producer does."""
    item = SuggestionInput(
        sku_id=world.products[index][1], currency="CNY",
        current_price=Money.of(current, "CNY"), suggested_price=Money.of(suggested, "CNY"),
        objective="profit", expected_effects=EFFECTS, elasticity=-1.6,
        elasticity_ci=(-2.1, -1.1), binding_guardrails=("max_step",),
    )  # fmt: skip
    cmd = RecordPriceSuggestions(world.merchant_id, "elasticity_policy", "test", (item,))
    return advice.record_price_suggestions(cmd, uow=world.app.uow())[0].id


def _advice(world: ConsoleWorld) -> None:
    world.suggestion_id = suggest(world, 0, "100.00", "110.00")
    now = world.app.clock.now()
    mean = [2.0 + (i % 7) * 0.3 for i in range(28)]
    forecast = ForecastInput(
        sku_id=world.products[0][1], start_date=now.date(), mean=mean,
        quantiles={"0.05": [max(m - 1.5, 0.0) for m in mean], "0.95": [m + 2.0 for m in mean]},
    )  # fmt: skip
    advice.record_demand_forecasts(
        RecordDemandForecasts("tsb", "test", now - timedelta(hours=1), (forecast,)),
        uow=world.app.uow(),
    )  # fmt: skip
