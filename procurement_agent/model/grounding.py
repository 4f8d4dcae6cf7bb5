"""Grounding check: every id, name, product, price and number in a reply must come from a
tool result of this conversation (or, for numbers, from the buyer's own words).

What it checks in a reply:

- code spans (ids) equal a string of a tool result;
- bold spans (supplier names, products) and the text cells of tables are part of a
  string of a tool result (after the same ``clean`` the replies apply; ``…`` marks a cut);
- ISO dates appear in a tool result;
- every other number (prices, quantities, days, ratings; "97.5%" as 0.975) equals a
  number in a tool result or a buyer's message. Row labels ``#1``, ``#2`` are the
  reply's own.

It is a check on the templates (and a tool for evaluating any model's replies); names a
free-form reply writes without Markdown emphasis are beyond it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from procurement_agent.model.results import decode
from procurement_agent.model.text import ELLIPSIS, clean, ident

CODE = re.compile(r"`([^`]*)`")
BOLD = re.compile(r"\*\*(.+?)\*\*")
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
ROW_LABEL = re.compile(r"#\d{1,3}\b")
NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?%?")
# Words the templates put in table cells next to values.
CELL_WORDS = re.compile(
    r"[✓✗—]|¥|\$|€|£|HK\$|JP¥|\b(?:days?|min|[A-Z]{3})\b|天|起订|\d[\d,]*(?:\.\d+)?|[\s:%()]+"
)


@dataclass
class Evidence:
    """Strings and numbers the tool results (and the buyer) gave."""

    strings: list[str] = field(default_factory=list)  # cleaned as names are shown
    ids: set[str] = field(default_factory=set)  # cleaned as ids are shown
    numbers: set[Decimal] = field(default_factory=set)

    def add_text(self, text: str) -> None:
        for token in NUMBER.findall(text):
            if (value := _number(token.rstrip("%"))) is not None:
                self.numbers.add(value)

    def add_result(self, value: Any) -> None:
        for scalar in _scalars(value):
            if isinstance(scalar, bool):
                continue
            if isinstance(scalar, int | float):
                self.numbers.add(Decimal(str(scalar)).normalize())
            else:
                self.strings.append(clean(scalar, None))
                self.ids.add(ident(scalar))
                self.add_text(scalar)

    def has_string(self, text: str) -> bool:
        part = clean(text, None).removesuffix(ELLIPSIS).strip()
        return not part or any(part in s for s in self.strings)


def evidence_from(buyer_texts: Sequence[str], results: Sequence[Any]) -> Evidence:
    evidence = Evidence()
    for text in buyer_texts:
        evidence.add_text(text)
    for result in results:
        evidence.add_result(result)
    return evidence


def evidence_of(messages: Sequence[Any]) -> Evidence:
    """The evidence in a LangChain message list: buyers' texts and tool results' JSON."""
    buyer, results = [], []
    for m in messages:
        if m.type == "human":
            buyer.append(m.text)
        elif m.type == "tool" and (value := decode(m.text)) is not None:
            results.append(value)
    return evidence_from(buyer, results)


def ungrounded(reply: str, evidence: Evidence) -> list[str]:
    """The parts of ``reply`` that no tool result (or buyer's number) supports."""
    problems = [f"id {c!r}" for c in CODE.findall(reply) if c not in evidence.ids]
    rest = CODE.sub(" ", reply)
    problems += [f"name {b!r}" for b in BOLD.findall(rest) if not evidence.has_string(b)]
    for cell in _table_cells(rest):
        words = CELL_WORDS.sub(" ", cell).strip()
        if words and not evidence.has_string(cell.strip()):
            problems.append(f"cell {cell.strip()!r}")
    for day in DATE.findall(rest):
        if not evidence.has_string(day):
            problems.append(f"date {day!r}")
    rest = ROW_LABEL.sub(" ", DATE.sub(" ", rest))
    for token in NUMBER.findall(rest):
        value = _number(token.rstrip("%"))
        if value is None:
            continue
        if token.endswith("%"):
            value = (value / 100).normalize()  # rates are 0-1 in tool results
        if value not in evidence.numbers:
            problems.append(f"number {token!r}")
    return problems


def _table_cells(text: str) -> Iterator[str]:
    """The body cells of Markdown tables, but the first (row label) column."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        is_body = line.startswith("|") and i >= 2 and lines[i - 1].startswith("|")
        if is_body and not set(line) <= set("|-: "):
            yield from line.strip().strip("|").split("|")[1:]


def _scalars(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _scalars(v)
    elif isinstance(value, list):
        for v in value:
            yield from _scalars(v)
    elif value is not None:
        yield value


def _number(token: str) -> Decimal | None:
    try:
        return Decimal(token.replace(",", "")).normalize()
    except InvalidOperation:
        return None
