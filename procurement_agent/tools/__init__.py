"""The agent's real tools: LangChain ``StructuredTool``s built from the tool contract
(``procurement_agent.tool_specs``) and bound to one conversation (``ToolContext``), so
the model never supplies who buys. Every call and its result go to the conversation's
audit log (one wrapper for all tools); a domain refusal comes back as
``{"error": {"code", "message"}}``."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from langchain_core.tools import StructuredTool
from pydantic import BaseModel

from marketplace.procurement import services
from marketplace.procurement.commands import RecordAudit
from marketplace.shared.errors import DomainError
from procurement_agent.tool_specs import TOOL_SPECS
from procurement_agent.tools import reads, writes
from procurement_agent.tools.context import ToolContext, ToolInputError

__all__ = ["ToolContext", "ToolInputError", "audit", "build_tools"]

log = logging.getLogger("agora.agent.tools")
Run = Callable[[ToolContext, Any], dict[str, Any]]
RUNS: dict[str, Run] = {
    "search_offers": reads.search,
    "supplier_details": reads.supplier_details,
    "compare_offers": reads.compare,
    "check_budget": reads.check_budget,
    "order_status": reads.order_status,
    "create_draft": writes.create_draft,
    "update_draft": writes.update_draft,
    "place_order": writes.place_order,
    "submit_for_approval": writes.place_order,
}
MAX_AUDIT_CHARS = 48_000  # a bigger result is audited as a digest (the payload limit is 64 KiB)


def build_tools(
    ctx: ToolContext, names: tuple[str, ...] = tuple(TOOL_SPECS)
) -> list[StructuredTool]:
    return [_tool(ctx, name) for name in names]


def _tool(ctx: ToolContext, name: str) -> StructuredTool:
    spec = TOOL_SPECS[name]

    def run(**kwargs: Any) -> dict[str, Any]:
        return call(ctx, name, spec.args(**kwargs))

    return StructuredTool.from_function(run, name=name, description=spec.description,
                                        args_schema=spec.args)  # fmt: skip


def call(ctx: ToolContext, name: str, args: BaseModel) -> dict[str, Any]:
    """Run one tool with its audit entries around it."""
    arguments = args.model_dump(mode="json", exclude_none=True)
    audit(ctx, "tool_call", {"tool": name, "kind": TOOL_SPECS[name].kind.value, "args": arguments})
    try:
        result = RUNS[name](ctx, args)
    except DomainError as exc:
        result = {"error": {"code": exc.code, "message": _explained(exc)}}
    except Exception:  # a bug must not leave the turn half-audited
        log.exception("tool %s failed", name)
        result = {"error": {"code": "tool_failed", "message": f"{name} failed unexpectedly."}}
    audit(ctx, "tool_result", {"tool": name, "result": _compact(result)})
    return result


def _explained(exc: DomainError) -> str:
    """The error's message, with what is wrong with each line when the error lists lines
    (``checkout_lines_unavailable``: out_of_stock, not_for_sale...)."""
    lines = exc.details.get("lines")
    if not isinstance(lines, list) or not lines:
        return exc.message
    problems = [f"{ln.get('sku_id')}: {ln.get('problem')}" for ln in lines[:5]
                if isinstance(ln, dict)]  # fmt: skip
    return f"{exc.message} ({'; '.join(problems)})" if problems else exc.message


def audit(ctx: ToolContext, kind: str, payload: dict[str, Any], actor: str = "agent") -> None:
    cmd = RecordAudit(ctx.conversation_id, ctx.buyer_id, kind, actor, payload)
    services.record_audit(cmd, uow=ctx.app.uow())


def _compact(result: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(result, ensure_ascii=False, default=str)
    if len(text) <= MAX_AUDIT_CHARS:
        return result
    return {"truncated": True, "chars": len(text), "head": text[:MAX_AUDIT_CHARS]}
