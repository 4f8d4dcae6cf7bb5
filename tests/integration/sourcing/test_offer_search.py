"""The B2B offer search on PostgreSQL and SQLite: filters, sorts, MOQ/region/lead-time
exclusions, one company's contract prices, category descendants (hand-computed prices)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, update

from marketplace.parties.adapters.tables import merchants
from marketplace.shared.clock import FixedClock
from marketplace.sourcing import services
from marketplace.sourcing.domain import InvalidOfferQueryError, SupplierMetrics
from tests.integration.sourcing.world import World, cny, region, tiers


@dataclass
class Seeded:
    world: World
    s1: str
    s2: str
    hammer: str  # S1, Tools > Hand tools > Hammers, steel, MOQ 10
    mallet: str  # S2, Tools > Hand tools, wood, MOQ 50
    towel: str  # S1, Textiles, MOQ 1
    mallet_sku: str


@pytest.fixture
def seeded(any_engine: Engine, clock: FixedClock) -> Seeded:
    w = World(any_engine, clock)
    c = w.catalog
    tools = w.categories["tools"] = c.category("Tools")
    hand = w.categories["hand"] = c.category("Hand tools", tools)
    w.categories["hammers"] = c.category("Hammers", hand)
    w.categories["textiles"] = c.category("Textiles")
    s1 = w.supplier(
        (region("CN", "Shanghai", 2, "0.10", "20.00"), region("CN", "", 6, "0.50", "50.00"))
    )
    s2 = w.supplier((region("CN", "", 4, "0.00", "10.00"),), kind="supplier")
    hammer, _ = w.offer(s1, "hammers", {"en": "Steel claw hammer", "zh": "钢制羊角锤"},
                        tiers((10, "5.00"), (100, "4.50"), (1000, "4.00")),
                        attrs={"material": "steel"})  # fmt: skip
    wood = {"material": "wood"}
    mallet, mallet_sku = w.offer(
        s2, "hand", {"en": "Wooden mallet"}, tiers((50, "4.00"), (500, "3.00")), attrs=wood
    )
    towel, _ = w.offer(s1, "textiles", {"en": "Cotton towel"}, tiers((1, "20.00")))
    w.offer(s1, "textiles", {"en": "Silk towel"}, tiers((1, "1.00")), active=False)
    gone = w.supplier((region("CN", "", 1, "0", "0"),))
    w.offer(gone, "hammers", {"en": "Cheap hammer"}, tiers((1, "0.50")))
    with any_engine.begin() as conn:  # suspended after listing: its offers disappear
        conn.execute(update(merchants).where(merchants.c.id == gone).values(status="suspended"))
    return Seeded(w, s1, s2, hammer, mallet, towel, mallet_sku)


def test_without_filters_offers_sort_by_the_price_at_their_moq(seeded: Seeded) -> None:
    page = seeded.world.search()
    assert [h.offer_id for h in page.items] == [seeded.mallet, seeded.hammer, seeded.towel]
    mallet = page.items[0]
    assert (mallet.quantity, mallet.unit_price, mallet.price_rule) == (50, cny("4.00"), "tier:50")
    assert mallet.shipping_per_unit is None  # no delivery region, no shipping
    assert mallet.lead_time_days == 4  # the supplier's fastest region
    assert [t.min_quantity for t in mallet.tiers] == [50, 500]
    assert page.next_offset is None


def test_a_category_covers_its_descendants(seeded: Seeded) -> None:
    w = seeded.world
    assert w.ids(category_id=w.categories["tools"]) == [seeded.mallet, seeded.hammer]
    assert w.ids(category_id=w.categories["hammers"]) == [seeded.hammer]
    assert w.ids(category_id=w.categories["textiles"]) == [seeded.towel]


def test_a_quantity_excludes_higher_moqs_and_picks_the_tier(seeded: Seeded) -> None:
    page = seeded.world.search(quantity=30)
    assert [h.offer_id for h in page.items] == [seeded.hammer, seeded.towel]
    assert (page.items[0].unit_price, page.items[0].price_rule) == (cny("5.00"), "tier:10")
    assert seeded.world.ids(max_moq=20) == [seeded.hammer, seeded.towel]


def test_landed_price_adds_the_delivery_regions_shipping(seeded: Seeded) -> None:
    page = seeded.world.search(quantity=500, country="CN", region="shanghai")
    by_id = {h.offer_id: h for h in page.items}
    assert [h.offer_id for h in page.items] == [seeded.mallet, seeded.hammer, seeded.towel]
    # S2 through its whole-country entry: 3.00 + 0.00 + 10.00 / 500 = 3.02
    assert by_id[seeded.mallet].landed_unit_price == cny("3.02")
    assert by_id[seeded.mallet].landed_total == cny("1510.00")
    # S1 through its Shanghai entry: 4.50 + 0.10 + 20.00 / 500 = 4.64
    hammer = by_id[seeded.hammer]
    assert (hammer.unit_price, hammer.landed_unit_price) == (cny("4.50"), cny("4.64"))
    assert (hammer.shipping_per_unit, hammer.lead_time_days) == (cny("0.14"), 2)
    # Zhejiang is S1's whole-country entry: 4.50 + 0.50 + 50.00 / 500 = 5.10, 6 days
    zhejiang = seeded.world.search(quantity=500, country="CN", region="Zhejiang")
    hammer = next(h for h in zhejiang.items if h.offer_id == seeded.hammer)
    assert (hammer.landed_unit_price, hammer.lead_time_days) == (cny("5.10"), 6)


def test_region_and_lead_time_exclude_suppliers(seeded: Seeded) -> None:
    w = seeded.world
    assert w.ids(country="US") == []
    assert w.ids(country="CN", region="Zhejiang", max_lead_time_days=5) == [seeded.mallet]
    assert w.ids(country="CN", region="Shanghai", max_lead_time_days=2) == [
        seeded.hammer, seeded.towel,
    ]  # fmt: skip


def test_sort_by_lead_time_then_landed_price(seeded: Seeded) -> None:
    w = seeded.world
    ids = w.ids(country="CN", region="Shanghai", sort="lead_time", quantity=100)
    # S1 ships in 2 days (hammer 4.80, towel 20.30), S2 in 4 (mallet 4.10)
    assert ids == [seeded.hammer, seeded.towel, seeded.mallet]
    assert w.ids(country="CN", region="Shanghai", quantity=100) == [
        seeded.mallet, seeded.hammer, seeded.towel,
    ]  # fmt: skip


def test_sort_by_rating_puts_unrated_suppliers_last(seeded: Seeded) -> None:
    w = seeded.world
    with w.uow() as uow:
        metrics = SupplierMetrics(12, Decimal("0.9"), Decimal("4.50"), w.clock.now())
        uow.suppliers.set_metrics(seeded.s2, metrics)
        uow.commit()
    page = w.search(sort="rating")
    assert [h.offer_id for h in page.items] == [seeded.mallet, seeded.hammer, seeded.towel]
    assert (page.items[0].rating, page.items[0].fulfilled_orders) == (Decimal("4.5"), 12)
    assert page.items[1].rating is None


def test_attributes_text_verified_and_supplier_filters(seeded: Seeded) -> None:
    w = seeded.world
    assert w.ids(attributes={"material": "steel"}) == [seeded.hammer]
    assert w.ids(attributes={"material": "iron"}) == []
    assert w.ids(text="hammer") == [seeded.hammer]
    assert w.ids(text="羊角锤") == [seeded.hammer]
    assert w.ids(text="CLAW steel") == [seeded.hammer]
    assert w.ids(text="hammer towel") == []
    assert w.ids(supplier_ids=[seeded.s2]) == [seeded.mallet]
    assert w.ids(verified_only=True) == []
    services.verify_supplier(seeded.s1, admin_id=None, uow=w.uow())
    assert w.ids(verified_only=True) == [seeded.hammer, seeded.towel]
    assert w.search(verified_only=True).items[0].is_verified is True


def test_a_contract_price_applies_to_its_company_only(seeded: Seeded) -> None:
    w = seeded.world
    cmd = services.CreateContractPrice(
        seeded.s2, "cmp_acme", seeded.mallet_sku, cny("2.50"), date(2025, 12, 1),
        date(2026, 1, 31),
    )  # fmt: skip
    contract = services.create_contract_price(cmd, uow=w.uow())
    acme = w.search("cmp_acme", quantity=100, max_unit_price=cny("2.60"))
    assert [h.offer_id for h in acme.items] == [seeded.mallet]
    hit = acme.items[0]
    assert (hit.unit_price, hit.price_rule) == (cny("2.50"), f"contract:{contract.id}")
    assert w.ids("cmp_other", quantity=100, max_unit_price=cny("2.60")) == []
    other = w.search("cmp_other", quantity=100).items
    assert next(h for h in other if h.offer_id == seeded.mallet).unit_price == cny("4.00")
    after = w.search("cmp_acme", on=date(2026, 2, 1), quantity=100).items
    assert next(h for h in after if h.offer_id == seeded.mallet).price_rule == "tier:50"
    with w.uow() as uow:
        agreed = services.agreed_unit_prices(
            uow, company_id="cmp_acme", lines=[(seeded.mallet_sku, 60)], on=date(2026, 1, 1)
        )
    assert agreed[seeded.mallet_sku].rule == f"contract:{contract.id}"


def test_pages_and_bad_queries(seeded: Seeded) -> None:
    w = seeded.world
    first = w.search(limit=2)
    assert (len(first.items), first.next_offset) == (2, 2)
    assert w.ids(limit=2, offset=2) == [seeded.towel]
    for bad in ({"sort": "cheapest"}, {"limit": 0}, {"quantity": 0}, {"region": "Shanghai"},
                {"offset": 5000}, {"attributes": {'a"b': "x"}}):  # fmt: skip
        with pytest.raises(InvalidOfferQueryError) as caught:
            w.search(**bad)
        assert caught.value.code == "invalid_offer_query"
