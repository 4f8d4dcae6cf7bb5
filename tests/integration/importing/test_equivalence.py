"""The bulk writer writes exactly the rows the services write for the same facts.

One marketplace is built through the real services (a merchant applied for, submitted
and approved, a category tree, a listed product, a buyer, a checkout placed and paid by a
captured sandbox payment); the same facts go through ``BulkWriter`` into a second
database. Every table the writer touches must then hold the same rows, once the ids the
two paths make independently (orders, lines, payment, journal entry), timestamps,
autoincrement keys and password hashes are normalised.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, select

from marketplace.bootstrap import bootstrap
from marketplace.config import Settings
from marketplace.db.engine import make_engine
from marketplace.db.schema import load_all_tables, metadata
from marketplace.importing.bulk import TABLE_ORDER, BulkWriter
from marketplace.importing.records import (
    BuyerRecord,
    CategoryRecord,
    HistoricalOrderRecord,
    MerchantRecord,
    OrderLineRecord,
    PriceRecord,
    ProductRecord,
    SkuRecord,
)
from marketplace.inventory import services as inventory
from marketplace.inventory.commands import CreateWarehouse, ReceiveStock
from marketplace.inventory.domain import Operator
from marketplace.parties import services as parties
from marketplace.parties.domain import MerchantAction, MerchantKind
from marketplace.payments.domain import GatewayNotification, TransactionKind, TransactionPhase
from marketplace.payments.services import StartPayment, apply_notification, start_payment
from marketplace.shared.adapters.cache import InMemoryCache
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from tests.integration.catalog_seed import Catalog
from tests.integration.ordering.seed import SHANGHAI, Market

PASSWORD = "Passw0rd-123"
_DERIVED = ("orders", "order_lines", "payments", "ledger_entries")


def _through_services(market: Market) -> dict[str, Any]:
    """The facts, made by the services; returns what the records need to say the same."""
    app, clock = market.app, market.clock
    owner = parties.register_user(
        parties.RegisterUser(email="owner@example.com", password=PASSWORD),
        uow=app.uow(), passwords=app.passwords,
    )  # fmt: skip
    merchant = parties.apply_for_merchant(
        parties.ApplyForMerchant(name="Loja Azul", kind=MerchantKind.THIRD_PARTY,
                                 region="SP", city="Campinas"),
        uow=app.uow(), applicant_user_id=owner.id,
    )  # fmt: skip
    shop = parties.create_shop(merchant.id, parties.CreateShop(name="Loja Azul shop"),
                               uow=app.uow())  # fmt: skip
    parties.change_merchant_status(merchant.id, MerchantAction.SUBMIT, uow=app.uow(),
                                   actor_user_id=owner.id)  # fmt: skip
    parties.change_merchant_status(merchant.id, MerchantAction.APPROVE, uow=app.uow(),
                                   actor_user_id=None, reason="imported from test")  # fmt: skip
    catalog = Catalog(market.engine, clock)
    root = catalog.category("Home", zh="家居")
    leaf = catalog.category("Kitchen", root, zh="厨房")
    product = catalog.product(merchant.id, leaf, titles={"zh": "厨房 锅", "en": "Kitchen pan"},
                              attributes={"origin": "BR"}, skus=(({}, "30.00"),))  # fmt: skip
    buyer = parties.register_user(
        parties.RegisterUser(email="b@example.com", password=PASSWORD, display_name="Bia"),
        uow=app.uow(), passwords=app.passwords,
    )  # fmt: skip
    with market.engine.connect() as conn:
        sku = conn.execute(select(metadata.tables["skus"])).one()
    _stock(market, merchant.id, sku.id)
    group = market.checkout(buyer.id, [(sku.id, 2)])
    payment, _ = start_payment(StartPayment(buyer_id=buyer.id, method="sandbox",
                               group_id=group.id), uow=app.uow(), gateways=app.gateways,
                               notify_url=app.notify_url)  # fmt: skip
    notice = GatewayNotification(gateway="sandbox", payment_id=payment.id, gateway_reference="T1",
                                 kind=TransactionKind.CAPTURE, phase=TransactionPhase.SUCCESS,
                                 amount=payment.amount)  # fmt: skip
    assert apply_notification(notice, uow=app.uow()).outcome == "applied"
    return {"owner": owner.id, "merchant": merchant.id, "shop": shop.id, "root": root,
            "leaf": leaf, "product": product, "sku": sku, "buyer": buyer.id, "group": group,
            "at": clock.now()}  # fmt: skip


def _stock(market: Market, merchant_id: str, sku_id: str) -> None:
    """Stock to sell from: the one part of the services' path the import leaves out."""
    operator = Operator.merchant(merchant_id, actor="test")
    cmd = CreateWarehouse(operator, code="W", name="W", country="CN", region="Shanghai")
    warehouse = inventory.create_warehouse(cmd, uow=market.app.uow())
    inventory.receive_stock(ReceiveStock(operator, sku_id, warehouse.id, 10), uow=market.app.uow())


