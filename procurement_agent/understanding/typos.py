"""Typo repair for the English words the parser relies on ("suplier", "cheapst", "dilivered").

Only towards a known word, only when exactly one known word is one edit away, and only by
the edits typing makes: a dropped or mistyped letter (words of six letters or more), two
neighbours swapped (five or more: "qoute"). A word one letter longer than a known word is
left alone ("flower" is not "lower"), and so are real words listed in ``PROTECTED`` that sit
one letter from a cue ("locking" is not "looking", "pellets" are not "pallets").
Candidates come from a delete index, so a word costs
a few dictionary probes, not a scan of the vocabulary.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from functools import cache

from procurement_agent.understanding.amounts import UNITS_EN
from procurement_agent.understanding.lexicon import known_latin_words
from procurement_agent.understanding.numerals import EN_NUMBER_WORDS

MIN_LENGTH = 6  # for any single edit
MIN_SWAP_LENGTH = 5  # two neighbours swapped ("qoute") rarely makes another word
MAX_LENGTH = 20
# Frequent short chat spellings, repaired as they are.
SHORT_FIXES: dict[str, str] = {
    "ned": "need", "nead": "need", "pls": "please", "plz": "please", "ur": "your",
    "thx": "thanks", "wat": "what", "wher": "where", "whre": "where", "chep": "cheap",
    "cheep": "cheap", "qty": "quantity", "byu": "buy", "pices": "pieces", "peices": "pieces",
}  # fmt: skip
# Real words one edit away from a known word: never "repaired".
PROTECTED = frozenset(
    ["supplies", "supplied", "shipper", "shipment", "delivers", "plates", "places", "prices",
     "priced", "stainless", "ordered", "orders", "needle", "needles", "fastener", "fasteners",
     "finder", "binder", "tracker", "tracks", "trucks", "truck", "budgets", "shopping", "chipping",
     "charge", "charges", "charger", "chance", "forged", "cooking", "booking", "hooking",
     "locking", "trucking", "elastic", "woolen", "woollen", "hopper", "hoppers", "copier",
     "copiers", "sealer", "sealers", "pellet", "pellets", "swatch", "swatches", "racing", "retail",
     "retailer", "retailers", "marker", "markers", "skates", "slates", "pounds", "rounds",
     "telling", "yelling", "spelling", "smelling", "swelling", "mourning", "cracking", "thinks",
     "sander", "sanded", "banded", "handed", "bottle", "bottles", "carton", "coupler"]
)  # fmt: skip
EXTRA_TARGETS = frozenset(
    ["deliver", "delivered", "delivery", "delivering", "shipping", "please", "within", "before",
     "budget", "quantity", "pieces", "cartons", "pallets", "dozen", "january", "february", "march",
     "april", "june", "july", "august", "september", "october", "november", "december", "monday",
     "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "tomorrow", "weeks",
     "months", "business", "working"]
)  # fmt: skip
_WORD = re.compile(r"[A-Za-z]+")


@cache
def _index() -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """(words never repaired, delete index of the words repairs aim at)."""
    # Number words are not repair targets: "there" is one swap from "three".
    targets = known_latin_words(repairable=True) | EXTRA_TARGETS
    index: dict[str, set[str]] = {}
    for word in targets:
        if len(word) >= MIN_SWAP_LENGTH:
            for key in (word, *_deletes(word)):
                index.setdefault(key, set()).add(word)
    known = known_latin_words() | EN_NUMBER_WORDS | frozenset(UNITS_EN) | PROTECTED | targets
    return known, {k: frozenset(v) for k, v in index.items()}


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """Damerau distance exactly one (a != b)."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i = diff[0] if len(diff) == 2 else -1
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def correct_word(word: str) -> str:
    low = word.lower()
    if low in SHORT_FIXES:
        return SHORT_FIXES[low]
    known, index = _index()
    if low in known or not MIN_SWAP_LENGTH <= len(low) <= MAX_LENGTH:
        return word
    if low.endswith("s") and (low[:-1] in known or low[:-2] in known):
        return word  # a plural of a known word is a word
    found: set[str] = set()
    for key in (low, *_deletes(low)):
        found |= index.get(key, frozenset())
    # A typo drops, swaps or mistypes a letter; a word with one letter more than a known
    # word is usually another word ("flower", "lower").
    candidates = {t for t in found if len(t) >= len(low) and t != low and _one_edit(low, t)}
    if len(low) < MIN_LENGTH:
        candidates = {t for t in candidates if sorted(t) == sorted(low)}  # swaps only
    return candidates.pop() if len(candidates) == 1 else word


def correct(text: str, protected: list[tuple[int, int]] | None = None) -> str:
    """``text`` with its English typos repaired, outside the ``protected`` spans (sorted,
    not overlapping: the quoted names)."""
    spans = protected or []
    starts = [start for start, _ in spans]

    def fix(match: re.Match[str]) -> str:
        i = bisect_right(starts, match.start()) - 1
        if i >= 0 and match.start() < spans[i][1]:
            return match.group()
        return correct_word(match.group())

    return _WORD.sub(fix, text)
