"""Text handling shared by the extractors: normalisation, the claimed-span document,
latin tokens, and language detection.

Each extractor claims the characters it used, so later extractors see only what is left
(a spec's "M8" is never read as a quantity of 8). Spec claims are *soft*: the product
phrase may run through them ("304不锈钢M8螺栓" -> 螺栓); every other claim ends it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass

from procurement_agent.understanding.model import Lang

SOFT = 1  # a spec inside the product phrase
HARD = 2  # anything else: quantity, money, date, place, preference, cue

_WORD = re.compile(r"[a-z0-9]+")
_SPACES = re.compile(r"\s+")
_BREAKS = str.maketrans(dict.fromkeys(",;.!?。;!?", "\n"))


def normalize(text: str) -> str:
    """NFKC (full-width digits, letters and punctuation fold to ASCII), control and format
    characters dropped, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    if not text.isprintable():
        text = "".join(c if c.isprintable() else " " for c in text)
    return _SPACES.sub(" ", text).strip()


def is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or ch == "〇"


def lower_aligned(text: str) -> str:
    """Lower case with the same length (a character whose lower form is longer is kept)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    word: str


class Doc:
    """The normalised text, its lower-case twin, and which characters are claimed."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.low = lower_aligned(text)
        self.owner = bytearray(len(text))
        self.marks: list[tuple[int, int, str]] = []  # (start, end, tag) of every claim
        self.tokens = [Token(m.start(), m.end(), m.group()) for m in _WORD.finditer(self.low)]
        self._starts = [t.start for t in self.tokens]

    def token_from(self, index: int) -> Token | None:
        """The first latin token starting at or after ``index``."""
        i = bisect_left(self._starts, index)
        return self.tokens[i] if i < len(self.tokens) else None

    def is_free(self, start: int, end: int) -> bool:
        return start < end and not any(self.owner[start:end])

    def claim(self, start: int, end: int, tag: str, strength: int = HARD) -> None:
        self.owner[start:end] = bytes([strength]) * (end - start)
        self.marks.append((start, end, tag))

    def release(self, start: int, end: int) -> None:
        self.owner[start:end] = bytes(end - start)
        self.marks = [m for m in self.marks if m[1] <= start or m[0] >= end]

    def free_tokens(self) -> list[Token]:
        return [t for t in self.tokens if not any(self.owner[t.start : t.end])]

    def clause_before(self, index: int, limit: int = 40) -> str:
        """The lower-case text before ``index`` back to the last clause break (bounded)."""
        piece = self.low[max(0, index - limit) : index]
        return piece[piece.translate(_BREAKS).rfind("\n") + 1 :]

    def masked(self) -> str:
        """The lower-case text with every claimed character replaced by NUL."""
        chars = list(self.low)
        for start, end, _tag in self.marks:
            chars[start:end] = "\0" * (end - start)
        return "".join(chars)

    def after(self, index: int, limit: int = 24) -> str:
        return self.low[index : index + limit]


# Latin-letter codes that Chinese text uses as they are: they do not make a turn mixed.
CODES = frozenset(
    ["led", "lcd", "pvc", "abs", "pla", "pet", "pp", "pe", "pu", "eva", "tpu", "rmb", "cny", "usd",
     "eur", "gbp", "hkd", "jpy", "ce", "rohs", "fda", "ul", "din", "iso", "gb", "ss", "sus", "usb",
     "hdmi", "mm", "cm", "kg", "pcs", "pc", "moq", "po", "sku", "oem", "odm", "diy", "ic", "pcb",
     "cnc", "nfc", "gps", "ai", "it"]
)  # fmt: skip


def detect_lang(text: str) -> Lang:
    """zh when Han characters carry the turn, en when there are none, mixed when both Han
    characters and English words (not codes like M8, A4, PVC or RMB) appear."""
    han = sum(1 for c in text if is_han(c))
    words = [w for w in re.findall(r"[A-Za-z]{2,}", text) if w.lower() not in CODES]
    if han == 0:
        return "en"
    return "mixed" if words else "zh"
