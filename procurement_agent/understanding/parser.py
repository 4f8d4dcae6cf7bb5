"""``parse``: one buyer turn (English, Chinese or both) -> intent and slots.

Pure Python, deterministic, no model weights. Extractors run in a fixed order, each
claiming the characters it used: quoted supplier names, offer references, calendar dates,
digit-bearing specs, then numbers (durations, money, quantities), then the phrase table
(places, materials, colours, preferences, cues), and last the product phrase from what is
left. Rules then pick the intent (``intents.py``) and keep the slots that intent uses.

Only for what a buyer types: text written by suppliers (titles, descriptions, messages)
is data for the tools, never parsed as instructions.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date

from procurement_agent.understanding import amounts, deadlines, measures, references, typos
from procurement_agent.understanding.gazetteer import AMBIGUOUS_EN, AMBIGUOUS_ZH, PLACES
from procurement_agent.understanding.intents import Context, Signals, decide
from procurement_agent.understanding.lexicon import lexicon
from procurement_agent.understanding.matcher import Match
from procurement_agent.understanding.model import (
    Intent,
    Lang,
    OfferRef,
    Place,
    Preference,
    Quantity,
    Spec,
    Understanding,
)
from procurement_agent.understanding.numbers import find_numbers
from procurement_agent.understanding.products import ProductPhrase, find_product, pieces
from procurement_agent.understanding.state import DialogueState
from procurement_agent.understanding.text import SOFT, Doc, detect_lang, normalize

ORDER_REF = re.compile(
    r"(?:\bpo\s?[-#:]?\s?|\border\s?(?:no\.?|number|#|:)\s?|订单号?\s?:?\s?)(?:[a-z]{1,4}-?)?\d[\w-]{2,30}"
)
DELIVERY_BEFORE = re.compile(
    r"(?:deliver(?:ed|y|ing)?|ship(?:ped|ping)?|send|sent|dispatch(?:ed)?|to|into|at|for|"
    r"送到|送往|送去|送货到|送|发到|发往|发去|发|寄到|寄往|寄|运到|运往|运|到|至|去)"
    r"\s?(?:it|them|the goods)?\s?(?:to\s)?\s?(?:our\s|the\s)?$"
)
ORIGIN_BEFORE = re.compile(
    r"(?:from|made in|based in|located in|(?:suppliers?|vendors?|sellers?|factory|factories|"
    r"manufacturers?|makers?)\s(?:in|from|around)|从|产地|产自)\s?$"
)
ORIGIN_AFTER = re.compile(
    r"^\s?(?:的?供应商|的?厂家|的?工厂|产|based|suppliers?|factory|factories)"
)
QUESTION = re.compile(
    r"\?|吗|呢|多久|多少|什么|怎么|哪|\b(?:is|are|does|do|has|what|who|how|which)\b"
)
SPEC_KINDS = {"material": "material", "colour": "colour", "standard": "standard"}
_PRIORITY = ("place", "material", "colour", "standard", "pref", "topic", "cue:", "filler", "keep")


@dataclass(slots=True)
class _Found:
    """What the extractors found in one turn, before the intent decides what to keep."""

    specs: list[tuple[int, Spec]] = field(default_factory=list)  # from the phrase table
    prefs: list[Preference] = field(default_factory=list)
    delivery: list[Place] = field(default_factory=list)  # after "to", "送到"...
    places: list[Place] = field(default_factory=list)  # neither delivery nor origin
    cues: Counter[str] = field(default_factory=Counter)
    topic: str | None = None  # "strong" or "weak" (lexicon.TOPICS)
    ref: OfferRef | None = None
    supplier_name: str | None = None
    measures: list[Spec] = field(default_factory=list)  # digit-bearing specs
    dates: list[tuple[int, date]] = field(default_factory=list)
    money: list[amounts.MoneyMention] = field(default_factory=list)
    quantity: Quantity | None = None
    phrase: ProductPhrase | None = None

    @property
    def all_specs(self) -> tuple[Spec, ...]:
        """Every spec in text order, less a material that heads the product ("copy paper")."""
        head = self.phrase.head_material if self.phrase is not None else None
        words = [s for at, s in sorted(self.specs, key=lambda f: f[0]) if not head or at != head[0]]
        return tuple(dict.fromkeys([*self.measures, *words]))

    @property
    def deadline(self) -> date | None:
        return min(self.dates, key=lambda d: d[0])[1] if self.dates else None

    def signals(self, doc: Doc) -> Signals:
        return Signals(
            cues=self.cues,
            topic=self.topic,
            has_product=self.phrase is not None,
            has_quantity=self.quantity is not None,
            has_terms=bool(self.money or self.dates or self.delivery or self.places),
            has_prefs=bool(self.prefs),
            has_ref=self.ref is not None,
            has_supplier_name=self.supplier_name is not None,
            is_question=QUESTION.search(doc.low) is not None,
        )


def parse(text: str, *, today: date, context: DialogueState | None = None) -> Understanding:
    """What the buyer's turn asks for. Never raises on any text; see the module docstring."""
    normalized = normalize(text if isinstance(text, str) else "")
    quoted = [(m.start(), m.end()) for m in references.QUOTED.finditer(normalized)]
    doc = Doc(typos.correct(normalized, quoted))
    found = _extract(doc, today, context)
    intent = decide(found.signals(doc), _context(context))
    return _understanding(text, detect_lang(doc.text), intent, found)


