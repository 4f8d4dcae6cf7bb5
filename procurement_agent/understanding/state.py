"""The dialogue state: slots merged across turns, what is still missing, and the one
clarifying question that asks for it in the buyer's language."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from procurement_agent.understanding.model import (
    SORT_PREFERENCES,
    Amount,
    Intent,
    OfferRef,
    Place,
    Preference,
    Quantity,
    Spec,
    Understanding,
)

SLOT_NAMES = ("product", "quantity", "deadline", "location", "budget")
# What each step needs before the agent can act: a search needs a product; a draft order
# (selecting an offer, or placing one) needs the product and how many.
REQUIRED: dict[Intent, tuple[str, ...]] = {
    Intent.SEARCH_OFFERS: ("product",),
    Intent.SELECT_OFFER: ("product", "quantity"),
    Intent.PLACE_ORDER: ("product", "quantity"),
}


@dataclass(frozen=True, slots=True)
class DialogueState:
    lang: Literal["en", "zh"] = "en"
    intent: Intent | None = None  # the task under way (a search, or the draft it led to)
    product: str | None = None
    specs: tuple[Spec, ...] = ()
    quantity: Quantity | None = None
    budget: Amount | None = None
    max_unit_price: Amount | None = None
    deadline: date | None = None
    location: Place | None = None
    preferences: tuple[Preference, ...] = ()
    supplier_name: str | None = None
    selected: OfferRef | None = None
    offers_shown: int = 0  # how many offers the agent listed last
    has_draft: bool = False  # a purchase order draft awaits confirmation
    awaiting: tuple[str, ...] = ()  # the slots the agent just asked for

    def merge(self, u: Understanding) -> DialogueState:
        """The state after the turn ``u``: a new product starts a new search (its specs,
        quantity, prices and choice go; place, deadline and preferences stay); other turns
        update the slots they mention."""
        state = replace(self, lang=u.reply_lang)
        if u.intent in (Intent.SEARCH_OFFERS, Intent.EDIT):
            if u.product and state.product and u.product != state.product:
                state = replace(
                    state, specs=(), quantity=None, budget=None, max_unit_price=None,
                    supplier_name=None, selected=None, has_draft=False, offers_shown=0,
                )  # fmt: skip
            state = _update(state, u)
            if u.intent is Intent.SEARCH_OFFERS or state.intent is None:
                state = replace(state, intent=Intent.SEARCH_OFFERS)
        elif u.intent is Intent.SELECT_OFFER:
            state = replace(state, selected=u.ref or state.selected,
                            supplier_name=u.supplier_name or state.supplier_name)  # fmt: skip
        elif u.intent is Intent.REJECT:
            state = replace(state, has_draft=False, selected=None)
        still = tuple(slot for slot in state.awaiting if getattr(state, slot) is None)
        return replace(state, awaiting=still)

    def asking(self, missing: Sequence[str]) -> DialogueState:
        """The state once the agent asked for ``missing``."""
        return replace(self, awaiting=tuple(missing))

    def showing(self, offers: int) -> DialogueState:
        """The state once the agent listed ``offers`` offers."""
        return replace(self, offers_shown=offers)

    def drafting(self, has_draft: bool = True) -> DialogueState:
        """The state once the agent drafted a purchase order (or dropped it)."""
        return replace(self, has_draft=has_draft)


def _update(state: DialogueState, u: Understanding) -> DialogueState:
    specs = state.specs
    if u.specs:
        kinds = {s.kind for s in u.specs}
        specs = tuple(s for s in state.specs if s.kind not in kinds) + u.specs
    quantity = u.quantity
    if quantity is not None and quantity.unit is None and state.quantity is not None:
        quantity = Quantity(quantity.amount, state.quantity.unit)  # "make it 800": same unit
    return replace(
        state,
        product=u.product or state.product,
        specs=specs,
        quantity=quantity or state.quantity,
        budget=u.budget or state.budget,
        max_unit_price=u.max_unit_price or state.max_unit_price,
        deadline=u.deadline or state.deadline,
        location=u.location or state.location,
        preferences=merge_preferences(state.preferences, u.preferences),
        supplier_name=u.supplier_name or state.supplier_name,
        selected=u.ref or state.selected,
    )


def merge_preferences(
    old: Sequence[Preference], new: Sequence[Preference]
) -> tuple[Preference, ...]:
    """A new sort preference replaces the old one; "verified only" accumulates."""
    if any(p in SORT_PREFERENCES for p in new):
        old = [p for p in old if p not in SORT_PREFERENCES]
    return tuple(dict.fromkeys((*old, *new)))


def missing_slots(state: DialogueState, intent: Intent) -> tuple[str, ...]:
    """The required slots of ``intent`` that the state does not hold yet."""
    return tuple(slot for slot in REQUIRED.get(intent, ()) if getattr(state, slot) is None)


# (opening question, short follow-up) per slot and language.
_QUESTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "product": ("What product do you need", "which product"),
        "quantity": ("How many do you need", "how many"),
        "deadline": ("By when do you need it", "by when"),
        "location": ("Where should it be delivered", "where to"),
        "budget": ("What is your budget", "what budget"),
    },
    "zh": {
        "product": ("请问您要采购什么产品", "什么产品"),
        "quantity": ("请问需要多少数量", "需要多少"),
        "deadline": ("请问什么时候需要到货", "什么时候要"),
        "location": ("请问送到哪里", "送到哪里"),
        "budget": ("请问预算是多少", "预算多少"),
    },
}


def clarifying_question(missing: Sequence[str], lang: str) -> str:
    """One concise question naming every missing slot, in English or Chinese (mixed turns
    are answered in Chinese): "How many do you need, and by when?", "请问需要多少数量？"."""
    table = _QUESTIONS["en" if lang == "en" else "zh"]
    slots = [s for s in SLOT_NAMES if s in missing] or ["product"]
    first, rest = table[slots[0]][0], [table[s][1] for s in slots[1:]]
    if lang != "en":
        return "，".join([first, *rest]) + "？"
    if not rest:
        return first + "?"
    return (
        first
        + ", "
        + ", ".join(rest[:-1])
        + (", " if len(rest) > 1 else "")
        + "and "
        + rest[-1]
        + "?"
    )
