"""Procurement conversations served: each buyer turn runs the agent graph and yields
events (tool steps, results, the reply, a confirmation request); the buyer's confirm or
reject is their own action, applied to the core (``confirm_draft`` / ``reject_draft``)
before the paused graph resumes. The model can never confirm.

Rules enforced here:
- a confirmation names the draft and the content hash the buyer was shown; only the
  draft of the pending interrupt can be confirmed, and ``confirm_draft`` checks the hash
  against the frozen content (an edited draft is a new version: the old hash is refused);
- a confirm repeated after it succeeded returns the same outcome and resumes nothing;
  concurrent confirms of one conversation are serialised (one lock per conversation in
  this process; the core's claim and idempotency key hold across processes);
- a new message while a confirmation is pending declines the paused call first.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command

from marketplace.bootstrap import Marketplace
from marketplace.db.locks import named_lock
from marketplace.procurement import services
from marketplace.procurement.commands import StartConversation
from marketplace.procurement.domain import SUBMITTED, Conversation, Draft, DraftStatus
from marketplace.shared.errors import ConflictError
from marketplace.sourcing.queries.offers import OfferHit
from procurement_agent.agent import GATED, build_agent, chat_model
from procurement_agent.model.grounding import evidence_of, ungrounded
from procurement_agent.runtime import open_checkpointer
from procurement_agent.tool_specs import TOOL_SPECS, CheckBudgetArgs
from procurement_agent.tools import ToolContext, audit, build_tools, reads, writes

TOKEN_CHARS = 16
# Said instead of a reply that mentions what no tool result supports (grounding).
WITHHELD = {
    "en": "I could not back that answer with the offers and records I looked up, so I "
    "won't state it. Please ask again, or look at the offers shown above.",
    "zh": "这个回答无法由我查询到的报价和记录证实，所以不予显示。"
    "请重新提问，或参考上面列出的报价。",
}
MAX_DECLINES = 2
CONFIRMABLE = frozenset({DraftStatus.AWAITING_CONFIRMATION, DraftStatus.CONFIRMED})
SUMMARY_CHARS = 200


class ConfirmationNotPendingError(ConflictError):
    code = "confirmation_not_pending"


@dataclass(frozen=True)
class Event:
    name: str  # step | tool_result | token | message | confirmation_required | outcome | done
    data: dict[str, Any]


class ProcurementChat:
    """The conversations of one process: the agent graph on a shared checkpointer."""

    def __init__(
        self, app: Marketplace, *, model: BaseChatModel | None = None,
        checkpointer: BaseCheckpointSaver[Any] | None = None,
        clock: Callable[[], date] | None = None,
    ) -> None:  # fmt: skip
        self.app = app
        today = clock or (lambda: app.clock.now().date())
        self.model = model or chat_model(app.settings, clock=today)
        self._close: Callable[[], None] = lambda: None
        if checkpointer is None:
            url = app.engine.url.render_as_string(hide_password=False)
            checkpointer, self._close = open_checkpointer(url)
        self.checkpointer = checkpointer
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def close(self) -> None:
        self._close()

    # -- use cases ------------------------------------------------------------------------
    def start(self, company_id: str, buyer_id: str, locale: str) -> Conversation:
        cmd = StartConversation(company_id, buyer_id, locale)
        return services.start_conversation(cmd, uow=self.app.uow())

    def say(self, conversation_id: str, buyer_id: str, text: str) -> Iterator[Event]:
        ctx = self._context(conversation_id, buyer_id)
        with self._lock(conversation_id):
            agent, config = self._agent(ctx)
            if self._pending(agent, config):  # the buyer moved on: decline the paused call
                for _ in self._run(
                    ctx,
                    agent,
                    config,
                    _decision("reject", "The buyer sent a new message instead of confirming."),
                    quiet=True,
                ):
                    pass
            audit(ctx, "turn_user", {"text": text}, actor=f"user:{buyer_id}")
            message = {"messages": [{"role": "user", "content": text}]}
            yield from self._run(ctx, agent, config, message)
        yield Event("done", {})

    def confirm(
        self, conversation_id: str, buyer_id: str, draft_id: str, content_hash: str
    ) -> Iterator[Event]:
        ctx = self._context(conversation_id, buyer_id)
        with self._lock(conversation_id):
            agent, config = self._agent(ctx)
            draft = services.get_draft(draft_id, user_id=buyer_id, uow=self.app.uow())
            if draft.status in SUBMITTED and draft.confirmed_hash == content_hash:
                yield Event("outcome", writes.order_result(ctx, draft))  # already placed
                yield Event("done", {})
                return
            pending = self._pending(agent, config)
            if pending is None or pending["args"].get("draft_id") != draft_id:
                raise ConfirmationNotPendingError(
                    "This draft is not waiting for your confirmation.",
                    pending_draft_id=pending["args"].get("draft_id") if pending else None,
                )
            services.confirm_draft(draft_id, content_hash, user_id=buyer_id, uow=self.app.uow())
            yield from self._run(ctx, agent, config, _decision("approve"))
            placed = services.get_draft(draft_id, user_id=buyer_id, uow=self.app.uow())
            if placed.status in SUBMITTED:
                yield Event("outcome", writes.order_result(ctx, placed))
        yield Event("done", {})

    def reject(
        self, conversation_id: str, buyer_id: str, draft_id: str, reason: str = ""
    ) -> Iterator[Event]:
        ctx = self._context(conversation_id, buyer_id)
        with self._lock(conversation_id):
            agent, config = self._agent(ctx)
            pending = self._pending(agent, config)
            if pending is None or pending["args"].get("draft_id") != draft_id:
                raise ConfirmationNotPendingError("This draft is not waiting for your answer.")
            services.reject_draft(draft_id, user_id=buyer_id, reason=reason, uow=self.app.uow())
            yield from self._run(ctx, agent, config,
                                 _decision("reject", "The buyer rejected the draft."))  # fmt: skip
        yield Event("done", {})

    def view(self, conversation_id: str, buyer_id: str) -> dict[str, Any]:
        """The conversation's messages (buyer turns and agent replies) and the pending
        confirmation, if any."""
        ctx = self._context(conversation_id, buyer_id)
        agent, config = self._agent(ctx)
        messages = agent.get_state(config).values.get("messages", [])
        pending = self._pending(agent, config)
        return {
            "id": conversation_id, "company_id": ctx.company_id, "locale": ctx.locale,
            "messages": [m for m in map(_shown, messages) if m is not None],
            "pending_confirmation": self.confirmation(ctx, pending) if pending else None,
        }  # fmt: skip

    def confirmation(self, ctx: ToolContext, request: dict[str, Any]) -> dict[str, Any]:
        """What the buyer confirms: the frozen draft (content and hash), its suppliers and
        lines, and the budget check of its total."""
        draft = services.get_draft(request["args"]["draft_id"], user_id=ctx.buyer_id,
                                   uow=self.app.uow())  # fmt: skip
        content = draft.content or {}
        lines = _lines(ctx, draft)
        budget = None
        if content:
            args = CheckBudgetArgs(amount=content["total"], currency=content["currency"])
            budget = reads.check_budget(ctx, args)
        return {
            "tool": request["name"], "draft_id": draft.id, "version": draft.version,
            "status": draft.status.value, "content_hash": draft.content_hash,
            "content": content, "currency": content.get("currency"),
            "total": {"amount": content.get("total"), "currency": content.get("currency")},
            "deadline": content.get("deadline"), "location_id": content.get("location_id"),
            "suppliers": [{"supplier_id": i, "name": n} for i, n in sorted(
                {(x["supplier_id"], x["supplier_name"]) for x in lines})],
            "lines": lines, "budget": budget,
        }  # fmt: skip

    # -- the graph ------------------------------------------------------------------------
    def _run(
        self, ctx: ToolContext, agent: Any, config: dict[str, Any], payload: Any, *,
        quiet: bool = False,
    ) -> Iterator[Event]:  # fmt: skip
        """Stream the graph from ``payload``; a pause on a draft the buyer can no longer
        confirm (rejected, superseded, placed) is declined at once, not shown."""
        for _ in range(MAX_DECLINES + 1):
            yield from self._stream(ctx, agent, config, payload, quiet=quiet)
            pending = self._pending(agent, config)
            if pending is None:
                return
            draft = services.get_draft(str(pending["args"].get("draft_id")),
                                       user_id=ctx.buyer_id, uow=self.app.uow())  # fmt: skip
            if draft.status in CONFIRMABLE:
                confirmation = self.confirmation(ctx, pending)
                audit(ctx, "interrupt", {"tool": pending["name"], "draft_id": draft.id,
                                         "content_hash": draft.content_hash})  # fmt: skip
                if not quiet:
                    yield Event("confirmation_required", confirmation)
                return
            payload = _decision("reject", f"The draft is {draft.status.value}; it cannot be "
                                "confirmed. Draft a new one.")  # fmt: skip

    def _stream(
        self, ctx: ToolContext, agent: Any, config: dict[str, Any], payload: Any, *, quiet: bool
    ) -> Iterator[Event]:
        history: list[BaseMessage] = list(agent.get_state(config).values.get("messages", []))
        seen = {m.id for m in history}
        if isinstance(payload, dict):  # the buyer's new turn is input, never streamed back
            history += [HumanMessage(m["content"]) for m in payload.get("messages", [])
                        if m.get("role") == "user"]  # fmt: skip
        for update in agent.stream(payload, config, stream_mode="updates"):
            for node, value in update.items():
                if node == "__interrupt__" or not isinstance(value, dict):
                    continue
                for message in value.get("messages", []):
                    if message.id in seen:  # the gate re-sends the paused call on resume
                        continue
                    seen.add(message.id)
                    history.append(message)
                    for event in self._events(ctx, message, history):
                        if not quiet:
                            yield event

    def _events(
        self, ctx: ToolContext, message: BaseMessage, history: list[BaseMessage]
    ) -> Iterator[Event]:
        if isinstance(message, AIMessage):
            for call in message.tool_calls:
                spec = TOOL_SPECS.get(call["name"])
                yield Event("step", {"tool": call["name"], "id": call["id"],
                                     "kind": spec.kind.value if spec else "unknown",
                                     "args": _summary(call["args"])})  # fmt: skip
            if not message.tool_calls and message.text:
                text = str(message.text)
                meta = message.response_metadata or {}
                # Grounding, enforced here for any model: a reply naming an id, supplier,
                # price or date that no tool result (or the buyer) gave is withheld.
                problems = ungrounded(text, evidence_of(history))
                if problems:
                    audit(ctx, "turn_agent", {"text": text, "withheld": problems})
                    text = WITHHELD[ctx.locale if ctx.locale in WITHHELD else "en"]
                audit(ctx, "turn_agent", {"text": text, "step": meta.get("agora_step")})
                for i in range(0, len(text), TOKEN_CHARS):
                    yield Event("token", {"text": text[i : i + TOKEN_CHARS]})
                yield Event("message", {"text": text, "step": meta.get("agora_step")})
        elif isinstance(message, ToolMessage):
            yield Event("tool_result", {"tool": message.name, "id": message.tool_call_id,
                                        "status": message.status,
                                        "result": _compact(message.text)})  # fmt: skip

    def _agent(self, ctx: ToolContext) -> tuple[Any, dict[str, Any]]:
        agent = build_agent(self.model, build_tools(ctx), self.checkpointer)
        return agent, {"configurable": {"thread_id": ctx.conversation_id}}

    @staticmethod
    def _pending(agent: Any, config: dict[str, Any]) -> dict[str, Any] | None:
        """The gated tool call the graph is paused on, if any."""
        for pause in agent.get_state(config).interrupts:
            value = pause.value if isinstance(pause.value, dict) else {}
            for request in value.get("action_requests", []):
                if request.get("name") in GATED:
                    return dict(request)
        return None

    def _context(self, conversation_id: str, buyer_id: str) -> ToolContext:
        c = services.get_conversation(conversation_id, user_id=buyer_id, uow=self.app.uow())
        return ToolContext(self.app, c.company_id, c.buyer_id, c.id, c.locale)

    @contextmanager
    def _lock(self, conversation_id: str) -> Iterator[None]:
        """One turn at a time per conversation: in this process (a thread lock) and across
        processes (a PostgreSQL advisory lock), so two workers never run turns of the same
        conversation from the same checkpoint at once."""
        with self._guard:
            local = self._locks.setdefault(conversation_id, threading.Lock())
        with local, named_lock(self.app.engine, f"procurement-conversation:{conversation_id}"):
            yield


def _decision(kind: str, message: str | None = None) -> Command[Any]:
    decision: dict[str, Any] = {"type": kind}
    if message:
        decision["message"] = message
    return Command(resume={"decisions": [decision]})


def _lines(ctx: ToolContext, draft: Draft) -> list[dict[str, Any]]:
    content = draft.content or {}
    lines = content.get("lines", [])
    location = ctx.location(location_id=draft.location_id)
    hits: dict[str, OfferHit] = {}
    for ln in lines:  # priced at each line's own quantity
        hits |= reads.priced_offers(ctx, [ln["offer_id"]], ln["quantity"],
                                    country=location.address.country,
                                    region=location.address.region)  # fmt: skip
    currency = content.get("currency")
    return [
        {"offer_id": ln["offer_id"], "sku_id": ln["sku_id"], "supplier_id": ln["merchant_id"],
         "supplier_name": hits[ln["offer_id"]].supplier_name if ln["offer_id"] in hits else "",
         "title": hits[ln["offer_id"]].title if ln["offer_id"] in hits else "",
         "quantity": ln["quantity"],
         "unit_price": {"amount": ln["unit_price"], "currency": currency},
         "line_total": {"amount": ln["line_total"], "currency": currency}}
        for ln in lines
    ]  # fmt: skip


def _shown(message: BaseMessage) -> dict[str, Any] | None:
    if isinstance(message, HumanMessage):
        return {"role": "user", "text": message.text}
    if isinstance(message, AIMessage) and not message.tool_calls and message.text:
        return {"role": "agent", "text": message.text}
    return None


def _summary(args: dict[str, Any]) -> dict[str, Any]:
    return {k: (v if len(json.dumps(v, default=str)) <= SUMMARY_CHARS else "…")
            for k, v in args.items() if v not in (None, [], "")}  # fmt: skip


def _compact(text: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text[:SUMMARY_CHARS]}
    if isinstance(value, dict) and isinstance(value.get("offers"), list):
        return {"offers": len(value["offers"]),
                "offer_ids": [o.get("offer_id") for o in value["offers"]]}  # fmt: skip
    if isinstance(value, dict) and isinstance(value.get("rows"), list):
        return {"rows": len(value["rows"]), "missing": value.get("missing", [])}
    return value