def _extract(doc: Doc, today: date, context: DialogueState | None) -> _Found:
    """Run the extractors in their order (each claims what it used)."""
    supplier_name = references.supplier_name(doc)
    ref = references.offer_ref(doc)
    for m in ORDER_REF.finditer(doc.low):
        if doc.is_free(m.start(), m.end()):
            doc.claim(m.start(), m.end(), "order_ref")
    dates = deadlines.absolute_dates(doc, today)
    measures_found = measures.find_measures(doc)
    dates += deadlines.relative_dates(doc, today)
    numbers = find_numbers(doc)
    dates += deadlines.durations(doc, numbers, today)
    money = amounts.find_money(doc, numbers)
    expecting = context is not None and (bool(context.awaiting) or context.has_draft)
    quantity = amounts.find_quantity(doc, numbers, expecting=expecting)
    found = _apply_lexicon(doc, lexicon().scan(doc))
    found.ref, found.supplier_name = ref or found.ref, supplier_name
    found.measures, found.dates, found.money, found.quantity = (
        measures_found,
        dates,
        money,
        quantity,
    )
    found.phrase = _product(doc, found)
    return found


def _product(doc: Doc, found: _Found) -> ProductPhrase | None:
    """The product phrase; first words of the turn count only as far as the turn is a
    request ("number 2 looks right" names no product)."""
    phrase = find_product(doc, pieces(doc))
    if phrase is None or phrase.anchored or found.measures or found.specs:
        return phrase
    if found.quantity is not None or found.prefs:
        return phrase
    other = ("confirm", "reject", "select", "greeting", "details", "status", "edit")
    if found.ref is not None or any(found.cues[c] for c in other):
        return None
    return phrase


def _context(state: DialogueState | None) -> Context:
    if state is None:
        return Context()
    return Context(state.has_draft, bool(state.awaiting), state.intent, known=True)


def _apply_lexicon(doc: Doc, matches: list[Match]) -> _Found:
    found = _Found()
    previous_pref: tuple[Match, Preference] | None = None
    for match in matches:
        entry = next(e for p in _PRIORITY for e in match.entries if e.kind.startswith(p))
        kind = entry.kind
        if kind == "keep":
            continue
        if kind == "place":
            if _take_place(doc, match, entry.value, found):
                continue
            entry = next((e for e in match.entries if e.kind != "place"), entry)
            kind = entry.kind
            if kind == "place":
                continue
        if (
            kind == "cue:refnoun"
            and previous_pref is not None
            and _adjacent(doc, previous_pref[0], match)
        ):
            found.ref = found.ref or OfferRef(by=previous_pref[1])
            found.prefs.remove(previous_pref[1])
        if kind in SPEC_KINDS:
            doc.claim(match.start, match.end, kind, SOFT)
            found.specs.append((match.start, Spec(SPEC_KINDS[kind], entry.value)))
            continue
        doc.claim(match.start, match.end, kind)
        if kind == "pref":
            found.prefs.append(Preference(entry.value))
            previous_pref = (match, Preference(entry.value))
            continue
        if kind == "topic":
            found.topic = "strong" if "strong" in (found.topic, entry.value) else entry.value
        elif kind.startswith("cue:"):
            found.cues[kind[4:]] += 1
        previous_pref = None
    return found


def _adjacent(doc: Doc, first: Match, second: Match) -> bool:
    gap = doc.low[first.end : second.start].strip()
    return gap in ("", "的", "one", "the")


def _take_place(doc: Doc, match: Match, key: str, found: _Found) -> bool:
    """Claim a place (with the delivery words before it); keep it unless it is an origin
    ("from Ningbo", "宁波的供应商"). Places after a delivery word come first."""
    surface = doc.low[match.start : match.end]
    before = doc.low[max(0, match.start - 24) : match.start]
    cue = DELIVERY_BEFORE.search(before)
    if (surface in AMBIGUOUS_ZH or surface in AMBIGUOUS_EN) and cue is None:
        return False
    start = match.start - len(cue.group()) if cue is not None else match.start
    doc.claim(start if doc.is_free(start, match.start) else match.start, match.end, "place")
    if cue is not None:
        found.delivery.append(PLACES[key])
    elif not (
        ORIGIN_BEFORE.search(before) or ORIGIN_AFTER.match(doc.low[match.end : match.end + 12])
    ):
        found.places.append(PLACES[key])
    return True


def _understanding(text: str, lang: Lang, intent: Intent, found: _Found) -> Understanding:
    """Keep the slots the intent uses: all of them for a search or an edit, the reference
    for a selection or a question about a supplier, none otherwise."""
    base = Understanding(text=text, lang=lang, intent=intent)
    if intent in (Intent.SELECT_OFFER, Intent.SUPPLIER_DETAILS):
        return replace(base, ref=found.ref, supplier_name=found.supplier_name)
    if intent not in (Intent.SEARCH_OFFERS, Intent.EDIT):
        return base
    return replace(
        base,
        product=found.phrase.text if found.phrase else None,
        specs=found.all_specs,
        quantity=found.quantity,
        budget=next((m.amount for m in found.money if not m.per_unit), None),
        max_unit_price=next((m.amount for m in found.money if m.per_unit), None),
        deadline=found.deadline,
        location=next(iter(found.delivery + found.places), None),
        preferences=tuple(dict.fromkeys(found.prefs)),
        ref=found.ref if intent is Intent.EDIT else None,
        supplier_name=found.supplier_name,
    )