def _through_records(engine: Engine, f: dict[str, Any]) -> BulkWriter:
    at, sku = f["at"], f["sku"]
    writer = BulkWriter(engine, batch_size=2)
    writer.buyers([BuyerRecord(f["buyer"], "b@example.com", "Bia", at)])
    writer.merchants([MerchantRecord(
        id=f["merchant"], shop_id=f["shop"], owner_user_id=f["owner"],
        owner_email="owner@example.com", name="Loja Azul", kind="third_party", created_at=at,
        source="test", city="Campinas", region="SP",
    )])  # fmt: skip
    writer.categories([
        CategoryRecord(f["root"], "home", {"en": "Home", "zh": "家居"}, at),
        CategoryRecord(f["leaf"], "kitchen", {"en": "Kitchen", "zh": "厨房"}, at, f["root"]),
    ])  # fmt: skip
    writer.products([ProductRecord(
        id=f["product"], merchant_id=f["merchant"], shop_id=f["shop"], category_id=f["leaf"],
        titles={"zh": "厨房 锅", "en": "Kitchen pan"}, attributes={"origin": "BR"},
        skus=(SkuRecord(sku.id, sku.sku_code, (PriceRecord("CNY", Decimal("30.00")),)),),
        created_at=at,
    )])  # fmt: skip
    group = f["group"]
    writer.orders([HistoricalOrderRecord(
        id=group.id, buyer_id=f["buyer"], placed_at=at, currency="CNY", status="paid",
        lines=(OrderLineRecord(sku.id, 2, Decimal("30.00")),),
        shipping={f["merchant"]: Decimal("8.00")}, address=asdict(SHANGHAI),
        payment_method="sandbox", gateway_reference="T1",
    )])  # fmt: skip
    assert group.total == Money.of("68.00", "CNY")
    return writer


_ID = re.compile(r"\b([a-z]+)_[0-9A-HJKMNP-TV-Z]{26}\b")


def _rows(engine: Engine, name: str, rename: dict[str, str]) -> list[str]:
    table = metadata.tables[name]
    autoincrement = {c.name for c in table.primary_key if c.autoincrement is True}

    def norm(value: Any) -> Any:
        if hasattr(value, "isoformat"):
            return "<time>"
        # JSONB keeps its own key order: compare JSON values with sorted keys.
        text = json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else repr(value)
        return _ID.sub(lambda m: rename.get(m.group(0), m.group(0)), text)

    with engine.connect() as conn:
        rows = conn.execute(select(table)).mappings().all()
    out = []
    for row in rows:
        values = {k: norm(v) for k, v in row.items() if k not in autoincrement}
        if name == "users":
            values["password_hash"] = "<hash>"
        out.append(repr(sorted(values.items())))
    return sorted(out)


def _derived_ids(engine: Engine) -> list[str]:
    """Ids each path makes on its own, in a fixed order (one of each here)."""
    with engine.connect() as conn:
        return [conn.execute(select(metadata.tables[n].c.id)).scalar_one() for n in _DERIVED]


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_bulk_rows_equal_service_rows(
    dialect: str, request: pytest.FixtureRequest, tmp_path: Any, clock: FixedClock
) -> None:
    services_engine = request.getfixturevalue("pg_engine" if dialect == "postgres"
                                              else "sqlite_engine")  # fmt: skip
    settings = Settings(database_url=str(services_engine.url), env="test", log_json=False)
    app = bootstrap(settings, engine=services_engine, cache=InMemoryCache(), clock=clock)
    facts = _through_services(Market(app, clock))
    if dialect == "postgres":
        bulk_engine = request.getfixturevalue("second_pg_engine")
    else:
        bulk_engine = make_engine(f"sqlite:///{tmp_path}/bulk.db")
        load_all_tables()
        metadata.create_all(bulk_engine)
    writer = _through_records(bulk_engine, facts)

    rename = dict(zip(_derived_ids(bulk_engine), _derived_ids(services_engine), strict=True))
    for name in TABLE_ORDER:
        bulk, served = _rows(bulk_engine, name, rename), _rows(services_engine, name, {})
        assert bulk == served, (name, set(bulk) ^ set(served))
    assert writer.new["orders"] == 1
    assert writer.new["ledger_postings"] == 2
