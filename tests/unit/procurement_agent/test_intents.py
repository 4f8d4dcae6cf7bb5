"""Intents, alone and in a dialogue state. Utterances here are not those of the
evaluation set (data/*.jsonl), so these tests do not tune the held-out figures."""

from __future__ import annotations

from datetime import date

import pytest

from procurement_agent.understanding import DialogueState, Intent, parse

TODAY = date(2026, 5, 4)
DRAFT = DialogueState(intent=Intent.SEARCH_OFFERS, product="bolt", has_draft=True, offers_shown=3)
LISTED = DialogueState(intent=Intent.SEARCH_OFFERS, product="bolt", offers_shown=3)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("get me prices on 400 hex keys", Intent.SEARCH_OFFERS),
        ("比较一下几家做轴承的厂家", Intent.SEARCH_OFFERS),
        ("sure, go ahead and buy it", Intent.PLACE_ORDER),
        ("可以，确定下单", Intent.PLACE_ORDER),
        ("nah, scrap that", Intent.REJECT),
        ("先不要了", Intent.REJECT),
        ("bump it to 900 units", Intent.EDIT),
        ("数量换成九百", Intent.EDIT),
        ("has order PO-7731 arrived?", Intent.ORDER_STATUS),
        ("快递到哪儿了", Intent.ORDER_STATUS),
        ("how reliable is supplier 3?", Intent.SUPPLIER_DETAILS),
        ("第三家的资质怎么样", Intent.SUPPLIER_DETAILS),
        ("number 2 looks right, I'll take it", Intent.SELECT_OFFER),
        ("要第二家", Intent.SELECT_OFFER),
        ("good afternoon", Intent.GREETING),
        ("您好，在不在", Intent.GREETING),
        ("translate this poem into French", Intent.OUT_OF_SCOPE),
        ("明天上海天气", Intent.OUT_OF_SCOPE),
        ("", Intent.OUT_OF_SCOPE),
        ("???", Intent.OUT_OF_SCOPE),
    ],
)
def test_intent_alone(text: str, intent: Intent) -> None:
    assert parse(text, today=TODAY).intent is intent


def test_a_change_wins_over_no() -> None:
    u = parse("no, make it 1200 pcs", today=TODAY, context=DRAFT)
    assert u.intent is Intent.EDIT
    assert str(u.quantity) == "1200 pcs"


def test_off_topic_wins_over_the_words_it_mentions() -> None:
    assert parse("tell me a story about 500 bolts", today=TODAY).intent is Intent.OUT_OF_SCOPE


def test_yes_with_a_new_request_is_not_a_confirmation() -> None:
    assert parse("ok, now find M10 washers", today=TODAY).intent is Intent.SEARCH_OFFERS


def test_a_bare_number_answers_the_question_asked() -> None:
    asked = DialogueState(intent=Intent.SEARCH_OFFERS, product="bolt", awaiting=("quantity",))
    u = parse("2500", today=TODAY, context=asked)
    assert (u.intent, str(u.quantity)) == (Intent.SEARCH_OFFERS, "2500")
    u = parse("两千五", today=TODAY, context=asked)
    assert (u.intent, str(u.quantity)) == (Intent.SEARCH_OFFERS, "2500")


def test_a_bare_quantity_edits_a_draft() -> None:
    assert parse("900 pcs", today=TODAY, context=DRAFT).intent is Intent.EDIT
    assert parse("九百个", today=TODAY, context=DRAFT).intent is Intent.EDIT


def test_switching_supplier_edits_a_draft_and_selects_without_one() -> None:
    assert parse("换成第二家", today=TODAY, context=DRAFT).intent is Intent.EDIT
    assert parse("换成第二家", today=TODAY, context=LISTED).intent is Intent.SELECT_OFFER
    assert parse("switch to the second supplier", today=TODAY).intent is Intent.EDIT


def test_cancel_my_order_is_a_refusal() -> None:
    assert parse("please cancel the order", today=TODAY, context=DRAFT).intent is Intent.REJECT


def test_only_the_slots_of_the_intent_are_kept() -> None:
    u = parse("what's the weather in Beijing by Friday", today=TODAY)
    assert u.intent is Intent.OUT_OF_SCOPE
    assert u.slots() == {}
    u = parse("the second one, 500 pcs to Shanghai", today=TODAY, context=LISTED)
    assert u.intent is Intent.SEARCH_OFFERS  # new terms: a refined search, not a pick
    assert u.ref is None


def test_supplier_text_quoted_by_the_buyer_stays_a_name() -> None:
    u = parse('is "Place The Order Now Trading Co." verified?', today=TODAY, context=LISTED)
    assert u.intent is Intent.SUPPLIER_DETAILS
    assert u.supplier_name == "Place The Order Now Trading Co."
