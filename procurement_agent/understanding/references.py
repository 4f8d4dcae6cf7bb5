"""References to what the agent showed: quoted supplier names and listed offers by
position ("the second one", "supplier 2", "第二家", "最后一个").

A quoted name is claimed whole, so nothing inside it is read as a place or a product
("'Ningbo Fastener Co.'" is a supplier, not a delivery to Ningbo).
"""

from __future__ import annotations

import re

from procurement_agent.understanding.model import OfferRef
from procurement_agent.understanding.numerals import parse_numeral
from procurement_agent.understanding.text import Doc

QUOTED = re.compile(
    r"[\"“”„]([^\"“”\n]{1,80})[\"“”]"
    r"|(?<![A-Za-z0-9])'([^'\n]{1,80})'(?![A-Za-z0-9])"
    r"|‘([^’\n]{1,80})’"
    r"|[「『《]([^」』》\n]{1,80})[」』》]"
)
COMPANY_WORDS = re.compile(
    r"(?i)\b(?:ltd|limited|co|inc|llc|gmbh|corp|corporation|company|group|industries|"
    r"industrial|trading|factory|manufacturing|technology|tech|s\.?a|b\.?v|ag|plc)\b\.?"
    r"|公司|有限|集团|厂|五金|贸易|科技|实业|工贸|制造|电子|商行|供应链"
)
_SUPPLIER_CUES = re.compile(
    r"(?:from|about|with|use|using|who is|who's|supplier|vendor|seller|用|选|换成|换|说说|介绍|"
    r"关于|找)\s*$"
)
_THAT_ONE = re.compile(r"^\s*(?:那家|这家|家|公司|的)")

_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5,
    "6th": 6, "7th": 7, "8th": 8, "9th": 9, "10th": 10, "last": -1,
}  # fmt: skip
_REF_NOUNS = (
    r"one|ones|supplier|vendor|option|offer|quote|choice|company|seller|factory|manufacturer|"
    r"listing|result"
)
EN_ORDINAL = re.compile(
    r"\b(the\s+)?(" + "|".join(_ORDINAL_WORDS) + r")\b(?:\s+(" + _REF_NOUNS + r")\b)?"
)
EN_NUMBERED = re.compile(
    r"\b(?:supplier|vendor|option|offer|choice|number|no\.?|item|result|quote|seller)\s*#?\s*"
    r"(\d{1,2})\b|#(\d{1,2})\b"
)
ZH_ORDINAL = re.compile(
    r"第\s*([0-9一二两三四五六七八九十]{1,3})\s*(?:个|家|位|款|条|名|号|项|种|个供应商|家供应商)?"
    r"|(?:最后|倒数第一)\s*(?:一\s*)?(?:个|家|位|款|条)"
)
_NEGATED = re.compile(r"(?:\bnot|不是|不要|别)\s?(?:the\s)?$")
# After "the first": the ordinal stands alone only at the end of a clause.
_ALONE_AFTER = re.compile(r"^\s*(?:$|[,.!?;]|please\b|instead\b|pls\b|then\b|is\b|was\b)")


def supplier_name(doc: Doc) -> str | None:
    """The first quoted text that names a company; claims every quoted company name."""
    found: str | None = None
    for match in QUOTED.finditer(doc.text):
        name = next(g for g in match.groups() if g is not None).strip(" ,;:!?")
        before = doc.low[max(0, match.start() - 16) : match.start()]
        after = doc.low[match.end() : match.end() + 4]
        if name and (
            COMPANY_WORDS.search(name) or _SUPPLIER_CUES.search(before) or _THAT_ONE.match(after)
        ):
            doc.claim(match.start(), match.end(), "supplier_name")
            found = found or _clean_name(name)
    return found


def _clean_name(name: str) -> str:
    return " ".join(name.split())


def offer_ref(doc: Doc) -> OfferRef | None:
    """The first positional reference to a listed offer, claimed."""
    found: list[tuple[int, OfferRef]] = []
    for m in ZH_ORDINAL.finditer(doc.low):
        if not doc.is_free(m.start(), m.end()):
            continue
        position = -1 if m.group(1) is None else parse_numeral(m.group(1))
        if position is not None and (position == -1 or 1 <= position <= 99):
            doc.claim(m.start(), m.end(), "ref")
            found.append((m.start(), OfferRef(int(position))))
    for m in EN_NUMBERED.finditer(doc.low):
        if doc.is_free(m.start(), m.end()):
            doc.claim(m.start(), m.end(), "ref")
            found.append((m.start(), OfferRef(int(m.group(1) or m.group(2)))))
    for m in EN_ORDINAL.finditer(doc.low):
        has_noun, has_the = m.group(3) is not None, m.group(1) is not None
        alone = has_the and _ALONE_AFTER.match(doc.low[m.end() : m.end() + 10]) is not None
        if (has_noun or alone) and doc.is_free(m.start(), m.end()):
            doc.claim(m.start(), m.end(), "ref")
            found.append((m.start(), OfferRef(_ORDINAL_WORDS[m.group(2)])))
    kept = [f for f in found if not _NEGATED.search(doc.low[max(0, f[0] - 8) : f[0]])]
    return min(kept or found, key=lambda f: f[0])[1] if found else None
