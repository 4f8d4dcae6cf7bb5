"""Dialogue state: merging turns, what is missing, the clarifying question."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from procurement_agent.understanding import (
    DialogueState,
    Intent,
    Place,
    Preference,
    Quantity,
    clarifying_question,
    merge_preferences,
    missing_slots,
    parse,
)

TODAY = date(2026, 5, 4)


def run(*turns: str, state: DialogueState | None = None) -> DialogueState:
    state = state or DialogueState()
    for text in turns:
        state = state.merge(parse(text, today=TODAY, context=state))
    return state


def test_slots_accumulate_across_turns() -> None:
    state = run("I need M8 bolts", "2000 pcs", "deliver to Tianjin by Friday")
    assert state.product == "bolt"
    assert state.quantity == Quantity(Decimal(2000), "pcs")
    assert state.location == Place("Tianjin", "CN", "Tianjin")
    assert state.deadline == date(2026, 5, 8)
    assert [s.value for s in state.specs] == ["M8"]


def test_make_it_800_keeps_the_unit() -> None:
    state = run("找两千箱矿泉水")
    state = run("make it 800", state=state.drafting())
    assert state.quantity == Quantity(Decimal(800), "box")
    assert state.product == "矿泉水"


def test_a_new_product_starts_a_new_search() -> None:
    state = run("500 M8 bolts to Wuhan within 10 days, budget 3000 yuan", "now find M10 washers")
    assert state.product == "washer"
    assert [s.value for s in state.specs] == ["M10"]
    assert state.quantity is None
    assert state.budget is None
    assert state.location == Place("Wuhan", "CN", "Hubei")  # the terms carry over
    assert state.deadline == date(2026, 5, 14)


def test_a_new_spec_replaces_one_of_its_kind() -> None:
    state = run("need stainless M8 bolts", "actually change it to M10 bolts")
    assert sorted(s.value for s in state.specs) == ["M10", "stainless steel"]


def test_selecting_and_refusing() -> None:
    state = run("find 300 safety vests", "the second one")
    assert str(state.selected) == "2"
    state = run("no, cancel", state=state.showing(3).drafting())
    assert (state.has_draft, state.selected) == (False, None)
    assert state.product == "safety vest"


def test_sort_preferences_replace_each_other() -> None:
    assert merge_preferences(
        (Preference.CHEAPEST, Preference.VERIFIED_ONLY), (Preference.FASTEST,)
    ) == (Preference.VERIFIED_ONLY, Preference.FASTEST)
    assert run("cheapest M8 bolts", "only verified ones").preferences == (
        Preference.CHEAPEST, Preference.VERIFIED_ONLY,
    )  # fmt: skip


def test_missing_slots() -> None:
    assert missing_slots(DialogueState(), Intent.SEARCH_OFFERS) == ("product",)
    assert missing_slots(run("帮我找性价比最高的供应商，预算五千元"), Intent.SEARCH_OFFERS) == (
        "product",
    )
    assert missing_slots(run("find M8 bolts"), Intent.SEARCH_OFFERS) == ()
    assert missing_slots(run("find M8 bolts"), Intent.PLACE_ORDER) == ("quantity",)
    assert missing_slots(run("find 40 M8 bolts"), Intent.SELECT_OFFER) == ()
    assert missing_slots(DialogueState(), Intent.GREETING) == ()


def test_awaiting_clears_once_answered() -> None:
    asked = run("find M8 bolts").asking(("quantity",))
    assert asked.awaiting == ("quantity",)
    assert run("3000", state=asked).awaiting == ()


@pytest.mark.parametrize(
    ("missing", "lang", "question"),
    [
        (("quantity",), "en", "How many do you need?"),
        (("quantity",), "zh", "请问需要多少数量？"),
        (("quantity", "deadline"), "en", "How many do you need, and by when?"),
        (("quantity", "deadline"), "zh", "请问需要多少数量，什么时候要？"),
        (("quantity", "product"), "en", "What product do you need, and how many?"),
        (("product", "quantity", "location"), "en",
         "What product do you need, how many, and where to?"),
        (("product",), "zh", "请问您要采购什么产品？"),
        (("product",), "mixed", "请问您要采购什么产品？"),
    ],
)  # fmt: skip
def test_clarifying_question(missing: tuple[str, ...], lang: str, question: str) -> None:
    assert clarifying_question(missing, lang) == question


def test_the_question_follows_the_buyers_language() -> None:
    cases = (
        ("帮我找最便宜的供应商", "请问您要采购什么产品？"),
        ("find me the cheapest supplier", "What product do you need?"),
    )
    for text, expected in cases:
        state = run(text)
        missing = missing_slots(state, Intent.SEARCH_OFFERS)
        assert clarifying_question(missing, state.lang) == expected
