"""Commands of procurement: what the agent (or the API, for the buyer) asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from marketplace.procurement.domain import DraftLine


@dataclass(frozen=True, slots=True)
class StartConversation:
    company_id: str
    buyer_id: str
    locale: str = "zh"  # en | zh


@dataclass(frozen=True, slots=True)
class DraftSpec:
    """Everything the agent decides about a draft; prices, suppliers and totals are the
    server's. An edit replaces the whole spec."""

    location_id: str
    lines: tuple[DraftLine, ...] = ()
    deadline: date | None = None  # goods needed by this day
    cost_centre_id: str | None = None  # None: the location's cost centre
    payment_method: str = "credit_terms"  # credit_terms | wallet
    note: str = ""


@dataclass(frozen=True, slots=True)
class CreateDraft:
    conversation_id: str
    user_id: str  # the acting buyer
    spec: DraftSpec


@dataclass(frozen=True, slots=True)
class EditDraft:
    """Replace a draft's spec: in place while it is a ``draft``, else as a new version."""

    draft_id: str
    user_id: str
    spec: DraftSpec


@dataclass(frozen=True, slots=True)
class RecordAudit:
    conversation_id: str
    user_id: str  # the buyer the agent acts for
    kind: str  # turn_user | turn_agent | tool_call | tool_result | interrupt
    actor: str  # user:<buyer id> | agent[:name] | system:<name>
    payload: dict[str, Any]
    draft_id: str | None = None
