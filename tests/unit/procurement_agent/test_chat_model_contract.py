"""The tool contract: names, tags, argument schemas, result shapes, the best-value score;
and the model's calls keep to it."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from pydantic import ValidationError

from procurement_agent.model.results import read
from procurement_agent.tool_specs import (
    READ_TOOLS,
    TOOL_SPECS,
    WRITE_TOOLS,
    PlaceOrderArgs,
    SearchOffersArgs,
    best_value_score,
)
from tests.unit.procurement_agent.chat_fixtures import Chat, Desk


def test_the_tools_and_their_tags() -> None:
    assert {
        "search_offers",
        "supplier_details",
        "compare_offers",
        "check_budget",
        "order_status",
    } == READ_TOOLS
    assert {"create_draft", "update_draft", "place_order", "submit_for_approval"} == WRITE_TOOLS
    for spec in TOOL_SPECS.values():
        assert spec.description.isascii()
        assert 60 < len(spec.description) < 500
        json.dumps(spec.args.model_json_schema())


def test_placing_takes_a_draft_id_and_nothing_else() -> None:
    for name in ("place_order", "submit_for_approval"):
        assert set(TOOL_SPECS[name].args.model_fields) == {"draft_id"}
    with pytest.raises(ValidationError):
        PlaceOrderArgs.model_validate({"draft_id": "DR-1", "quantity": 10000})


def test_search_arguments_are_checked() -> None:
    ok = SearchOffersArgs.model_validate(
        {"product": "bolt", "deadline": "2026-05-14", "max_unit_price": "0.5", "sort": "best_value"}
    )
    assert ok.max_unit_price == Decimal("0.5")
    for bad in (
        {"product": ""},
        {"product": "bolt", "sort": "cheapest"},
        {"product": "bolt", "quantity": 0},
        {"product": "bolt", "country": "China"},
    ):
        with pytest.raises(ValidationError):
            SearchOffersArgs.model_validate(bad)


def test_the_canned_results_have_the_documented_shapes() -> None:
    chat = Chat(desk=Desk(budget="needs_approval"))
    for text in (
        "I need 500 M8 bolts to Shanghai within 10 days",
        "tell me about the second supplier",
        "yes",
        "where is my order",
    ):
        chat.say(text)
    names = {name for name, _ in chat.desk.calls}
    assert names == set(TOOL_SPECS) - {"update_draft", "place_order"}
    for message in chat.messages:
        if isinstance(message, ToolMessage):
            name = _name_of(chat, message.tool_call_id)
            outcome = read("id", name, {}, message.text, failed=False)
            assert outcome.ok, (outcome.name, outcome.error)


def _name_of(chat: Chat, call_id: str) -> str:
    for m in chat.messages:
        if isinstance(m, AIMessage):
            for call in m.tool_calls:
                if call["id"] == call_id:
                    return call["name"]
    raise AssertionError(call_id)


def test_every_call_the_model_makes_validates_against_its_schema() -> None:
    scripts = [
        [
            "I need 500 stainless M8 bolts to Shanghai within 10 days, at most 0.6 yuan each",
            "tell me about the third supplier",
            "the second one",
            "make it 800",
            "交期改到5月20日",
            "换第一家",
            "where is my order",
        ],
        ["帮我找性价比最高的M8螺栓，只要认证供应商", "第二家", "1200"],
    ]
    seen = set()
    for script in scripts:
        chat = Chat(stop_at=frozenset({"place_order"}))
        for text in script:
            chat.say(text)
        for m in chat.messages:
            for call in m.tool_calls if isinstance(m, AIMessage) else ():
                TOOL_SPECS[call["name"]].args.model_validate(call["args"])
                seen.add(call["name"])
    assert seen == set(TOOL_SPECS) - {"submit_for_approval"}


def test_best_value_score_by_hand() -> None:
    # 0.5 x 0.48/0.60 + 0.3 x (3+1)/(3+1) + 0.2 x 4.9/5 = 0.4 + 0.3 + 0.196
    assert best_value_score(
        Decimal("0.60"), 3, Decimal("4.9"), lowest_price=Decimal("0.48"), shortest_lead=3
    ) == Decimal("0.8960")
    # 0.5 x 0.48/0.52 + 0.3 x 4/6 + 0.2 x 4.8/5 = 0.461538 + 0.2 + 0.192
    assert best_value_score(
        Decimal("0.52"), 5, Decimal("4.8"), lowest_price=Decimal("0.48"), shortest_lead=3
    ) == Decimal("0.8535")
    # Unknown lead time and rating score nothing on those parts.
    assert best_value_score(
        Decimal("0.48"), None, None, lowest_price=Decimal("0.48"), shortest_lead=3
    ) == Decimal("0.5000")
