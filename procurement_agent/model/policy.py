"""The planning policy: from the buyer's latest turn and the tool results since, ONE next
step, a tool call or a reply (see docs/agent/model.md for the state diagram).

A turn starts from its task (the buyer's intent in context); each tool result then moves
it on: search -> compare -> reply with a proposal; draft -> check_budget -> place_order
(or submit_for_approval) -> reply. Writes are where the agent's human-in-the-loop
middleware pauses for the buyer's confirmation. Only bound tools are called: without one
the policy replies with what it has.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from procurement_agent.model import order_replies, replies
from procurement_agent.model.conversation import Turn
from procurement_agent.model.ranking import SORTS, preference_of, proposal, rank
from procurement_agent.model.results import Outcome
from procurement_agent.tool_specs import (
    BudgetCheckResult,
    CompareOffersResult,
    DraftResult,
    OfferSummary,
    OrderResult,
    SearchOffersResult,
)
from procurement_agent.understanding import (
    DialogueState,
    Intent,
    OfferRef,
    Preference,
    missing_slots,
)

MAX_STEPS = 6  # tool calls in one turn; a plan never needs more than 4


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    kind: str  # which template: "clarify", "comparison", "ordered", ...
    asks: tuple[str, ...] = ()  # the slots the reply asks the buyer for
    offer_id: str | None = None  # the offer it proposes


Step = Call | Reply


@dataclass(frozen=True, slots=True)
class Settings:
    bound: frozenset[str]  # the tools bound to the model
    compare_top: int = 3
    search_limit: int = 5


def decide(turn: Turn, settings: Settings) -> Step:
    """The next step of ``turn``."""
    lang = turn.lang
    if turn.understanding is None:
        return Reply(replies.greeting(lang), "greeting")
    if len(turn.steps) >= MAX_STEPS:
        return Reply(replies.stopped(lang), "stopped")
    if not turn.steps:
        return _start(turn, settings)
    last = turn.steps[-1]
    if last.rejected:
        return Reply(
            order_replies.write_declined(last.name, _live_draft(turn), lang), "declined_write"
        )
    if last.error is not None:
        return Reply(replies.tool_failed(last.name, last.error, lang), "tool_failed")
    return AFTER[last.name](turn, last, settings)


# -- the start of a turn ----------------------------------------------------------------
def _start(turn: Turn, s: Settings) -> Step:
    lang, task, state = turn.lang, turn.task, turn.state
    if task is Intent.GREETING:
        return Reply(replies.greeting(lang), "greeting")
    if task is Intent.OUT_OF_SCOPE:
        return Reply(replies.out_of_scope(lang), "out_of_scope")
    if task is Intent.REJECT:
        return Reply(replies.declined(lang), "declined")
    if task is Intent.ORDER_STATUS:
        return _call(s, "order_status", {"reference": _reference(turn)}, lang)
    if task is Intent.SUPPLIER_DETAILS:
        row = _resolve(turn)
        if row is None:
            return _which(turn)
        return _call(s, "supplier_details", {"supplier_id": row["supplier_id"]}, lang)
    if task is Intent.EDIT and _live_draft(turn) is not None:
        return _edit(turn, s)
    if task is Intent.SELECT_OFFER:
        return _select(turn, s)
    if task is Intent.PLACE_ORDER:
        return _confirm(turn, s)
    missing = missing_slots(state, Intent.SEARCH_OFFERS)  # a search, or an edit of one
    if missing:
        return Reply(replies.clarify(missing, lang), "clarify", asks=missing)
    return _call(s, "search_offers", search_args(state, s.search_limit), lang)


def search_args(state: DialogueState, limit: int) -> dict[str, Any]:
    """The search_offers arguments for the dialogue state (none of them from tools)."""
    args: dict[str, Any] = {"product": state.product, "specs": [sp.value for sp in state.specs]}
    if (units := _units(state)) is not None:
        args["quantity"] = units
    if state.max_unit_price is not None:
        args["max_unit_price"] = str(state.max_unit_price.amount)
        if state.max_unit_price.currency:
            args["currency"] = state.max_unit_price.currency
    if state.location is not None:
        args["country"] = state.location.country
        if state.location.region:
            args["region"] = state.location.region
    if state.deadline is not None:
        args["deadline"] = state.deadline.isoformat()
    args["verified_only"] = Preference.VERIFIED_ONLY in state.preferences
    args["sort"] = SORTS[preference_of(state)]
    args["limit"] = limit
    return args


def _select(turn: Turn, s: Settings) -> Step:
    if not turn.facts.shown:
        return Reply(replies.nothing_listed(turn.lang), "nothing_listed", asks=("product",))
    row = _resolve(turn)
    if row is None:
        return _which(turn)
    missing = missing_slots(turn.state, Intent.SELECT_OFFER)
    if missing:
        return Reply(replies.clarify(missing, turn.lang), "clarify", asks=missing)
    return _draft(turn, s, row["offer_id"])


def _confirm(turn: Turn, s: Settings) -> Step:
    """ "Yes": go on with the live draft, or draft the proposed offer."""
    draft = _live_draft(turn)
    if draft is not None:
        return _after_draft_result(turn, draft, s)
    comparison = turn.facts.comparison
    if comparison is not None and turn.facts.shown_from == "comparison":
        best, problems = proposal(comparison["rows"], turn.state, comparison["quantity"])
        if best is not None:
            return _draft(turn, s, comparison["rows"][best]["offer_id"])
        return Reply(replies.none_fits(problems, turn.lang), "none_fits")  # nothing to draft
    if turn.facts.order is not None and comparison is None:
        return Reply(replies.anything_else(turn.lang), "anything_else")  # it was ordered
    if len(turn.facts.shown) == 1 and _units(turn.state) is not None:
        return _draft(turn, s, turn.facts.shown[0]["offer_id"])
    if turn.facts.shown:
        return _which(turn)
    missing = missing_slots(turn.state, Intent.PLACE_ORDER)
    if missing:
        return Reply(replies.clarify(missing, turn.lang), "clarify", asks=missing)
    return _call(s, "search_offers", search_args(turn.state, s.search_limit), turn.lang)


def _edit(turn: Turn, s: Settings) -> Step:
    draft = _live_draft(turn)
    assert draft is not None
    u = turn.understanding
    assert u is not None
    changes: dict[str, Any] = {}
    units = _units(turn.state) if u.quantity is not None else None
    if units is not None and units != draft["quantity"]:
        changes["quantity"] = units
    row = _resolve(turn) if u.ref is not None or u.supplier_name else None
    if row is not None and row["offer_id"] != draft["offer_id"]:
        changes["offer_id"] = row["offer_id"]
    if u.deadline is not None and u.deadline.isoformat() != draft["deadline"]:
        changes["deadline"] = u.deadline.isoformat()
    if not changes:
        return Reply(order_replies.edit_what(draft, turn.lang), "edit_what")
    return _call(s, "update_draft", {"draft_id": draft["draft_id"], **changes}, turn.lang)


def _draft(turn: Turn, s: Settings, offer_id: str) -> Step:
    state = turn.state
    args: dict[str, Any] = {"offer_id": offer_id, "quantity": _units(state)}
    if state.deadline is not None:
        args["deadline"] = state.deadline.isoformat()
    if state.location is not None:
        args["delivery_location"] = state.location.name
    return _call(s, "create_draft", args, turn.lang)


# -- after a tool result ----------------------------------------------------------------
def _after_search(turn: Turn, last: Outcome, s: Settings) -> Step:
    found: SearchOffersResult = last.data
    offers = found["offers"]
    if not offers and "quantity" in last.args:
        # The search leaves out offers whose MOQ is above the quantity: search without it,
        # so the comparison can say which minimum the quantity misses.
        return Call("search_offers", {k: v for k, v in last.args.items() if k != "quantity"})
    if not offers:
        query = {**found["query"], "product": found["query"].get("product", last.args["product"])}
        return Reply(replies.no_results(query, turn.lang), "no_results")
    units = _units(turn.state)
    if units is not None and "compare_offers" in s.bound:
        args: dict[str, Any] = {"offer_ids": [o["offer_id"] for o in offers[: s.compare_top]],
                                "quantity": units}  # fmt: skip
        for key in ("deadline", "country", "region"):
            if key in last.args:
                args[key] = last.args[key]
        return Call("compare_offers", args)
    product = str(found["query"].get("product") or last.args["product"])
    asks = ("quantity",) if units is None else ()
    return Reply(replies.listing(offers, product, turn.lang), "listing", asks=asks)


def _after_compare(turn: Turn, last: Outcome, s: Settings) -> Step:
    result: CompareOffersResult = last.data
    rows = result["rows"]
    if not rows:
        return Reply(replies.tool_failed("compare_offers", "unreadable", turn.lang), "tool_failed")
    best, problems = proposal(rows, turn.state, result["quantity"])
    text = replies.comparison(rows, result["quantity"], result["deadline"], best,
                              preference_of(turn.state), problems, turn.lang)  # fmt: skip
    offer_id = rows[best]["offer_id"] if best is not None else None
    return Reply(text, "comparison", offer_id=offer_id)


def _after_draft(turn: Turn, last: Outcome, s: Settings) -> Step:
    return _after_draft_result(turn, last.data, s)


def _after_draft_result(turn: Turn, draft: DraftResult, s: Settings) -> Step:
    if "check_budget" in s.bound:
        total = draft["total"]
        return Call("check_budget", {"amount": total["amount"], "currency": total["currency"]})
    if "place_order" in s.bound:
        return Call("place_order", {"draft_id": draft["draft_id"]})
    return Reply(order_replies.draft_ready(draft, turn.lang), "draft_ready")


def _after_budget(turn: Turn, last: Outcome, s: Settings) -> Step:
    budget: BudgetCheckResult = last.data
    draft = _live_draft(turn)
    if draft is None:
        return Reply(replies.nothing_listed(turn.lang), "nothing_listed")
    if budget["status"] == "blocked":
        return Reply(order_replies.blocked(draft, budget, turn.lang), "blocked")
    order = ["place_order", "submit_for_approval"]
    if budget["status"] == "needs_approval":
        order.reverse()  # place_order would turn it into an approval request all the same
    for name in order:
        if name in s.bound:
            return Call(name, {"draft_id": draft["draft_id"]})
    return Reply(order_replies.draft_ready(draft, turn.lang), "draft_ready")


def _after_order(turn: Turn, last: Outcome, s: Settings) -> Step:
    order: OrderResult = last.data
    if order["status"] == "ordered":
        return Reply(order_replies.ordered(order, turn.facts.draft, turn.lang), "ordered")
    if order["status"] == "submitted_for_approval":
        return Reply(order_replies.pending(order, turn.lang), "pending_approval")
    return Reply(order_replies.order_failed(order, turn.lang), "order_failed")


def _after_supplier(turn: Turn, last: Outcome, s: Settings) -> Step:
    return Reply(replies.supplier(last.data, turn.lang), "supplier")


def _after_status(turn: Turn, last: Outcome, s: Settings) -> Step:
    return Reply(order_replies.status(last.data, turn.lang), "status")


AFTER: dict[str, Callable[[Turn, Outcome, Settings], Step]] = {
    "search_offers": _after_search,
    "compare_offers": _after_compare,
    "create_draft": _after_draft,
    "update_draft": _after_draft,
    "check_budget": _after_budget,
    "place_order": _after_order,
    "submit_for_approval": _after_order,
    "supplier_details": _after_supplier,
    "order_status": _after_status,
}


# -- helpers ----------------------------------------------------------------------------
def _call(s: Settings, name: str, args: dict[str, Any], lang: str) -> Step:
    if name in s.bound:
        return Call(name, args)
    return Reply(replies.cannot(name, "en" if lang == "en" else "zh"), "cannot")


def _which(turn: Turn) -> Reply:
    return Reply(replies.which(turn.lang), "which")


def _units(state: DialogueState) -> int | None:
    """The quantity as a whole number of units, or None (unsaid, or not whole)."""
    q = state.quantity
    if q is None or q.amount != q.amount.to_integral_value() or q.amount < 1:
        return None
    return int(q.amount)


def _live_draft(turn: Turn) -> DraftResult | None:
    return turn.facts.draft if turn.state.has_draft else None


def _reference(turn: Turn) -> str | None:
    """A request or draft id of this conversation that the buyer quoted; else this
    conversation's latest request; else None (the buyer's latest, server-side)."""
    order = turn.facts.order
    known = [order["purchase_request_id"] or ""] if order else []
    known += [turn.facts.draft["draft_id"]] if turn.facts.draft else []
    quoted = (ref for ref in known if ref and ref.lower() in turn.text.lower())
    return next(quoted, known[0] if order and known[0] else None)


def _resolve(turn: Turn) -> OfferSummary | None:
    """The listed offer the buyer refers to: by position, property or quoted name."""
    rows, u = turn.facts.shown, turn.understanding
    ref = (u.ref if u is not None else None) or turn.state.selected
    name = (u.supplier_name if u is not None else None) or turn.state.supplier_name
    if ref is not None and rows:
        return _by_ref(rows, ref)
    if name:
        low = name.casefold()
        return next((r for r in rows if low in r["supplier_name"].casefold()), None)
    return None


def _by_ref(rows: Sequence[OfferSummary], ref: OfferRef) -> OfferSummary | None:
    if ref.position is not None:
        index = len(rows) - 1 if ref.position == -1 else ref.position - 1
        return rows[index] if 0 <= index < len(rows) else None
    if ref.by is None:
        return None
    return rows[rank(rows, ref.by)[0]]
