"""Specs written with digits: thread sizes (M8, M12x50), dimensions (600x600mm), measures
(20mm, 12V, 500ml), paper sizes (A4), steel and alloy grades (Q235, 304, 8.8, 6063),
standards (DIN 933, GB/T 5783) and garment sizes (size L, XL).

They run before numbers are read, so "M8" and "304" never become quantities. Grades that
look like plain numbers (304, 6063, 4.8) count only next to their material or a grade
word. Claims are soft: the product phrase runs through them.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from procurement_agent.understanding.model import Spec
from procurement_agent.understanding.text import SOFT, Doc

_NB = r"(?<![a-z0-9.])"  # no letter, digit or point before
_NA = r"(?![a-z0-9])"  # no letter or digit after

THREAD = re.compile(_NB + r"m(\d{1,2}(?:\.\d)?)(?:\s?[x×*]\s?(\d{1,4}))?" + _NA)
DIMENSIONS = re.compile(
    _NB + r"(\d{1,4}(?:\.\d{1,2})?)\s?[x×*]\s?(\d{1,4}(?:\.\d{1,2})?)"
    r"(?:\s?[x×*]\s?(\d{1,4}(?:\.\d{1,2})?))?\s?(mm|cm|毫米|厘米)?(?![a-z0-9])"
)
_MEASURE_UNITS = {
    "mm": "mm", "毫米": "mm", "cm": "cm", "厘米": "cm", "inch": "inch", "inches": "inch",
    "寸": "inch", "英寸": "inch", "v": "V", "volt": "V", "volts": "V", "伏": "V", "w": "W",
    "watt": "W", "watts": "W", "瓦": "W", "kw": "kW", "ml": "ml", "毫升": "ml", "mah": "mAh",
    "gb": "GB", "tb": "TB", "hz": "Hz", "μm": "μm", "mic": "mic", "gsm": "gsm", "克重": "gsm",
}  # fmt: skip
MEASURE = re.compile(
    _NB + r"(\d{1,5}(?:\.\d{1,3})?)\s?(inches|inch|volts|volt|watts|watt|mah|gsm|mm|cm|ml|kw|"
    r"gb|tb|hz|v|w|英寸|毫米|厘米|毫升|克重|寸|伏|瓦)(?![a-z])"
)
PAPER = re.compile(_NB + r"([ab][0-6])" + _NA)
STEEL_GRADE = re.compile(_NB + r"(q(?:195|215|235|275|345|355|390|420|460)[a-e]?)" + _NA)
STAINLESS_GRADE = re.compile(
    _NB + r"(ss|sus|aisi)?\s?(201|202|301|303|304l?|316l?|321|410|420|430)(?![0-9.])"
)
STAINLESS_NEAR = re.compile(r"stainless|不锈钢|\bss\b|\binox\b")
PROPERTY_CLASS = re.compile(
    r"(?:(?:grade|class)\s?)?(?<![\d.])(4\.6|4\.8|5\.6|5\.8|6\.8|8\.8|10\.9|12\.9)(?![\d.])"
    r"(?:\s?(?:grade|class|级))?"
)
ALUMINIUM_GRADE = re.compile(
    r"(?<![\d.])(1050|1060|1100|2024|3003|5052|5083|6061|6063|6082|7075)(?:-?t[3-6])?(?![\d.])"
)
ALUMINIUM_NEAR = re.compile(r"alumin|铝")
STANDARD = re.compile(
    _NB + r"(din|iso|gb/t|gb|ansi|astm|jis|bs)\s?([a-z]?\d{2,6}(?:[-.]\d{1,4})?)" + _NA
)
GARMENT = re.compile(
    r"\bsize\s?(xxs|xs|s|m|l|xl|xxl|xxxl|2xl|3xl|\d{1,2})\b"
    r"|" + _NB + r"(xxs|xs|xl|xxl|xxxl|2xl|3xl)" + _NA + r"|(?<![a-z0-9])(s|m|l|xl|xxl)\s?(?:码|号)"
)


def _thread(m: re.Match[str]) -> Spec:
    size = f"M{m.group(1)}" + (f"x{m.group(2)}" if m.group(2) else "")
    return Spec("size", size)


def _dimensions(m: re.Match[str]) -> Spec:
    dims = "x".join(g for g in m.group(1, 2, 3) if g)
    unit = {"毫米": "mm", "厘米": "cm"}.get(m.group(4) or "", m.group(4) or "")
    return Spec("size", dims + unit)


def _measure(m: re.Match[str]) -> Spec:
    return Spec("size", m.group(1) + _MEASURE_UNITS[m.group(2)])


def _standard(m: re.Match[str]) -> Spec:
    return Spec("standard", f"{m.group(1).upper()} {m.group(2).upper()}")


def _garment(m: re.Match[str]) -> Spec:
    return Spec("size", next(g for g in m.groups() if g).upper())


def _simple(kind: str, upper: bool = True) -> Callable[[re.Match[str]], Spec]:
    return lambda m: Spec(kind, m.group(1).upper() if upper else m.group(1))


def find_measures(doc: Doc) -> list[Spec]:
    """Every digit-bearing spec of the free text, claimed softly, in text order."""
    found: list[tuple[int, Spec]] = []
    for pattern, make in (
        (STANDARD, _standard),
        (THREAD, _thread),
        (DIMENSIONS, _dimensions),
        (MEASURE, _measure),
        (PAPER, _simple("size")),
        (STEEL_GRADE, _simple("grade")),
        (GARMENT, _garment),
    ):
        for m in pattern.finditer(doc.low):
            if doc.is_free(m.start(), m.end()):
                doc.claim(m.start(), m.end(), "spec", SOFT)
                found.append((m.start(), make(m)))
    found += _grades(doc)
    return [spec for _, spec in sorted(found, key=lambda f: f[0])]


def _grades(doc: Doc) -> list[tuple[int, Spec]]:
    """Grades that look like plain numbers, kept only in their context."""
    found: list[tuple[int, Spec]] = []
    for m in STAINLESS_GRADE.finditer(doc.low):
        near = doc.low[max(0, m.start() - 16) : m.end() + 16]
        if (m.group(1) or STAINLESS_NEAR.search(near)) and doc.is_free(m.start(), m.end()):
            doc.claim(m.start(), m.end(), "spec", SOFT)
            found.append((m.start(), Spec("grade", m.group(2).upper())))
            if m.group(1):
                found.append((m.start(), Spec("material", "stainless steel")))
    for m in PROPERTY_CLASS.finditer(doc.low):
        named = m.group(0) != m.group(1)
        if (named or m.group(1) in ("8.8", "10.9", "12.9")) and doc.is_free(m.start(), m.end()):
            doc.claim(m.start(), m.end(), "spec", SOFT)
            found.append((m.start(), Spec("grade", m.group(1))))
    for m in ALUMINIUM_GRADE.finditer(doc.low):
        near = doc.low[max(0, m.start() - 24) : m.end() + 24]
        if ALUMINIUM_NEAR.search(near) and doc.is_free(m.start(), m.end()):
            doc.claim(m.start(), m.end(), "spec", SOFT)
            found.append((m.start(), Spec("grade", m.group(1))))
    return found
