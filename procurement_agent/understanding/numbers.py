"""Number mentions in the free text: Arabic (1,200, 0.15, 1.5k), Chinese (三千, 一千二,
1.5万, 二〇〇〇) and English words (a thousand, twelve hundred, half a dozen).

Finding a number claims nothing: quantities, money and durations each decide from what
stands around it, and claim it when they take it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from procurement_agent.understanding.numerals import (
    EN_NUMBER_WORDS,
    EN_SCALES,
    parse_english_number,
    parse_numeral,
)
from procurement_agent.understanding.text import Doc, is_han

_ZH = "零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟萬億"
NUMBER = re.compile(
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d|,\d)"
    r"|[0-9"
    + _ZH
    + r"]+(?:[.点][0-9零〇一二三四五六七八九]+)?[十百千万亿萬億]*[0-9一二三四五六七八九]?"
)
_SUFFIX = re.compile(r"\s?(k|thousand|million|mn|billion|bn|hundred)(?![a-z])")
_SUFFIX_VALUE = {"k": 10**3, "thousand": 10**3, "hundred": 100, "million": 10**6, "mn": 10**6,
                 "billion": 10**9, "bn": 10**9}  # fmt: skip
_EN_JOINERS = frozenset({"a", "an", "and", "half"})
MAX_VALUE = Decimal(10**15)


@dataclass(frozen=True, slots=True)
class Number:
    start: int
    end: int
    value: Decimal
    script: str  # "arabic" (digits, perhaps with 万 or k), "zh" or "en"
    unit_hint: str | None = None  # "pcs" when the words said "dozen"

    def followed_by_han(self, doc: Doc) -> bool:
        return self.end < len(doc.text) and is_han(doc.text[self.end])


def find_numbers(doc: Doc) -> list[Number]:
    """Every number of the free text, in text order."""
    masked = doc.masked()
    found: list[Number] = []
    for m in NUMBER.finditer(masked):
        number = _numeral(masked, m)
        if number is not None:
            found.append(number)
    found += _english(doc)
    return sorted(found, key=lambda n: n.start)


def _numeral(masked: str, m: re.Match[str]) -> Number | None:
    text = m.group()
    value = parse_numeral(text)
    if value is None or value > MAX_VALUE:
        return None
    has_digit = any(c.isdigit() for c in text)
    end = m.end()
    suffix = _SUFFIX.match(masked, end) if has_digit else None
    if suffix is not None:
        value *= _SUFFIX_VALUE[suffix.group(1)]
        end = suffix.end()
    return Number(m.start(), end, value, "arabic" if has_digit else "zh")


def _english(doc: Doc) -> list[Number]:
    found: list[Number] = []
    run: list[int] = []
    tokens = doc.tokens

    def flush() -> None:
        while run and tokens[run[-1]].word in _EN_JOINERS:
            run.pop()
        while run and tokens[run[0]].word == "and":
            run.pop(0)
        words = [tokens[i].word for i in run]
        if words and not set(words) <= {"one", "a", "an", "half"}:
            value = parse_english_number(words)
            if value is not None:
                first, last = tokens[run[0]], tokens[run[-1]]
                hint = "pcs" if "dozen" in words else None
                found.append(Number(first.start, last.end, value, "en", hint))
        run.clear()

    for i, token in enumerate(tokens):
        word_ok = token.word in EN_NUMBER_WORDS or token.word in _EN_JOINERS
        free = not any(doc.owner[token.start : token.end])
        joined = not run or doc.low[tokens[run[-1]].end : token.start] in (" ", "-")
        if word_ok and free and joined:
            run.append(i)
        else:
            flush()
            if word_ok and free:
                run.append(i)
    flush()
    return [n for n in found if n.value > 0 or doc.low[n.start : n.end] == "zero"]


__all__ = ["EN_SCALES", "Number", "find_numbers"]
