"""The intent of a turn, decided by ordered rules over its cues and slots.

The order is the point: an off-topic request wins over the words it mentions ("a poem
about bolts"; a hotel or a flight only when nothing is being bought); a change to the
draft ("no, make it 800") wins over the "no"; a question about a listed supplier wins over
selecting it; "yes" places the order only when nothing new is asked for. The dialogue
state breaks ties a turn cannot: after "how many?", "800" continues the search; with a
draft on the table, "800 pcs" edits it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from procurement_agent.understanding.model import Intent


@dataclass(frozen=True, slots=True)
class Signals:
    cues: Counter[str]
    topic: str | None  # "strong": off topic whatever else is said; "weak": unless buying
    has_product: bool
    has_quantity: bool
    has_terms: bool  # budget, unit price, deadline or place
    has_prefs: bool
    has_ref: bool
    has_supplier_name: bool
    is_question: bool


@dataclass(frozen=True, slots=True)
class Context:
    has_draft: bool = False
    awaiting: bool = False
    pending: Intent | None = None
    known: bool = False  # False: the turn is read alone, without a dialogue state


def decide(s: Signals, context: Context) -> Intent:
    cue = s.cues
    task = s.has_product or s.has_quantity
    edit_slots = s.has_quantity or s.has_terms or s.has_ref or s.has_supplier_name
    buying = s.has_product and (s.has_quantity or cue["search"] > 0)
    if s.topic == "strong" or (s.topic == "weak" and not buying):
        return Intent.OUT_OF_SCOPE
    if cue["reject"] and cue["status"] == 1 and not (task or s.is_question):
        return Intent.REJECT  # "cancel my order", "取消订单"
    if cue["status"] > 1 or (cue["status"] and not s.has_product):
        return Intent.ORDER_STATUS
    only_ref = not (s.has_quantity or s.has_terms or s.has_product)
    picks = only_ref and context.known and not context.has_draft  # nothing to edit yet
    new_search = s.has_product and cue["search"] and not context.has_draft
    changes = edit_slots or (s.has_product and context.has_draft)
    if cue["edit"] and changes and not picks and not new_search:
        return Intent.EDIT
    names_supplier = s.has_ref or s.has_supplier_name
    if names_supplier and not task and (cue["details"] or (s.is_question and not cue["select"])):
        return Intent.SUPPLIER_DETAILS
    if cue["details"] and cue["supplier"] and not task:
        return Intent.SUPPLIER_DETAILS
    if cue["reject"] and not task and not s.has_ref:
        return Intent.REJECT
    asks_more = s.has_terms or s.has_prefs or cue["search"]
    if cue["confirm"] and not task and not s.has_ref and not asks_more:
        return Intent.PLACE_ORDER
    if s.has_ref and not task:
        return Intent.SELECT_OFFER
    if cue["greeting"] and not (task or s.has_terms or s.has_prefs or cue["search"]):
        return Intent.GREETING
    return _task(s, context)


def _task(s: Signals, context: Context) -> Intent:
    searching = s.cues["search"] or s.cues["supplier"]
    has_slots = s.has_product or s.has_quantity or s.has_terms or s.has_prefs
    if context.has_draft and not searching and not s.has_product and has_slots:
        return Intent.EDIT
    if context.awaiting and has_slots and not searching and context.pending is not None:
        return context.pending
    if searching or has_slots:
        return Intent.SEARCH_OFFERS
    return Intent.OUT_OF_SCOPE
