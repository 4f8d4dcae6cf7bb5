"""The procurement seed (``tests.integration.procurement.seed``) plus three suppliers of
stainless M8 bolts with English and Chinese titles, serving Shanghai, so a buyer's
request in either language finds, compares and buys them; and a driver that collects a
turn's events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from marketplace.inventory import services as inventory
from marketplace.inventory.commands import CreateWarehouse, ReceiveStock
from marketplace.inventory.domain import Operator
from marketplace.procurement.adapters.tables import procurement_drafts
from marketplace.purchasing.adapters.tables import purchase_requests
from marketplace.shared.ids import new_id
from marketplace.sourcing import services as sourcing
from marketplace.sourcing.domain import ServedRegion
from serving.agent.chat import Event, ProcurementChat
from tests.integration.catalog_seed import Catalog, insert_merchant
from tests.integration.procurement.seed import B2B, cny, tiers

# (name, lead days, price tiers, description): of-1 balanced, of-2 cheapest but slow,
# of-3 fastest and dearest.
SUPPLIERS = (
    ("Ningbo Fastener Co.", 5, ((100, "0.60"), (400, "0.52")), "ISO 9001 certified."),
    ("Wenzhou Bolt Ltd", 12, ((100, "0.48"),), "Large stock."),
    ("Hebei Hardware Factory", 3, ((100, "0.70"),), "Ships in 3 days."),
)
TITLES = {"en": "Stainless steel M8 bolt", "zh": "不锈钢M8螺栓"}


@dataclass
class World:
    b2b: B2B
    bolts: list[str] = field(default_factory=list)  # offer ids, in SUPPLIERS order
    suppliers: list[str] = field(default_factory=list)


def add_bolt_suppliers(
    b2b: B2B, *, title: dict[str, str] | None = None, names: tuple[str, ...] | None = None,
    descriptions: tuple[str, ...] | None = None,
) -> World:  # fmt: skip
    world = World(b2b)
    engine, clock = b2b.app.engine, b2b.clock
    catalog = Catalog(engine, clock)
    category = catalog.category(f"Fasteners {new_id('x')[-6:]}", zh="紧固件")  # slug per call
    for i, (name, lead, price_tiers, text) in enumerate(SUPPLIERS):
        merchant, _ = insert_merchant(engine, clock, name=names[i] if names else name)
        op = Operator.merchant(merchant, actor="test")
        warehouse = inventory.create_warehouse(CreateWarehouse(
            op, code="W-SH", name="Shanghai", country="CN", region="Shanghai"),
            uow=b2b.app.uow()).id  # fmt: skip
        product = catalog.product(merchant, category, titles=title or TITLES,
                                  skus=(({}, "1.00"),))  # fmt: skip
        with engine.connect() as conn:
            from marketplace.catalog.adapters.tables import skus

            sku = conn.execute(select(skus.c.id).where(skus.c.product_id == product)).scalar_one()
        inventory.receive_stock(ReceiveStock(op, sku, warehouse, 100_000), uow=b2b.app.uow())
        description = descriptions[i] if descriptions else text
        region = ServedRegion("CN", "Shanghai", lead, cny("0"), cny("0"))
        sourcing.put_supplier_profile(sourcing.PutSupplierProfile(
            merchant, regions=(region,), description=description), uow=b2b.app.uow())  # fmt: skip
        cmd = sourcing.CreateOffer(merchant, sku, tiers(*price_tiers), lead_time_days=lead)
        offer = sourcing.create_offer(cmd, uow=b2b.app.uow())
        world.bolts.append(offer.id)
        world.suppliers.append(merchant)
    return world


def collect(events: Any) -> list[Event]:
    return list(events)


def named(events: list[Event], name: str) -> list[dict[str, Any]]:
    return [e.data for e in events if e.name == name]


def reply(events: list[Event]) -> str:
    [message] = named(events, "message")
    return str(message["text"])


def confirmation(events: list[Event]) -> dict[str, Any]:
    [request] = named(events, "confirmation_required")
    return request


def requests_of(b2b: B2B) -> list[tuple[str, str]]:
    pr = purchase_requests.c
    with b2b.app.engine.connect() as conn:
        rows = conn.execute(select(pr.id, pr.status).where(pr.company_id == b2b.company_id))
        return sorted((r.id, r.status) for r in rows)


def draft_count(b2b: B2B) -> int:
    with b2b.app.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(procurement_drafts)).scalar_one())


def chat_for(b2b: B2B) -> ProcurementChat:
    return ProcurementChat(b2b.app)
