"""Longest-match lookup of known phrases, in linear time.

Latin phrases match whole tokens (a dictionary keyed by word tuples, at most
``max_words`` long, joined only by spaces, hyphens or apostrophes); Han phrases match
character substrings (at most ``max_chars`` long). No regular expression is built from
the word lists, so a long input costs a few dictionary probes per character.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from procurement_agent.understanding.text import Doc, is_han, lower_aligned, normalize

_JOINERS = frozenset(" -'’")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str  # material, colour, standard, pref, place, cue:<name>, topic, filler, ...
    value: str


@dataclass(frozen=True, slots=True)
class Match:
    start: int
    end: int
    entries: tuple[Entry, ...]

    def first(self, prefix: str) -> Entry | None:
        return next((e for e in self.entries if e.kind.startswith(prefix)), None)


class PhraseTable:
    def __init__(self, phrases: Iterable[tuple[str, Entry]]) -> None:
        self.latin: dict[tuple[str, ...], tuple[Entry, ...]] = {}
        self.han: dict[str, tuple[Entry, ...]] = {}
        self.han_lengths: dict[str, tuple[int, ...]] = {}
        for phrase, entry in phrases:
            key = lower_aligned(normalize(phrase))
            if any(is_han(c) for c in key):
                self.han[key] = (*self.han.get(key, ()), entry)
            else:
                words = tuple(_WORD.findall(key))
                if words:
                    self.latin[words] = (*self.latin.get(words, ()), entry)
        self.max_words = max((len(k) for k in self.latin), default=0)
        lengths: dict[str, set[int]] = {}
        for key in self.han:
            lengths.setdefault(key[0], set()).add(len(key))
        self.han_lengths = {c: tuple(sorted(ls, reverse=True)) for c, ls in lengths.items()}

    def candidates(self, doc: Doc) -> list[Match]:
        """Every match on free text (overlapping ones included)."""
        found: list[Match] = []
        tokens = doc.free_tokens()
        for i in range(len(tokens)):
            end = i
            for size in range(1, self.max_words + 1):
                end = i + size - 1
                if end >= len(tokens):
                    break
                if size > 1 and not _joined(doc.low, tokens[end - 1].end, tokens[end].start):
                    break
                words = tuple(t.word for t in tokens[i : end + 1])
                entries = self.latin.get(words)
                if entries:
                    found.append(Match(tokens[i].start, tokens[end].end, entries))
        low = doc.low
        for i, ch in enumerate(low):
            lengths = self.han_lengths.get(ch)
            if not lengths or doc.owner[i]:
                continue
            for size in lengths:
                piece = low[i : i + size]
                if len(piece) == size and piece in self.han and doc.is_free(i, i + size):
                    found.append(Match(i, i + size, self.han[piece]))
        return found

    def scan(self, doc: Doc) -> list[Match]:
        """Non-overlapping matches, longer first, then leftmost; in text order."""
        chosen: list[Match] = []
        taken = bytearray(len(doc.text))
        ranked = sorted(self.candidates(doc), key=lambda m: (m.start - m.end, m.start))
        for match in ranked:
            if not any(taken[match.start : match.end]):
                taken[match.start : match.end] = b"\x01" * (match.end - match.start)
                chosen.append(match)
        return sorted(chosen, key=lambda m: m.start)


def _joined(low: str, end: int, start: int) -> bool:
    gap = low[end:start]
    return len(gap) <= 2 and all(c in _JOINERS for c in gap)
