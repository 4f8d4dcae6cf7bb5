"""Numbers written in Chinese (三千, 两百五十, 一千二, 1.5万, 二〇〇〇) and English words
(a thousand, twelve hundred, half a dozen).

Chinese: digits 零〇一二两三四五六七八九 (and the financial forms 壹贰叁...), units 十百千,
groups 万 and 亿, decimals with 点 or ".", Arabic digits mixed in ("2万", "1万2"). A lone
digit after a unit is the colloquial shorthand for the next lower place: 一千二 = 1200,
两百五 = 250, 一万二 = 12000 (but 一千零二 = 1002). Digits without units read position by
position (二〇二六 = 2026).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

ZH_DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "三": 3, "叁": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8,
    "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
ZH_SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
ZH_BIG_UNITS: dict[str, int] = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
ZH_NUMERAL_CHARS = frozenset(ZH_DIGITS) | frozenset(ZH_SMALL_UNITS) | frozenset(ZH_BIG_UNITS)
_DECIMAL_POINTS = frozenset({".", "点"})
_ARABIC = frozenset("0123456789")

# (kind, value, is_zero_gap): kind "n" number, "s" small unit, "b" big unit.
_Token = tuple[str, Decimal, bool]


def _tokens(text: str) -> list[_Token] | None:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _ARABIC or ch in ZH_DIGITS:
            j = i
            while j < n and (text[j] in _ARABIC or text[j] in ZH_DIGITS):
                j += 1
            run = text[i:j]
            if j < n - 1 and text[j] in _DECIMAL_POINTS and _is_digit(text[j + 1]):
                k = j + 1
                while k < n and _is_digit(text[k]):
                    k += 1
                run, j = run + "." + text[j + 1 : k], k
            value, gap = _digit_run(run)
            if value is None:
                return None
            tokens.append(("n", value, gap))
            i = j
        elif ch in ZH_SMALL_UNITS:
            tokens.append(("s", Decimal(ZH_SMALL_UNITS[ch]), False))
            i += 1
        elif ch in ZH_BIG_UNITS:
            tokens.append(("b", Decimal(ZH_BIG_UNITS[ch]), False))
            i += 1
        else:
            return None
    return tokens


def _is_digit(ch: str) -> bool:
    return ch in _ARABIC or ch in ZH_DIGITS


def _digit_run(run: str) -> tuple[Decimal | None, bool]:
    """Digits read by position; a leading 零 marks a gap (一千零五: the 五 is units)."""
    gap = run[0] in "零〇" and len(run.split(".")[0]) > 1 and not run[0].isascii()
    digits = "".join(str(ZH_DIGITS[c]) if c in ZH_DIGITS else c for c in run)
    try:
        return Decimal(digits), gap
    except InvalidOperation:
        return None, False


def parse_numeral(text: str) -> Decimal | None:
    """The value of a Chinese (or mixed Chinese/Arabic) numeral, or ``None`` if it is not one."""
    text = text.replace(",", "")
    if not text:
        return None
    tokens = _tokens(text)
    if not tokens:
        return None
    if len(tokens) == 1 and tokens[0][0] == "n":
        return tokens[0][1]
    return _evaluate(tokens)


def _evaluate(tokens: Sequence[_Token]) -> Decimal | None:
    total = wan = section = Decimal(0)
    pending: Decimal | None = None
    pending_gap = False
    last_unit: Decimal | None = None  # the unit just before ``pending`` (colloquial 一千二)
    previous_small = Decimal(10**5)
    seen_wan = False
    for kind, value, gap in tokens:
        if kind == "n":
            if pending is not None:
                return None  # two numbers in a row: "三四五" is handled as a digit run
            pending, pending_gap = value, gap
        elif kind == "s":
            if value >= previous_small:
                return None  # 十百, 百百: units must fall within a section
            section += (Decimal(1) if pending is None else pending) * value
            previous_small, pending, last_unit = value, None, value
        else:
            group = section + (pending or 0)
            if value == 10**4:
                if seen_wan or group == 0:
                    return None
                wan, seen_wan = group * value, True
            else:
                if total == 0 and wan + group == 0:
                    return None
                total, wan, seen_wan = (total + wan + group) * value, Decimal(0), False
            section, pending, last_unit, previous_small = Decimal(0), None, value, Decimal(10**5)
    if pending is not None:
        is_shorthand = (
            last_unit is not None
            and not pending_gap
            and pending < 10
            and pending == pending.to_integral()
        )
        if is_shorthand and last_unit is not None:
            pending *= last_unit / 10
        section += pending
    return total + wan + section


# -- formatting (for tests and for answers in Chinese) --------------------------------------
_FORMAT_DIGITS = "零一二三四五六七八九"


def _section(value: int) -> str:
    """0 < value < 10000, with 零 for inner gaps."""
    out: list[str] = []
    zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = value // unit % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(_FORMAT_DIGITS[digit] + name)
    return "".join(out)


def to_chinese(value: int, *, liang: bool = False) -> str:
    """The standard Chinese numeral of 0 <= value < 10**12 (10 -> 十, 1005 -> 一千零五).
    With ``liang``, 2 before 百/千/万/亿 is written 两 as people say it."""
    if not 0 <= value < 10**12:
        raise ValueError("to_chinese handles 0 <= value < 10**12")
    if value == 0:
        return "零"
    groups = [(value // 10**8, "亿"), (value // 10**4 % 10**4, "万"), (value % 10**4, "")]
    out: list[str] = []
    for group, name in groups:
        if group == 0:
            if out and out[-1] != "零":
                out.append("零")
            continue
        if out and group < 1000 and out[-1] != "零":
            out.append("零")
        out.append(_section(group) + name)
    text = "".join(out).rstrip("零")
    if text.startswith("一十"):
        text = text[1:]
    if liang:
        for unit in "百千万亿":
            text = text.replace("二" + unit, "两" + unit)
        if text.startswith("二") and len(text) > 1 and text[1] in "百千万亿":
            text = "两" + text[1:]
    return text


# -- English number words --------------------------------------------------------------------
EN_SMALL: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
EN_SCALES: dict[str, int] = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
EN_NUMBER_WORDS = frozenset(EN_SMALL) | frozenset(EN_SCALES) | {"hundred", "dozen"}


def parse_english_number(words: Sequence[str]) -> Decimal | None:
    """``["twelve", "hundred"]`` -> 1200; "a"/"an" count as one before a scale word,
    "and" is skipped, "half a dozen" is 6, "dozen" multiplies by 12."""
    total, current, seen = Decimal(0), Decimal(0), False
    half = False
    for i, word in enumerate(words):
        if word == "and" and seen:
            continue
        if word in ("a", "an"):
            if i + 1 < len(words) and words[i + 1] in (*EN_SCALES, "hundred", "dozen"):
                current += 1 if not current else 0
                seen = True
                continue
            return None
        if word == "half" and i == 0:
            half = True
            continue
        if word in EN_SMALL:
            current += EN_SMALL[word]
        elif word == "hundred":
            current = (current or Decimal(1)) * 100
        elif word == "dozen":
            current = (current or Decimal(1)) * 12
        elif word in EN_SCALES:
            total += (current or 1) * EN_SCALES[word]
            current = Decimal(0)
        else:
            return None
        seen = True
    if not seen:
        return None
    value = total + current
    return value / 2 if half else value
