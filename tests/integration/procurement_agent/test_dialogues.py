"""The agent end to end on the seeded B2B market, on SQLite and PostgreSQL: the real
tools, the deterministic model, the human-in-the-loop gate and the checkpointer. Nothing
is bought before the buyer's confirmation of the frozen draft they were shown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.procurement import services
from marketplace.procurement.domain import (
    ConfirmationMismatchError,
    DraftStatus,
    NotYourConversationError,
)
from marketplace.purchasing.domain import RuleKind
from marketplace.purchasing.services import RuleSpec, add_rule
from serving.agent.chat import ConfirmationNotPendingError, ProcurementChat
from tests.integration.procurement.seed import cny
from tests.integration.procurement_agent.world import (
    World,
    collect,
    confirmation,
    named,
    reply,
    requests_of,
)

EN = "I need 500 stainless M8 bolts delivered to Shanghai within 10 days"
ZH = "帮我找500个不锈钢M8螺栓，10天内送到上海"


def _to_confirmation(world: World, chat: ProcurementChat, text: str = EN, yes: str = "yes",
                     locale: str = "en") -> tuple[str, dict]:  # type: ignore[type-arg]  # fmt: skip
    b2b = world.b2b
    conv = chat.start(b2b.company_id, b2b.buyer_id, locale).id
    events = collect(chat.say(conv, b2b.buyer_id, text))
    assert [s["tool"] for s in named(events, "step")] == ["search_offers", "compare_offers"]
    assert named(events, "message")[0]["step"] == "comparison"
    events = collect(chat.say(conv, b2b.buyer_id, yes))
    assert requests_of(b2b) == []
    return conv, confirmation(events)


def _trail(world: World, conv: str) -> list[str]:
    b2b = world.b2b
    entries = services.audit_trail(conv, user_id=b2b.buyer_id, uow=b2b.app.uow())
    return [e.kind.value + (f":{e.payload.get('decision')}" if e.kind.value == "decision" else "")
            for e in entries]  # fmt: skip


def test_an_english_dialogue_ends_in_an_order(world: World, chat: ProcurementChat) -> None:
    b2b = world.b2b
    conv, request = _to_confirmation(world, chat)
    assert request["tool"] == "place_order"
    assert request["draft_id"]
    assert len(request["content_hash"]) == 64
    assert [(ln["offer_id"], ln["quantity"], ln["unit_price"]["amount"], ln["line_total"]["amount"])
            for ln in request["lines"]] == [(world.bolts[0], 500, "0.52", "260.00")]  # fmt: skip
    assert request["suppliers"] == [{"supplier_id": world.suppliers[0],
                                     "name": "Ningbo Fastener Co."}]  # fmt: skip
    assert request["budget"]["status"] == "within_budget"
    assert request["deadline"] == (b2b.today + timedelta(days=10)).isoformat()

    events = collect(chat.confirm(conv, b2b.buyer_id, request["draft_id"], request["content_hash"]))

    [outcome] = named(events, "outcome")
    assert outcome["status"] == "ordered"
    assert len(outcome["order_ids"]) == 1
    assert requests_of(b2b) == [(outcome["purchase_request_id"], "ordered")]
    assert reply(events).startswith("Order placed: purchase request")
    assert [e.name for e in events][-1] == "done"
    trail = _trail(world, conv)
    assert trail.count("tool_call") == trail.count("tool_result") == 5  # 2 + 2 + place_order
    assert trail[0] == "turn_user"
    assert trail[-1] == "turn_agent"
    assert {"tool_call", "tool_result", "interrupt", "draft", "decision:confirm",
            "decision:place"} <= set(trail)  # fmt: skip
    assert trail.index("interrupt") < trail.index("decision:confirm")


def test_a_chinese_dialogue_ends_in_an_order(world: World, chat: ProcurementChat) -> None:
    b2b = world.b2b
    conv, request = _to_confirmation(world, chat, ZH, "好的", "zh")
    assert request["lines"][0]["quantity"] == 500
    events = collect(chat.confirm(conv, b2b.buyer_id, request["draft_id"], request["content_hash"]))
    assert named(events, "outcome")[0]["status"] == "ordered"
    assert reply(events).startswith("已下单")
    assert len(requests_of(b2b)) == 1


def test_over_the_approval_threshold_it_is_an_approval_request_not_an_order(
    world: World, chat: ProcurementChat
) -> None:
    b2b = world.b2b
    rule = RuleSpec("Over 100", RuleKind.AMOUNT_OVER, ((b2b.approver_id,),), cny("100"))
    add_rule(b2b.company_id, rule, actor_id=b2b.admin_id, uow=b2b.app.uow())
    conv, request = _to_confirmation(world, chat)
    assert request["tool"] == "submit_for_approval"
    assert request["budget"]["status"] == "needs_approval"
    assert request["budget"]["reasons"] == ["Over 100"]

    events = collect(chat.confirm(conv, b2b.buyer_id, request["draft_id"], request["content_hash"]))

    [outcome] = named(events, "outcome")
    assert outcome["status"] == "submitted_for_approval"
    assert requests_of(b2b) == [(outcome["purchase_request_id"], "pending_approval")]
    assert b2b.order_count() == 0


def test_reject_orders_nothing(world: World, chat: ProcurementChat) -> None:
    b2b = world.b2b
    conv, request = _to_confirmation(world, chat)

    events = collect(chat.reject(conv, b2b.buyer_id, request["draft_id"], "too dear"))

    assert reply(events).startswith("OK, I did not place the order.")
    assert named(events, "outcome") == []
    assert named(events, "confirmation_required") == []
    assert b2b.get(request["draft_id"]).status is DraftStatus.REJECTED
    assert requests_of(b2b) == []
    assert b2b.order_count() == 0
    with pytest.raises(ConfirmationNotPendingError):
        collect(chat.confirm(conv, b2b.buyer_id, request["draft_id"], request["content_hash"]))
    assert requests_of(b2b) == []
    assert "decision:reject" in _trail(world, conv)
    # "place it" again: the rejected draft cannot be confirmed; the pause is declined
    events = collect(chat.say(conv, b2b.buyer_id, "place it"))
    assert named(events, "confirmation_required") == []
    assert reply(events).startswith("OK, I did not place the order.")
    assert requests_of(b2b) == []


def test_an_edit_after_the_draft_needs_a_new_confirmation(
    world: World, chat: ProcurementChat
) -> None:
    b2b = world.b2b
    conv, first = _to_confirmation(world, chat)

    events = collect(chat.say(conv, b2b.buyer_id, "make it 800"))

    second = confirmation(events)
    assert [s["tool"] for s in named(events, "step")] == [
        "update_draft", "check_budget", "place_order"]  # fmt: skip
    assert second["draft_id"] != first["draft_id"]
    assert second["content_hash"] != first["content_hash"]
    assert second["lines"][0]["quantity"] == 800
    assert b2b.get(first["draft_id"]).status is DraftStatus.SUPERSEDED
    with pytest.raises(ConfirmationNotPendingError):  # the old draft is not the pending one
        collect(chat.confirm(conv, b2b.buyer_id, first["draft_id"], first["content_hash"]))
    with pytest.raises(ConfirmationMismatchError):  # the old hash is not the new content's
        collect(chat.confirm(conv, b2b.buyer_id, second["draft_id"], first["content_hash"]))
    assert requests_of(b2b) == []
    assert b2b.order_count() == 0

    events = collect(chat.confirm(conv, b2b.buyer_id, second["draft_id"], second["content_hash"]))
    assert named(events, "outcome")[0]["total"] == {"amount": "416.00", "currency": "CNY"}
    assert len(requests_of(b2b)) == 1


def test_a_conversation_resumes_after_a_restart(world: World, chat: ProcurementChat) -> None:
    b2b = world.b2b
    conv, request = _to_confirmation(world, chat)
    chat.close()

    restarted = ProcurementChat(b2b.app)  # a new process: new agent, same database
    try:
        view = restarted.view(conv, b2b.buyer_id)
        assert view["pending_confirmation"]["draft_id"] == request["draft_id"]
        assert view["pending_confirmation"]["content_hash"] == request["content_hash"]
        assert [m["role"] for m in view["messages"]] == ["user", "agent", "user"]
        events = collect(restarted.confirm(conv, b2b.buyer_id, request["draft_id"],
                                           request["content_hash"]))  # fmt: skip
        assert named(events, "outcome")[0]["status"] == "ordered"
        assert restarted.view(conv, b2b.buyer_id)["pending_confirmation"] is None
    finally:
        restarted.close()


def test_confirming_again_returns_the_same_order(world: World, chat: ProcurementChat) -> None:
    b2b = world.b2b
    conv, request = _to_confirmation(world, chat)
    args = (conv, b2b.buyer_id, request["draft_id"], request["content_hash"])
    [first] = named(collect(chat.confirm(*args)), "outcome")
    [again] = named(collect(chat.confirm(*args)), "outcome")
    assert again == first
    assert len(requests_of(b2b)) == 1
    assert b2b.order_count() == 1


def test_only_the_buyer_may_talk_in_their_conversation(world: World, chat: ProcurementChat) -> None:
    b2b = world.b2b
    conv, request = _to_confirmation(world, chat)
    with pytest.raises(NotYourConversationError):
        collect(chat.say(conv, b2b.approver_id, "yes"))
    with pytest.raises(NotYourConversationError):
        collect(chat.confirm(conv, b2b.approver_id, request["draft_id"], request["content_hash"]))
    assert requests_of(b2b) == []
