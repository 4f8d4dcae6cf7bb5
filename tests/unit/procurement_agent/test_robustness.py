"""The parser never raises, stays linear on hostile input, and keeps its output bounded."""

from __future__ import annotations

import time
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from procurement_agent.understanding import DialogueState, Intent, Understanding, parse

TODAY = date(2026, 11, 2)
STATE = DialogueState(intent=Intent.SEARCH_OFFERS, product="bolt", has_draft=True,
                      awaiting=("quantity",))  # fmt: skip
# Characters the extractors care about, so random text hits their paths often.
NEAR_MISS = st.text(
    alphabet=st.sampled_from(
        list(
            "0123456789,.-/ kKmMxX$¥€£'\"“”「」第个万千百十一二两三零〇点元块"
            "月日号周内前天送到找要 bolts 螺栓 by within Dec Friday 预算 不超过 "
            "cheapest 最便宜 the first one "
        )
    ),
    max_size=200,
)


def _well_formed(u: Understanding) -> None:
    assert isinstance(u.intent, Intent)
    assert u.lang in ("en", "zh", "mixed")
    assert u.product is None or 0 < len(u.product) <= 60
    if u.quantity is not None:
        assert u.quantity.amount.is_finite()
    u.slots()  # every slot renders


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_never_raises_on_any_text(text: str) -> None:
    _well_formed(parse(text, today=TODAY))


@settings(max_examples=300, deadline=None)
@given(NEAR_MISS, st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_never_raises_on_near_miss_text(text: str, today: date) -> None:
    _well_formed(parse(text, today=today))
    _well_formed(parse(text, today=today, context=STATE))


@pytest.mark.parametrize(
    "text",
    ["", " ", "\x00\x01\u200b", "ﷺ" * 50, "İ" * 20, "\ud800".encode("utf-8", "surrogatepass")
     .decode("utf-8", "replace"), "第九九九九九九家", "9" * 500, "一" * 500, "$" * 100,
     "by Feb 30", "2026-13-45", "12月32日前", "within 0 days", "within 99999999 days",
     "'unterminated", "“", "M" + "8" * 300, "1e999999 yuan", "ｘ" * 100],
)  # fmt: skip
def test_edge_cases(text: str) -> None:
    _well_formed(parse(text, today=TODAY))


@pytest.mark.parametrize(
    "unit",
    ["find the cheapest 500 stainless M8 bolts to Shanghai within 10 days, budget $2k; ",
     "帮我找500个304不锈钢M8螺栓，送到上海，10天内到货，预算三千元，",
     "1 2 3 4 5 6 7 8 9 0 ", "1,", "1.", "a", "的", "M8x", '"a" ', "'",
     "一二三四五六七八九十百千万亿", "by Dec 20 ", "12月20日前", "the first one ", "a" * 99 + " "],
)  # fmt: skip
def test_a_100_kb_turn_finishes_fast(unit: str) -> None:
    text = (unit * (100_000 // len(unit) + 1))[:100_000]
    started = time.perf_counter()
    _well_formed(parse(text, today=TODAY))
    assert time.perf_counter() - started < 5.0  # about 1 s on one shared core
