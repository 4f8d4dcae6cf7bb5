"""The conversation rebuilt from its messages, as plain events.

Only the buyer's turns are parsed (``understanding.parse``); they alone set the intent.
Tool results add facts: what was listed, compared, drafted and ordered. A result counts
only when it answers a tool call the model made in this conversation, and its text is
data (``results.read``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any, Literal

from procurement_agent.model.results import Outcome, read
from procurement_agent.tool_specs import (
    CompareOffersResult,
    DraftResult,
    OfferSummary,
    OrderResult,
    SearchOffersResult,
)
from procurement_agent.understanding import DialogueState, Intent, Understanding, parse


@dataclass(frozen=True, slots=True)
class Facts:
    """What the tools returned so far."""

    search: Outcome | None = None  # the latest search that succeeded
    comparison: CompareOffersResult | None = None  # the latest comparison
    shown: tuple[OfferSummary, ...] = ()  # the offers last listed, in their order
    shown_from: Literal["", "search", "comparison"] = ""
    draft: DraftResult | None = None  # the latest draft
    order: OrderResult | None = None  # the latest order or approval request
    results: tuple[Any, ...] = ()  # every decoded result, in order (grounding evidence)

    def apply(self, o: Outcome) -> Facts:
        facts = replace(self, results=(*self.results, o.raw)) if o.raw is not None else self
        if not o.ok:
            return facts
        if o.name == "search_offers":
            found: SearchOffersResult = o.data
            return replace(facts, search=o, shown=tuple(found["offers"]), shown_from="search")
        if o.name == "compare_offers":
            compared: CompareOffersResult = o.data
            return replace(facts, comparison=compared, shown=tuple(compared["rows"]),
                           shown_from="comparison")  # fmt: skip
        if o.name in ("create_draft", "update_draft"):
            return replace(facts, draft=o.data)
        if o.name in ("place_order", "submit_for_approval"):
            # An order ends the proposal: "yes" no longer drafts the compared offer again.
            placed = o.data["status"] != "failed"
            return replace(facts, order=o.data, comparison=None if placed else facts.comparison)
        return facts


@dataclass(frozen=True, slots=True)
class Turn:
    """The buyer's latest turn and everything the model needs to take the next step."""

    today: date
    text: str = ""
    understanding: Understanding | None = None  # None: the buyer has not spoken yet
    task: Intent | None = None  # what the turn asks for (``task_of``)
    before: DialogueState = field(default_factory=DialogueState)
    state: DialogueState = field(default_factory=DialogueState)  # after the turn
    steps: tuple[Outcome, ...] = ()  # the tool calls made since the turn, with results
    facts: Facts = field(default_factory=Facts)
    calls: int = 0  # tool calls in the whole conversation
    answered: bool = False  # the model replied in text after the turn

    @property
    def lang(self) -> Literal["en", "zh"]:
        return self.state.lang


@lru_cache(maxsize=128)
def _parse(text: str, today: date, state: DialogueState) -> Understanding:
    """``parse`` is pure: each step of a turn replays the same turns, parsed once."""
    return parse(text, today=today, context=state)


def task_of(before: DialogueState, u: Understanding) -> Intent:
    """The turn's intent in context: a bare quantity after "how many?" that followed a
    selection completes the selection ("the second one" -> "how many?" -> "800")."""
    if (
        u.intent is Intent.SEARCH_OFFERS
        and before.selected is not None
        and "quantity" in before.awaiting
        and u.product is None
    ):
        return Intent.SELECT_OFFER
    return u.intent


class Transcript:
    """Replays a conversation's events into the current ``Turn``."""

    def __init__(self, today: date) -> None:
        self._turn = Turn(today=today)
        self._calls: dict[str, tuple[str, dict[str, Any]]] = {}

    @property
    def turn(self) -> Turn:
        return self._turn

    def human(self, text: str) -> None:
        t = self._turn
        u = _parse(text, t.today, t.state)
        state = t.state.merge(u)
        self._turn = replace(
            t, text=text, understanding=u, task=task_of(t.state, u), before=t.state,
            state=state, steps=(), answered=False,
        )  # fmt: skip

    def ai(self, text: str, tool_calls: list[tuple[str, str, dict[str, Any]]]) -> None:
        """A model message: its text and its tool calls as (id, name, args)."""
        for call_id, name, args in tool_calls:
            self._calls[call_id] = (name, args)
        count = self._turn.calls + len(tool_calls)
        self._turn = replace(self._turn, calls=count, answered=not tool_calls and bool(text))

    def tool(self, call_id: str, text: str, *, failed: bool) -> None:
        """A tool's answer; ignored unless it answers a call made in this conversation."""
        if call_id not in self._calls or any(s.call_id == call_id for s in self._turn.steps):
            return
        name, args = self._calls[call_id]
        outcome = read(call_id, name, args, text, failed=failed)
        t = self._turn
        self._turn = replace(
            t, steps=(*t.steps, outcome), facts=t.facts.apply(outcome),
            state=_shown(t.state, outcome), answered=False,
        )  # fmt: skip

    def asked(self, slots: tuple[str, ...]) -> None:
        """The model's last reply asked the buyer for ``slots``."""
        if slots:
            self._turn = replace(self._turn, state=self._turn.state.asking(slots))


def _shown(state: DialogueState, o: Outcome) -> DialogueState:
    if not o.ok:
        return state
    if o.name == "search_offers":
        return state.showing(len(o.data["offers"]))
    if o.name == "compare_offers":
        return state.showing(len(o.data["rows"]))
    if o.name in ("create_draft", "update_draft"):
        return state.drafting(True)
    if o.name in ("place_order", "submit_for_approval") and o.data["status"] != "failed":
        return state.drafting(False)
    return state
