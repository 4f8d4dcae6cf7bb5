"""Money (budgets and unit-price caps) and quantities, from the numbers around them.

Money: a number with a currency before it ($, ¥, RMB, HK$) or after it (yuan, 元, 块, 美元,
USD), or a bare number after a limit word ("budget 4k", "预算十二万", "一万以内"). An amount
tied to one unit ("per piece", "/pc", "单价", "每个") caps the unit price; any other is the
budget. Chinese small change: 两毛 = 0.2, 三块五 = 3.5.

Quantity: a number before a unit (500 pcs, 10 boxes of, 2 dozen, 20吨, 三千个) or before the
product's words (500 stainless bolts); a lone number answers "how many?".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from procurement_agent.understanding.model import Amount, Quantity
from procurement_agent.understanding.numbers import Number
from procurement_agent.understanding.numerals import ZH_DIGITS
from procurement_agent.understanding.text import SOFT, Doc, is_han

CURRENCY_BEFORE = re.compile(
    r"(us\$|hk\$|s\$|a\$|c\$|nt\$|\$|¥|€|£|₩|₹|rmb|cny|usd|eur|gbp|jpy|hkd|sgd|aud|cad|chf|"
    r"人民币|美元|美金|欧元)\s?$"
)
_BEFORE_CODES = {
    "us$": "USD", "$": "USD", "hk$": "HKD", "s$": "SGD", "a$": "AUD", "c$": "CAD", "nt$": "TWD",
    "¥": "CNY", "€": "EUR", "£": "GBP", "₩": "KRW", "₹": "INR", "rmb": "CNY", "人民币": "CNY",
    "美元": "USD", "美金": "USD", "欧元": "EUR",
}  # fmt: skip
CURRENCY_AFTER = re.compile(
    r"\s?(yuan|rmb|cny|kuai|usd|dollars?|bucks?|eur|euros?|gbp|pounds?|quid|jpy|yen|hkd|sgd|aud|"
    r"cad|chf|inr|rupees?|krw)(?![a-z])"
    r"|\s?(块钱|块|元|人民币|美元|美金|刀|欧元|欧|英镑|镑|日元|円|港币|港元|新币|澳元|加元|韩元)"
)
_AFTER_CODES = {
    "yuan": "CNY", "rmb": "CNY", "kuai": "CNY", "dollar": "USD", "buck": "USD", "euro": "EUR",
    "pound": "GBP", "quid": "GBP", "yen": "JPY", "rupee": "INR", "块钱": "CNY", "块": "CNY",
    "元": "CNY", "人民币": "CNY", "美元": "USD", "美金": "USD", "刀": "USD", "欧元": "EUR",
    "欧": "EUR", "英镑": "GBP", "镑": "GBP", "日元": "JPY", "円": "JPY", "港币": "HKD",
    "港元": "HKD", "新币": "SGD", "澳元": "AUD", "加元": "CAD", "韩元": "KRW",
}  # fmt: skip
# After 块: money when the phrase ends here; a count when a noun follows (5块电池).
_KUAI_MONEY_NEXT = re.compile(
    r"$|[^\u4e00-\u9fff]|钱|以|之|左|的|内|一|每|[零一二两三四五六七八九\d]"
)
_SMALL_CHANGE = re.compile(r"([零一二两三四五六七八九\d])\s?(毛|角)?")
_JIAO = re.compile(r"\s?(毛|角)(?!巾|衣|毯|绒|笔|线)(?:钱)?")
LIMIT_BEFORE = re.compile(
    r"(budget|budget's|budget is|budgeted|under|below|less than|no more than|not more than|"
    r"not exceeding|not to exceed|at most|up to|max|maximum|cap|capped at|spend|"
    r"预算|不超过|不要超过|不能超过|别超过|最多|控制在|不高于|低于|少于|上限|总价)"
)
_LIMIT_AFTER = re.compile(r"\s?(以内|以下|之内|封顶)")
PER_UNIT_AFTER = re.compile(
    r"\s?(?:/\s?(?:pc|pcs|piece|unit|item|each|个|件|只|套|箱|双|kg|m|米|公斤)"
    r"|(?:per|a|each)\s+(?:piece|pc|pcs|unit|item|bag|box|set|pair|kg|meter|metre|roll|"
    r"bottle|carton|dozen|sheet)s?\b|each\b|apiece\b|一个|一件|一只|一套|每个|每件)"
)
PER_UNIT_BEFORE = re.compile(
    r"(unit price|price per|per unit|per piece|per item|each|单价|每个|每件|每只|每套|每箱|一个)"
)

UNITS_EN: dict[str, tuple[str, int]] = {
    **dict.fromkeys(
        ("pcs", "pc", "piece", "pieces", "unit", "units", "ea", "nos", "items"), ("pcs", 1)
    ),
    **dict.fromkeys(
        ("box", "boxes", "carton", "cartons", "ctn", "ctns", "case", "cases", "crate", "crates"),
        ("box", 1),
    ),
    **dict.fromkeys(("pallet", "pallets", "plt"), ("pallet", 1)),
    **dict.fromkeys(("pack", "packs", "packet", "packets"), ("pack", 1)),
    **dict.fromkeys(("bag", "bags", "sack", "sacks"), ("bag", 1)),
    **dict.fromkeys(("roll", "rolls"), ("roll", 1)),
    **dict.fromkeys(("set", "sets"), ("set", 1)),
    **dict.fromkeys(("pair", "pairs"), ("pair", 1)),
    **dict.fromkeys(("bottle", "bottles"), ("bottle", 1)),
    **dict.fromkeys(("drum", "drums", "barrel", "barrels"), ("drum", 1)),
    **dict.fromkeys(("ream", "reams"), ("ream", 1)),
    **dict.fromkeys(("sheet", "sheets"), ("sheet", 1)),
    **dict.fromkeys(("kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"), ("kg", 1)),
    **dict.fromkeys(("g", "gram", "grams"), ("g", 1)),
    **dict.fromkeys(("t", "ton", "tons", "tonne", "tonnes", "mt"), ("t", 1)),
    **dict.fromkeys(("lb", "lbs"), ("lb", 1)),
    **dict.fromkeys(("m", "meter", "meters", "metre", "metres"), ("m", 1)),
    **dict.fromkeys(("l", "litre", "litres", "liter", "liters"), ("l", 1)),
    **dict.fromkeys(("sqm", "m2"), ("m2", 1)),
    "dozen": ("pcs", 12),
    "dozens": ("pcs", 12),
}
UNITS_ZH: dict[str, tuple[str, Decimal]] = {
    **dict.fromkeys("个件只支根颗枚片张把台条粒本份辆部顶盏", ("pcs", Decimal(1))),
    **dict.fromkeys(("箱", "盒"), ("box", Decimal(1))),
    **dict.fromkeys(("托", "托盘"), ("pallet", Decimal(1))),
    "包": ("pack", Decimal(1)), "袋": ("bag", Decimal(1)), "卷": ("roll", Decimal(1)),
    "套": ("set", Decimal(1)), **dict.fromkeys("双对副", ("pair", Decimal(1))),
    "瓶": ("bottle", Decimal(1)), "桶": ("drum", Decimal(1)), "罐": ("can", Decimal(1)),
    "令": ("ream", Decimal(1)), **dict.fromkeys(("公斤", "千克"), ("kg", Decimal(1))),
    "斤": ("kg", Decimal("0.5")), "克": ("g", Decimal(1)), "吨": ("t", Decimal(1)),
    "米": ("m", Decimal(1)), "升": ("l", Decimal(1)),
    **dict.fromkeys(("平方米", "平米", "平方"), ("m2", Decimal(1))),
    "打": ("pcs", Decimal(12)), "块": ("pcs", Decimal(1)),
}  # fmt: skip
_ZH_UNIT = re.compile(
    r"\s?(?:多|余|来)?\s?(" + "|".join(sorted(UNITS_ZH, key=len, reverse=True)) + ")"
)
_EN_UNIT = re.compile(r"\s?([a-z]+[0-9]?)\b(\s+of\b)?")
QUANTITY_BEFORE = re.compile(
    r"(quantity|qty|amount|need|needs|want|buy|order|get|数量|数目|总共|一共|共|要|需要|买|采购|订|"
    r"make it|make that|change it to|to|改成|改为|加到|减到|增加到|变成|换成|\bx)\s?$"
)
_NOT_A_NOUN = frozenset(
    ["days", "day", "weeks", "week", "months", "month", "hours", "percent", "years", "year", "of",
     "to", "in", "for", "by", "within", "before", "and", "or", "please", "pls", "per", "each", "a",
     "an", "the", "is", "are", "at", "on", "from", "with"]
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MoneyMention:
    """One money mention and whether it is per unit."""

    start: int
    amount: Amount
    per_unit: bool


def find_money(doc: Doc, numbers: list[Number]) -> list[MoneyMention]:
    found: list[MoneyMention] = []
    for number in numbers:
        if doc.is_free(number.start, number.end):
            money = _money(doc, number)
            if money is not None:
                found.append(money)
    return found


def _money(doc: Doc, number: Number) -> MoneyMention | None:
    low, start, end = doc.low, number.start, number.end
    value, currency = number.value, None
    before = CURRENCY_BEFORE.search(low, max(0, start - 5), start)
    if before is not None:
        currency, start = (
            _BEFORE_CODES.get(before.group(1), before.group(1).upper()),
            before.start(),
        )
    after = _currency_after(low, end, has_before=before is not None)
    if after is not None:
        code, word, end = after
        currency = currency or code
        value, end = _small_change(low, end, value, word)
    elif before is None and number.script != "en" and (jiao := _JIAO.match(low, end)):
        value, currency, end = value / 10, "CNY", jiao.end()  # 两毛 = 0.2 yuan
    if currency is None:
        limited = LIMIT_BEFORE.search(doc.clause_before(start, 24))
        limit_after = _LIMIT_AFTER.match(low, end)
        if not limited and not limit_after:
            return None
        if _unit_after(doc, end) is not None or _before_noun(doc, number):
            return None  # "under 500 pcs", "less than 2000 bolts" are quantities
        end = limit_after.end() if limit_after is not None else end
    per_after = PER_UNIT_AFTER.match(low, end)
    per_unit = bool(per_after) or bool(PER_UNIT_BEFORE.search(doc.clause_before(start, 60)))
    end = per_after.end() if per_after is not None else end
    doc.claim(start, end, "money")
    return MoneyMention(start, Amount(value, currency), per_unit)


def _currency_after(low: str, end: int, *, has_before: bool) -> tuple[str, str, int] | None:
    """(ISO code, currency word, end) of a currency word right after a number."""
    m = CURRENCY_AFTER.match(low, end)
    if m is None:
        return None
    word = m.group(1).rstrip("s") if m.group(1) else m.group(2)
    if word == "块" and not _KUAI_MONEY_NEXT.match(low, m.end()):
        return None  # 5块电池: five batteries
    if word == "pound" and not has_before and low.startswith(" of", m.end()):
        return None  # 500 pounds of flour
    return _AFTER_CODES.get(word, word.upper()), word, m.end()


def _small_change(low: str, end: int, value: Decimal, word: str) -> tuple[Decimal, int]:
    """三块五 = 3.5, 2元5角 = 2.5: one more digit after 块/元 is tenths."""
    if word not in ("块", "元", "块钱"):
        return value, end
    m = _SMALL_CHANGE.match(low, end)
    if m is None or (
        m.group(1) == "一" and m.group(2) is None and low[m.end() : m.end() + 1] in "个件"
    ):
        return value, end  # 3块一个: three yuan apiece
    if (
        m.group(2) is None
        and m.end() < len(low)
        and is_han(low[m.end()])
        and low[m.end()] not in "钱以左"
    ):
        return value, end
    digit = ZH_DIGITS.get(m.group(1))
    tenths = Decimal(digit if digit is not None else int(m.group(1))) / 10
    return value + tenths, m.end()


def _unit_after(doc: Doc, index: int) -> tuple[int, str, Decimal] | None:
    """(end, canonical unit, factor) of the unit word right after ``index``."""
    zh = _ZH_UNIT.match(doc.low, index)
    if zh is not None:
        unit, factor = UNITS_ZH[zh.group(1)]
        return zh.end(), unit, factor
    en = _EN_UNIT.match(doc.low, index)
    if en is not None and en.group(1) in UNITS_EN:
        unit, times = UNITS_EN[en.group(1)]
        return en.end(), unit, Decimal(times)
    return None


def find_quantity(doc: Doc, numbers: list[Number], *, expecting: bool) -> Quantity | None:
    """The first quantity, claimed; ``expecting``: a lone number answers "how many?"."""
    free = [n for n in numbers if doc.is_free(n.start, n.end) and n.value > 0]
    for number in free:
        unit = _unit_after(doc, number.end)
        if unit is not None and doc.is_free(number.end, unit[0]):
            end, name, factor = unit
            doc.claim(number.start, end, "quantity")
            return Quantity(number.value * factor, name)
        if number.unit_hint is not None:
            doc.claim(number.start, number.end, "quantity")
            return Quantity(number.value, number.unit_hint)
    for number in free:
        if number.script == "zh" and number.followed_by_han(doc):
            continue  # 一批, 一下, 一家: a numeral inside a word
        if _before_noun(doc, number) or _after_cue(doc, number):
            doc.claim(number.start, number.end, "quantity")
            return Quantity(number.value)
    lone = [n for n in free if n.script != "zh" or not n.followed_by_han(doc)]
    if lone and (expecting or len(free) == 1) and _mostly_number(doc, lone[0]):
        doc.claim(lone[0].start, lone[0].end, "quantity")
        return Quantity(lone[0].value)
    return None


def _before_noun(doc: Doc, number: Number) -> bool:
    """``500 bolts``, ``500 stainless M8 bolts``, ``40 of them``: a word follows."""
    if number.script == "zh" or number.value != number.value.to_integral():
        return False
    nxt = doc.token_from(number.end)
    if nxt is None or doc.low[number.end : nxt.start] != " ":
        return False
    if doc.owner[nxt.start] == SOFT:  # a spec: "500 stainless ..."
        return True
    if doc.owner[nxt.start]:
        return False
    return nxt.word == "of" or (nxt.word.isalpha() and nxt.word not in _NOT_A_NOUN)


def _after_cue(doc: Doc, number: Number) -> bool:
    return QUANTITY_BEFORE.search(doc.clause_before(number.start, 16)) is not None


def _mostly_number(doc: Doc, number: Number) -> bool:
    """The turn is little more than the number ("800", "1500 please", "五百")."""
    rest = doc.low[: number.start] + doc.low[number.end :]
    return sum(1 for c in rest if c.isalnum()) <= 16
