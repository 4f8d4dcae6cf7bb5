"""Scoring the parser against the annotated utterances in ``data/*.jsonl``.

Metrics are pure functions. A scalar slot counts one true positive when predicted and gold
agree, and a false positive plus a false negative when both exist but differ; list slots
(specs, preferences) count per element. Micro precision, recall and F1 add the counts of
all slots. Each row carries its own ``today``, so dates are scored exactly.
"""

from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from procurement_agent.understanding.model import Intent, OfferRef, Understanding
from procurement_agent.understanding.state import DialogueState

DATA_DIR = Path(__file__).parent / "data"
SLOTS = ("product", "specs", "quantity", "unit", "budget", "max_unit_price", "deadline",
         "location", "preferences", "ordinal", "supplier_name")  # fmt: skip
LIST_SLOTS = frozenset({"specs", "preferences"})
SlotValue = str | list[str]


@dataclass(frozen=True, slots=True)
class Row:
    id: str
    lang: str
    today: date
    text: str
    intent: str
    slots: dict[str, SlotValue]
    context: dict[str, Any] = field(default_factory=dict)


def load_rows(path: Path) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            today = date.fromisoformat(raw["today"])
            slots, context = raw.get("slots", {}), raw.get("context", {})
            rows.append(
                Row(raw["id"], raw["lang"], today, raw["text"], raw["intent"], slots, context)
            )
    return rows


def context_state(context: Mapping[str, Any]) -> DialogueState | None:
    """The dialogue state a row's ``context`` describes (None when it has none)."""
    if not context:
        return None
    intent = context.get("intent")
    return DialogueState(
        intent=Intent(intent) if intent else None,
        product=context.get("product"),
        has_draft=bool(context.get("has_draft")),
        offers_shown=int(context.get("offers_shown", 0)),
        awaiting=tuple(context.get("awaiting", ())),
        selected=OfferRef(context["selected"]) if "selected" in context else None,
    )


def normalise(slot: str, value: SlotValue) -> SlotValue:
    """Comparable form: NFKC lower-case text, numbers without trailing zeros, sorted lists."""
    if isinstance(value, list):
        return sorted(str(normalise(slot, v)) for v in value)
    text = " ".join(unicodedata.normalize("NFKC", value).split())
    if slot in ("quantity", "budget", "max_unit_price"):
        amount, _, currency = text.partition(" ")
        try:
            number = format(Decimal(amount).normalize(), "f")
        except InvalidOperation:
            return text
        return f"{number} {currency}".strip()
    return text.lower() if slot in ("product", "location", "supplier_name") else text


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp, self.fp, self.fn = self.tp + other.tp, self.fp + other.fp, self.fn + other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def slot_counts(
    gold: Mapping[str, SlotValue], predicted: Mapping[str, SlotValue]
) -> dict[str, Counts]:
    """Per-slot counts for one utterance."""
    out: dict[str, Counts] = {}
    for slot in SLOTS:
        g = normalise(slot, gold[slot]) if slot in gold else None
        p = normalise(slot, predicted[slot]) if slot in predicted else None
        if g is None and p is None:
            continue
        if slot in LIST_SLOTS:
            gs, ps = list(g or []), list(p or [])
            tp = sum(1 for v in ps if v in gs)
            out[slot] = Counts(tp, len(ps) - tp, len(gs) - tp)
        elif g == p:
            out[slot] = Counts(1, 0, 0)
        else:
            out[slot] = Counts(0, int(p is not None), int(g is not None))
    return out


@dataclass(slots=True)
class Report:
    rows: int = 0
    intent_correct: int = 0
    micro: Counts = field(default_factory=Counts)
    per_slot: dict[str, Counts] = field(default_factory=dict)
    per_lang: dict[str, Counts] = field(default_factory=dict)
    intent_per_lang: dict[str, tuple[int, int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def intent_accuracy(self) -> float:
        return self.intent_correct / self.rows if self.rows else 1.0


def evaluate(
    rows: Iterable[Row], parse: Callable[..., Understanding], *, repeat: int = 1
) -> Report:
    """Score ``parse`` on ``rows``; each row is parsed ``repeat`` times for the latencies."""
    report = Report()
    for row in rows:
        state = context_state(row.context)
        started = time.perf_counter()
        for _ in range(repeat):
            understanding = parse(row.text, today=row.today, context=state)
        report.latencies_ms.append((time.perf_counter() - started) * 1000 / repeat)
        predicted = understanding.slots()
        report.rows += 1
        correct = understanding.intent.value == row.intent
        report.intent_correct += correct
        right, total = report.intent_per_lang.get(row.lang, (0, 0))
        report.intent_per_lang[row.lang] = (right + correct, total + 1)
        for slot, counts in slot_counts(row.slots, predicted).items():
            report.micro.add(counts)
            report.per_slot.setdefault(slot, Counts()).add(counts)
            report.per_lang.setdefault(row.lang, Counts()).add(counts)
            if counts.fp or counts.fn:
                gold, got = row.slots.get(slot), predicted.get(slot)
                report.errors.append(
                    f"{row.id} {slot}: gold={gold!r} predicted={got!r} | {row.text}"
                )
        if not correct:
            got_intent = understanding.intent.value
            report.errors.append(
                f"{row.id} intent: gold={row.intent} predicted={got_intent} | {row.text}"
            )
    return report


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]
