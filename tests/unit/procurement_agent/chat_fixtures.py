"""Canned tool results of the documented shapes, and a driver that runs the chat model
against them turn by turn (no database: these stand in for the DB-backed tools)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from procurement_agent.model import ProcurementChatModel
from procurement_agent.tool_specs import TOOL_SPECS

TODAY = date(2026, 5, 4)
ALL_TOOLS = tuple(TOOL_SPECS)


def money(amount: str, currency: str = "CNY") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


def offer(
    n: int, supplier: str, unit: str, lead: int | None, rating: str | None, *,
    moq: int = 100, verified: bool = True, title: str | None = None, description: str = "",
) -> dict[str, Any]:  # fmt: skip
    return {
        "offer_id": f"of-{n}", "supplier_id": f"sup-{n}", "supplier_name": supplier,
        "title": title or f"Stainless M8 bolt, lot {n}", "moq": moq, "quantity": moq,
        "unit_price": money(unit), "landed_unit_price": money(unit),
        "landed_total": money(str(Decimal(unit) * moq)), "lead_time_days": lead,
        "is_verified": verified, "rating": rating, "on_time_rate": "0.975",
        "fulfilled_orders": 1200 + n, "orderable": True, "description": description,
    }  # fmt: skip


def default_offers() -> list[dict[str, Any]]:
    """Three offers: of-1 balanced, of-2 cheapest but slow (12 days), of-3 fastest."""
    return [
        offer(1, "Ningbo Fastener Co.", "0.52", 5, "4.8"),
        offer(2, "Wenzhou Bolt Ltd", "0.48", 12, "4.5", verified=False),
        offer(3, "Hebei Hardware Factory", "0.60", 3, "4.9"),
        offer(4, "Dongguan Screws Trading", "0.55", 7, "4.2"),
    ]


@dataclass
class Desk:
    """Answers tool calls like the real tools would, from a list of offers."""

    offers: list[dict[str, Any]] = field(default_factory=default_offers)
    budget: str = "within_budget"  # what check_budget says
    placing: str = "ordered"  # what place_order says: ordered | submitted_for_approval | failed
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    drafts: int = 0
    draft: dict[str, Any] | None = None  # the latest draft

    def answer(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((name, args))
        return getattr(self, name)(args)  # type: ignore[no-any-return]

    def _priced(self, o: dict[str, Any], quantity: int | None) -> dict[str, Any]:
        o = copy.deepcopy(o)
        if quantity is not None:
            o["quantity"] = quantity
            unit = Decimal(o["landed_unit_price"]["amount"])
            o["landed_total"] = money(str(unit * quantity))
        return o

    def search_offers(self, args: dict[str, Any]) -> dict[str, Any]:
        hits = [self._priced(o, args.get("quantity")) for o in self.offers]
        return {"query": dict(args), "offers": hits[: args.get("limit", 5)]}

    def compare_offers(self, args: dict[str, Any]) -> dict[str, Any]:
        deadline = args.get("deadline")
        days = (date.fromisoformat(deadline) - TODAY).days if deadline else None
        rows = []
        for oid in args["offer_ids"]:
            o = next((x for x in self.offers if x["offer_id"] == oid), None)
            if o is None:
                continue
            row = self._priced(o, args["quantity"])
            lead = row["lead_time_days"]
            row["meets_deadline"] = None if days is None or lead is None else lead <= days
            row["moq_ok"] = args["quantity"] >= row["moq"]
            goods = Decimal(row["unit_price"]["amount"]) * args["quantity"]
            row["goods_total"] = money(str(goods))
            row["best_value_score"] = "0.5"
            rows.append(row)
        found = {r["offer_id"] for r in rows}
        missing = [i for i in args["offer_ids"] if i not in found]
        return {"quantity": args["quantity"], "deadline": deadline, "rows": rows,
                "missing": missing}  # fmt: skip

    def supplier_details(self, args: dict[str, Any]) -> dict[str, Any]:
        o = next(x for x in self.offers if x["supplier_id"] == args["supplier_id"])
        return {
            "supplier_id": o["supplier_id"], "name": o["supplier_name"],
            "is_verified": o["is_verified"], "rating": o["rating"],
            "on_time_rate": o["on_time_rate"], "fulfilled_orders": o["fulfilled_orders"],
            "active_offers": 14, "description": o["description"],
            "regions": [{"country": "CN", "region": "Shanghai", "lead_time_days": 4}],
        }  # fmt: skip

    def _draft(self, offer_id: str, quantity: int, deadline: str | None) -> dict[str, Any]:
        self.drafts += 1
        o = self._priced(next(x for x in self.offers if x["offer_id"] == offer_id), quantity)
        self.draft = {
            "draft_id": f"DR-{self.drafts}", "status": "awaiting_confirmation",
            "content_hash": f"{self.drafts:064x}",
            "offer_id": offer_id, "supplier_id": o["supplier_id"],
            "supplier_name": o["supplier_name"], "title": o["title"], "quantity": quantity,
            "unit_price": o["unit_price"], "landed_unit_price": o["landed_unit_price"],
            "total": o["landed_total"], "lead_time_days": o["lead_time_days"],
            "deadline": deadline, "meets_deadline": None, "delivery_location": "Shanghai",
        }  # fmt: skip
        return self.draft

    def _total(self) -> dict[str, str]:
        return self.draft["total"] if self.draft else money("260.00")

    def create_draft(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._draft(args["offer_id"], args["quantity"], args.get("deadline"))

    def update_draft(self, args: dict[str, Any]) -> dict[str, Any]:
        old = self.last("create_draft", "update_draft")
        return self._draft(args.get("offer_id") or old["offer_id"],
                           args.get("quantity") or old["quantity"],
                           args.get("deadline") or old.get("deadline"))  # fmt: skip

    def last(self, *names: str) -> dict[str, Any]:
        """The arguments merged over the calls of ``names`` so far (the draft's content)."""
        merged: dict[str, Any] = {}
        for name, args in self.calls:
            if name in names:
                merged.update({k: v for k, v in args.items() if v is not None})
        return merged

    def check_budget(self, args: dict[str, Any]) -> dict[str, Any]:
        reasons = ["amount_over"] if self.budget == "needs_approval" else []
        return {"status": self.budget, "amount": money(args["amount"], args["currency"]),
                "remaining": money("200.00"), "reasons": reasons}  # fmt: skip

    def place_order(self, args: dict[str, Any]) -> dict[str, Any]:
        status = self.placing
        reasons = ["amount_over"] if status == "submitted_for_approval" else []
        result = {
            "status": status, "draft_id": args["draft_id"], "purchase_request_id": "PR-2026-0042",
            "order_ids": ["ORD-881"] if status == "ordered" else [], "total": self._total(),
            "approval_reasons": reasons,
        }  # fmt: skip
        if status == "failed":
            result["message"] = "Out of stock at the supplier."
        return result

    def submit_for_approval(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"status": "submitted_for_approval", "draft_id": args["draft_id"],
                "purchase_request_id": "PR-2026-0043", "order_ids": [], "total": self._total(),
                "approval_reasons": ["amount_over", "order_limit"]}  # fmt: skip

    def order_status(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"found": True, "reference": args.get("reference") or "PR-2026-0042",
                "kind": "purchase_request", "status": "pending_approval",
                "total": money("260.00"), "title": "Stainless M8 bolt, lot 1",
                "updated_at": "2026-05-04T10:00:00+08:00"}  # fmt: skip


def tool_dicts(names: tuple[str, ...] = ALL_TOOLS) -> list[dict[str, Any]]:
    """The tools in OpenAI form, as bind_tools receives them from the agent."""
    return [
        {"type": "function", "function": {"name": n, "description": TOOL_SPECS[n].description,
                                          "parameters": TOOL_SPECS[n].args.model_json_schema()}}
        for n in names
    ]  # fmt: skip


def model(**kwargs: Any) -> ProcurementChatModel:
    return ProcurementChatModel(clock=lambda: TODAY, **kwargs)


@dataclass
class Chat:
    """A conversation: the buyer says something, the model runs tools until it replies."""

    desk: Desk = field(default_factory=Desk)
    tools: tuple[str, ...] = ALL_TOOLS
    messages: list[BaseMessage] = field(default_factory=list)
    stop_at: frozenset[str] = frozenset()  # tools to stop before (a human-in-the-loop pause)
    rewrite: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None  # edit results

    def say(self, text: str) -> AIMessage:
        self.messages.append(HumanMessage(text))
        return self.run()

    def run(self, max_steps: int = 10) -> AIMessage:
        """Steps until a reply, or until a call in ``stop_at`` (returned, not run)."""
        bound = model().bind_tools(tool_dicts(self.tools))
        for _ in range(max_steps):
            ai = bound.invoke(self.messages)
            assert isinstance(ai, AIMessage)
            self.messages.append(ai)
            if not ai.tool_calls:
                return ai
            call = ai.tool_calls[0]
            if call["name"] in self.stop_at:
                return ai
            self.answer(call["name"], call["args"], call["id"] or "")
        raise AssertionError("the model did not reply")

    def answer(self, name: str, args: dict[str, Any], call_id: str) -> None:
        result = self.desk.answer(name, args)
        if self.rewrite is not None:
            result = self.rewrite(name, result)
        self.messages.append(ToolMessage(json.dumps(result, ensure_ascii=False),
                                         tool_call_id=call_id))  # fmt: skip

    def tool_calls(self) -> list[str]:
        return [name for name, _ in self.desk.calls]


def next_message(messages: list[BaseMessage], tools: tuple[str, ...] = ALL_TOOLS) -> AIMessage:
    ai = model().bind_tools(tool_dicts(tools)).invoke(messages)
    assert isinstance(ai, AIMessage)
    return ai
