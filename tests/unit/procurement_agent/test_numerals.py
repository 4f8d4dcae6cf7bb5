"""Chinese and English numerals: hand-checked examples and round-trip properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procurement_agent.understanding.numerals import (
    parse_english_number,
    parse_numeral,
    to_chinese,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("零", "0"), ("〇", "0"), ("十", "10"), ("十五", "15"), ("二十", "20"),
        ("一百零五", "105"), ("两百五十", "250"), ("两百五", "250"), ("三千", "3000"),
        ("三千五", "3500"), ("一千二", "1200"), ("一千零二", "1002"), ("一千零二十", "1020"),
        ("一万二", "12000"), ("一万零五", "10005"), ("十万", "100000"), ("两万", "20000"),
        ("一百万", "1000000"), ("一千二百万", "12000000"), ("一亿", "100000000"),
        ("一亿二千万", "120000000"), ("十亿", "1000000000"), ("一亿零一", "100000001"),
        ("二〇〇〇", "2000"), ("二〇二六", "2026"), ("壹仟贰佰", "1200"),
        ("2万", "20000"), ("1.5万", "15000"), ("1万2", "12000"), ("5千", "5000"),
        ("两点五万", "25000"), ("零点五", "0.5"), ("1,200", "1200"), ("0.15", "0.15"),
    ],
)  # fmt: skip
def test_chinese_numerals(text: str, value: str) -> None:
    assert parse_numeral(text) == Decimal(value)


@pytest.mark.parametrize("text", ["", "万", "亿", "十百", "百百", "一万二万", "abc", "点"])
def test_not_a_numeral(text: str) -> None:
    assert parse_numeral(text) is None


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "零"), (10, "十"), (15, "十五"), (105, "一百零五"), (1005, "一千零五"),
     (10010, "一万零一十"), (100000, "十万"), (110000000, "一亿一千万"),
     (100000001, "一亿零一"), (1000000000, "十亿")],
)  # fmt: skip
def test_to_chinese_examples(value: int, text: str) -> None:
    assert to_chinese(value) == text


@given(st.integers(min_value=0, max_value=10**9), st.booleans())
def test_chinese_round_trip(value: int, liang: bool) -> None:
    assert parse_numeral(to_chinese(value, liang=liang)) == value


@given(st.integers(min_value=1, max_value=10**9))
def test_mixed_digit_and_unit_forms(value: int) -> None:
    # "1.5万"-style: Arabic digits before a 万 or 亿 group unit.
    if value % 10**8 == 0:
        assert parse_numeral(f"{value // 10**8}亿") == value
    elif value % 10**4 == 0:
        assert parse_numeral(f"{value // 10**4}万") == value


@pytest.mark.parametrize(
    ("words", "value"),
    [("a thousand", 1000), ("five hundred", 500), ("twelve hundred", 1200),
     ("two thousand five hundred", 2500), ("one hundred and fifty", 150), ("a dozen", 12),
     ("half a dozen", 6), ("three dozen", 36), ("twenty five thousand", 25000),
     ("a million", 1000000)],
)  # fmt: skip
def test_english_numbers(words: str, value: int) -> None:
    assert parse_english_number(words.split()) == value


@pytest.mark.parametrize("words", ["a", "and", "a few", "bolts"])
def test_not_an_english_number(words: str) -> None:
    assert parse_english_number(words.split()) is None


def test_to_chinese_refuses_out_of_range() -> None:
    with pytest.raises(ValueError, match="to_chinese"):
        to_chinese(10**12)
