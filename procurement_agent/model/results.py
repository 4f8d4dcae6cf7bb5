"""Reading tool results: a ToolMessage's JSON checked against the tool contract.

A result is data. Nothing in it is parsed as language: supplier-written titles and
descriptions are carried as strings to be shown, never read for intents or tool calls.
A result that is not the documented JSON is *unreadable*, and the model says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from procurement_agent.tool_specs import TOOL_SPECS, MoneyJSON, ToolErrorResult

MAX_RESULT_CHARS = 1_000_000  # a bigger result is not read at all
REJECTED_PREFIX = "User rejected"  # how the human-in-the-loop middleware words a rejection


@dataclass(frozen=True, slots=True)
class Outcome:
    """One tool call and what came of it."""

    call_id: str
    name: str
    args: dict[str, Any]
    data: Any = None  # the result, shaped as the tool's TypedDict, when it succeeded
    error: str | None = None  # why it did not: the tool's message, or "unreadable"
    rejected: bool = False  # the reviewer declined the call: the tool did not run
    raw: Any = None  # the decoded JSON, whatever its shape (grounding evidence)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.rejected


@cache
def _adapter(name: str) -> TypeAdapter[Any]:
    return TypeAdapter(TOOL_SPECS[name].result)


_ERROR = TypeAdapter(ToolErrorResult)


def decode(text: str) -> Any:
    """The JSON value in a tool message: the whole text, or the object after a notice
    (a reviewer's edit prefixes one); ``None`` when there is none."""
    if len(text) > MAX_RESULT_CHARS:
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    start = text.find("\n{")
    if start < 0:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text[start + 1 :])
    except ValueError:
        return None
    return value


def read(call_id: str, name: str, args: dict[str, Any], text: str, *, failed: bool) -> Outcome:
    """The outcome of the call ``name(args)`` whose ToolMessage says ``text``."""
    base = Outcome(call_id, name, args)
    if failed:
        rejected = text.startswith(REJECTED_PREFIX)
        return _with(base, error="rejected" if rejected else "failed", rejected=rejected)
    raw = decode(text)
    if isinstance(raw, dict) and "error" in raw:
        try:
            return _with(base, error=_ERROR.validate_python(raw)["error"]["message"], raw=raw)
        except ValidationError:
            return _with(base, error="unreadable", raw=raw)
    if name not in TOOL_SPECS or not isinstance(raw, dict):
        return _with(base, error="unreadable", raw=raw)
    try:
        return _with(base, data=_adapter(name).validate_python(raw), raw=raw)
    except ValidationError:
        return _with(base, error="unreadable", raw=raw)


def _with(base: Outcome, **changes: Any) -> Outcome:
    return replace(base, **changes)


def amount(money: MoneyJSON) -> Decimal:
    """The amount of a contract money value (validated as a decimal string)."""
    return Decimal(money["amount"])
