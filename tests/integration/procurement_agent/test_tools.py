"""The real tools on the seeded market, called as LangChain tools: every result has the
contract's shape (``tool_specs``), refusals come back as ``{"error": {code, message}}``,
and each call and result is in the conversation's audit log."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.tools import StructuredTool
from pydantic import TypeAdapter

from marketplace.procurement import services
from procurement_agent.tool_specs import TOOL_SPECS, ToolErrorResult
from procurement_agent.tools import ToolContext, build_tools
from tests.integration.procurement_agent.world import World


def _tools(world: World) -> tuple[str, dict[str, StructuredTool]]:
    b2b = world.b2b
    conv = b2b.conversation()
    ctx = ToolContext(b2b.app, b2b.company_id, b2b.buyer_id, conv, "en")
    return conv, {t.name: t for t in build_tools(ctx)}


def _call(tools: dict[str, StructuredTool], name: str, **args: Any) -> dict[str, Any]:
    result = tools[name].invoke(args)
    assert isinstance(result, dict)
    json.dumps(result)  # plain JSON
    if "error" in result:
        TypeAdapter(ToolErrorResult).validate_python(result)
    else:
        TypeAdapter(TOOL_SPECS[name].result).validate_python(result)
    return result


def test_every_tool_answers_in_the_contract_shape(world: World) -> None:
    b2b = world.b2b
    conv, tools = _tools(world)
    found = _call(tools, "search_offers", product="bolt", specs=["stainless steel", "M8"],
                  quantity=500, sort="landed_price")  # fmt: skip
    assert [o["offer_id"] for o in found["offers"]] == [world.bolts[1], *world.bolts[0::2]]
    assert found["offers"][0]["landed_total"] == {"amount": "240.00", "currency": "CNY"}
    assert found["query"]["country"] == "CN"  # the company's location when none is said
    best = _call(tools, "search_offers", product="bolt", quantity=500, deadline="2026-01-08")
    # best value: 0.5 x cheapest / price + 0.3 x (shortest lead + 1) / (lead + 1); no ratings
    assert [(o["offer_id"]) for o in best["offers"]] == [
        world.bolts[0], world.bolts[2], b2b.offers["bolt"]]  # 0.7, 0.6714, 0.5167  # fmt: skip
    supplier = _call(tools, "supplier_details", supplier_id=world.suppliers[0])
    assert supplier["regions"] == [{"country": "CN", "region": "Shanghai", "lead_time_days": 5}]
    rows = _call(tools, "compare_offers", offer_ids=[*world.bolts, "ofr_nope"], quantity=200,
                 deadline="2026-01-08")["rows"]  # fmt: skip
    assert [(r["unit_price"]["amount"], r["meets_deadline"], r["moq_ok"]) for r in rows] == [
        ("0.60", True, True), ("0.48", False, True), ("0.70", True, True)]  # fmt: skip
    below = _call(tools, "compare_offers", offer_ids=[world.bolts[0]], quantity=50)["rows"]
    assert (below[0]["moq_ok"], below[0]["quantity"]) == (False, 100)
    assert _call(tools, "check_budget", amount="260", currency="CNY")["status"] == "within_budget"
    over = _call(tools, "check_budget", amount="2000000", currency="CNY")
    assert (over["status"], over["reasons"]) == ("blocked", ["budget_exceeded"])
    draft = _call(tools, "create_draft", offer_id=world.bolts[0], quantity=500)
    assert (draft["status"], draft["total"]["amount"]) == ("awaiting_confirmation", "260.00")
    edited = _call(tools, "update_draft", draft_id=draft["draft_id"], quantity=800)
    assert edited["draft_id"] != draft["draft_id"]
    assert edited["content_hash"]
    status = _call(tools, "order_status")
    assert (status["reference"], status["kind"]) == (edited["draft_id"], "draft")

    refused = _call(tools, "place_order", draft_id=edited["draft_id"])  # not confirmed
    assert refused["error"]["code"] == "draft_not_confirmed"
    assert _call(tools, "create_draft", offer_id=world.bolts[0], quantity=10)["error"][
        "code"] == "below_moq"  # fmt: skip
    _, elsewhere = _tools(world)  # a draft of another conversation is not found
    assert _call(elsewhere, "place_order", draft_id=draft["draft_id"])["error"]["code"] == (
        "draft_not_found")  # fmt: skip
    assert b2b.order_count() == 0

    kinds = [e.kind.value for e in services.audit_trail(conv, user_id=b2b.buyer_id,
                                                        uow=b2b.app.uow())]  # fmt: skip
    assert kinds.count("tool_call") == kinds.count("tool_result") == 12  # all but elsewhere


def _gbp_bolt_supplier(world: World) -> str:
    """A supplier pricing in GBP (as the demo's UK wholesaler does); its offer id."""
    from sqlalchemy import select

    from marketplace.catalog.adapters.tables import skus
    from marketplace.inventory import services as inventory
    from marketplace.inventory.commands import CreateWarehouse, ReceiveStock
    from marketplace.inventory.domain import Operator
    from marketplace.shared.money import Money
    from marketplace.sourcing import services as sourcing
    from marketplace.sourcing.domain import PriceTier, ServedRegion
    from tests.integration.catalog_seed import Catalog, insert_merchant

    engine, clock, uow = world.b2b.app.engine, world.b2b.clock, world.b2b.app.uow
    merchant, _ = insert_merchant(engine, clock, name="London Fixings", currency="GBP")
    op = Operator.merchant(merchant, actor="test")
    warehouse = inventory.create_warehouse(
        CreateWarehouse(op, code="W-LDN", name="London", country="GB", region="London"), uow=uow()
    ).id
    catalog = Catalog(engine, clock)
    category = catalog.category("Fixings GBP", zh="紧固件英镑")
    product = catalog.product(merchant, category, titles={"en": "Stainless steel M8 bolt",
                              "zh": "不锈钢M8螺栓"}, skus=(({}, "1.00"),))  # fmt: skip
    with engine.connect() as conn:
        sku = conn.execute(select(skus.c.id).where(skus.c.product_id == product)).scalar_one()
    inventory.receive_stock(ReceiveStock(op, sku, warehouse, 10_000), uow=uow())
    gbp = Money.of("0", "GBP")
    region = ServedRegion("CN", "", 12, gbp, gbp)
    sourcing.put_supplier_profile(sourcing.PutSupplierProfile(merchant, regions=(region,)),
                                  uow=uow())  # fmt: skip
    cmd = sourcing.CreateOffer(merchant, sku, (PriceTier(1, Money.of("0.09", "GBP")),),
                               lead_time_days=12)  # fmt: skip
    return sourcing.create_offer(cmd, uow=uow()).id


def test_offers_in_another_currency_are_found_unless_the_buyer_names_a_currency(
    world: World,
) -> None:
    offer = _gbp_bolt_supplier(world)
    _, tools = _tools(world)

    found = _call(tools, "search_offers", product="bolt", quantity=100, limit=20)
    named = _call(tools, "search_offers", product="bolt", quantity=100, currency="CNY", limit=20)

    assert offer in {o["offer_id"] for o in found["offers"]}
    assert found["query"]["currency"] is None
    assert offer not in {o["offer_id"] for o in named["offers"]}
    assert {o["offer_id"] for o in named["offers"]} == {o["offer_id"] for o in found["offers"]} - {
        offer
    }  # the CNY offers: the same either way


def test_an_offer_in_another_currency_is_listed_last_and_never_proposed(world: World) -> None:
    """The GBP bolt is the lowest number (0.09) but cannot be ordered by a CNY company: it
    ranks after the CNY offers, is flagged, and the agent proposes a CNY offer."""
    from serving.agent.chat import ProcurementChat
    from tests.integration.procurement_agent.world import collect, confirmation, named

    offer = _gbp_bolt_supplier(world)
    _, tools = _tools(world)
    found = _call(
        tools, "search_offers", product="bolt", quantity=500, sort="landed_price", limit=20
    )
    flags = [(o["offer_id"] == offer, o["orderable"]) for o in found["offers"]]
    assert flags[-1] == (True, False)
    assert all(orderable for mine, orderable in flags if not mine)

    b2b = world.b2b
    chat = ProcurementChat(b2b.app)
    try:
        conv = chat.start(b2b.company_id, b2b.buyer_id, "en").id
        events = collect(chat.say(conv, b2b.buyer_id, "find the cheapest supplier for 500 bolts"))
        assert named(events, "message")[0]["step"] == "comparison"
        request = confirmation(collect(chat.say(conv, b2b.buyer_id, "yes")))
        assert [ln["offer_id"] for ln in request["lines"]] != [offer]
        assert {ln["unit_price"]["currency"] for ln in request["lines"]} == {"CNY"}
    finally:
        chat.close()
