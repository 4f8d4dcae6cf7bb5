"""Procurement conversations and the draft purchase orders the agent prepares in them.

A conversation belongs to one buyer, a member of a company. In it the agent edits draft
purchase orders freely; nothing is bought until:

1. ``request_confirmation`` freezes a draft: the server prices it, writes its content in
   canonical form (``canonical_content``) and hashes it (``content_hash``: sha256 of the
   canonical JSON); the draft is ``awaiting_confirmation``;
2. the conversation's buyer confirms exactly that hash (``confirmed``), or rejects it;
3. ``place_draft`` prices every line again and places the draft only while the content
   is still the confirmed one, as a purchase request through purchasing: the draft is
   then ``submitted_for_approval``, ``ordered``, or ``failed`` (purchasing stored the
   request but could not place it).

An edit after freezing never changes the frozen draft: it makes a new version (``draft``,
``previous_id`` the old one) and the old one is ``superseded``, its confirmation void.
Every step is appended to the conversation's audit log with a per-conversation ``seq``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from marketplace.shared.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from marketplace.shared.money import Money

CONTENT_SCHEMA = 1  # bump when the canonical form changes: old hashes stay verifiable
LOCALES = frozenset({"en", "zh"})
MAX_LINES = 50
MAX_QUANTITY = 1_000_000  # purchasing's limit
MAX_NOTE = 2_000


class DraftStatus(StrEnum):
    DRAFT = "draft"  # edited freely
    AWAITING_CONFIRMATION = "awaiting_confirmation"  # frozen: content and hash fixed
    CONFIRMED = "confirmed"  # the buyer confirmed the hash
    REJECTED = "rejected"  # the buyer said no
    SUPERSEDED = "superseded"  # edited after freezing: a newer version replaces it
    PLACING = "placing"  # claimed by place_draft; the purchase request is on its way
    SUBMITTED_FOR_APPROVAL = "submitted_for_approval"  # a purchase request awaits approvers
    ORDERED = "ordered"  # the purchase request was placed as a purchase order
    FAILED = "failed"  # purchasing stored the request but could not place it


D = DraftStatus
TRANSITIONS: dict[DraftStatus, frozenset[DraftStatus]] = {
    D.DRAFT: frozenset({D.AWAITING_CONFIRMATION}),
    D.AWAITING_CONFIRMATION: frozenset({D.CONFIRMED, D.REJECTED, D.SUPERSEDED}),
    D.CONFIRMED: frozenset({D.PLACING, D.REJECTED, D.SUPERSEDED}),
    D.REJECTED: frozenset({D.SUPERSEDED}),
    # Back to confirmed when purchasing refused before storing anything (budget, stock).
    D.PLACING: frozenset({D.CONFIRMED, D.SUBMITTED_FOR_APPROVAL, D.ORDERED, D.FAILED}),
    D.SUPERSEDED: frozenset(),
    D.SUBMITTED_FOR_APPROVAL: frozenset(),
    D.ORDERED: frozenset(),
    D.FAILED: frozenset(),
}
# An edit of a draft in one of these makes a new version; a ``draft`` is edited in place.
REVISABLE = frozenset({D.AWAITING_CONFIRMATION, D.CONFIRMED, D.REJECTED})
SUBMITTED = frozenset({D.SUBMITTED_FOR_APPROVAL, D.ORDERED, D.FAILED})


def outcome_of(request_status: str) -> DraftStatus | None:
    """The draft status a purchase request's status means; None while purchasing is
    still placing an approved request (the draft stays ``placing``)."""
    if request_status == "ordered":
        return D.ORDERED
    if request_status == "failed":
        return D.FAILED
    if request_status in ("approved", "placing"):
        return None
    return D.SUBMITTED_FOR_APPROVAL  # pending, or decided by approvers since


class AuditKind(StrEnum):
    TURN_USER = "turn_user"  # what the buyer said
    TURN_AGENT = "turn_agent"  # what the agent answered
    TOOL_CALL = "tool_call"
    TOOL_RESULT = "tool_result"
    DECISION = "decision"  # confirm, reject, place, refused (written by the services)
    INTERRUPT = "interrupt"  # the agent paused for the buyer
    DRAFT = "draft"  # a draft created, edited, revised or frozen (written by the services)


# What the agent may append itself; decisions and draft changes come only from services.
AGENT_KINDS = frozenset(
    {AuditKind.TURN_USER, AuditKind.TURN_AGENT, AuditKind.TOOL_CALL, AuditKind.TOOL_RESULT,
     AuditKind.INTERRUPT}
)  # fmt: skip
_ACTOR = re.compile(r"^(user:[\w-]{1,60}|agent(:[\w.-]{1,60})?|system:[\w.-]{1,60})$")


def check_actor(actor: str, buyer_id: str) -> None:
    """``user:<the buyer>``, ``agent[:name]`` or ``system:<name>``: nobody else speaks."""
    if not _ACTOR.fullmatch(actor):
        raise InvalidAuditEntryError(f"{actor!r} is not an actor.", code="invalid_actor")
    if actor.startswith("user:") and actor != f"user:{buyer_id}":
        raise InvalidAuditEntryError("Only the buyer speaks in a conversation.",
                                     code="invalid_actor")  # fmt: skip


@dataclass
class Conversation:
    id: str
    company_id: str
    buyer_id: str
    locale: str
    created_at: datetime
    updated_at: datetime
    audit_seq: int = 0  # the last audit entry's seq


@dataclass(frozen=True, slots=True)
class DraftLine:
    """What the agent chose: an offer and a quantity; everything else the server prices."""

    offer_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class QuotedLine:
    """A draft line priced now; ``problem`` is why it cannot be bought as it is."""

    offer_id: str
    quantity: int
    sku_id: str | None
    merchant_id: str | None
    unit_price: Money | None
    line_total: Money | None
    price_rule: str  # "contract:<id>" | "tier:<min quantity>" | ""
    moq: int | None
    lead_time_days: int | None
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class DraftQuote:
    """A draft priced now: what freezing would fix, or placing would compare."""

    currency: str
    cost_centre_id: str | None  # the draft's, else the location's
    lines: tuple[QuotedLine, ...]
    total: Money  # of the lines priced in ``currency``

    @property
    def problems(self) -> list[dict[str, Any]]:
        return [{"offer_id": ln.offer_id, "code": ln.problem} for ln in self.lines if ln.problem]


@dataclass
class Draft:
    id: str
    conversation_id: str
    company_id: str
    buyer_id: str
    version: int
    status: DraftStatus
    location_id: str
    cost_centre_id: str | None  # None: the location's cost centre
    deadline: date | None  # goods needed by this day
    payment_method: str
    note: str
    lines: tuple[DraftLine, ...]
    created_at: datetime
    updated_at: datetime
    previous_id: str | None = None
    content: dict[str, Any] | None = None  # canonical, set when frozen
    content_hash: str | None = None
    frozen_at: datetime | None = None
    confirmed_hash: str | None = None
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None
    rejected_at: datetime | None = None
    placing_since: datetime | None = None
    purchase_request_id: str | None = None
    failure_code: str | None = None

    def move_to(self, target: DraftStatus, now: datetime) -> DraftStatus:
        if target not in TRANSITIONS[self.status]:
            raise DraftStateError(
                f"A {self.status} draft cannot become {target}.",
                status=self.status.value,
                target=target.value,
            )
        if target in (D.CONFIRMED, D.PLACING) and (
            self.confirmed_hash is None or self.confirmed_hash != self.content_hash
        ):
            raise DraftStateError("The draft is not confirmed.", code="draft_not_confirmed")
        previous, self.status, self.updated_at = self.status, target, now
        return previous

    def freeze(self, content: dict[str, Any], now: datetime) -> None:
        self.move_to(D.AWAITING_CONFIRMATION, now)
        self.content, self.content_hash, self.frozen_at = content, content_hash(content), now

    def confirm(self, given_hash: str, user_id: str, now: datetime) -> None:
        """The buyer confirms the frozen content they were shown, named by its hash."""
        if self.status is not D.AWAITING_CONFIRMATION:
            raise DraftStateError(
                f"A {self.status} draft awaits no confirmation.",
                code="draft_not_awaiting_confirmation",
                status=self.status.value,
            )
        self.verify()
        if given_hash != self.content_hash:
            raise ConfirmationMismatchError(
                "The confirmation is for other content than the draft's.",
                content_hash=self.content_hash,
            )
        self.confirmed_hash, self.confirmed_by, self.confirmed_at = given_hash, user_id, now
        self.move_to(D.CONFIRMED, now)

    def verify(self) -> None:
        """The stored content still hashes to the stored hash (nothing altered it)."""
        if self.content is None or content_hash(self.content) != self.content_hash:
            raise DraftIntegrityError("The draft's frozen content does not match its hash.")

    @property
    def confirmed_content(self) -> dict[str, Any]:
        """The content the buyer confirmed (only for confirmed or later drafts)."""
        if self.confirmed_hash is None or self.confirmed_hash != self.content_hash:
            raise DraftStateError("The draft is not confirmed.", code="draft_not_confirmed")
        self.verify()
        assert self.content is not None
        return self.content

    def revise(self, new_id: str, now: datetime) -> Draft:
        """The next version, editable, with this draft's fields; this one is superseded."""
        self.move_to(D.SUPERSEDED, now)
        return Draft(
            id=new_id, conversation_id=self.conversation_id, company_id=self.company_id,
            buyer_id=self.buyer_id, version=self.version + 1, status=D.DRAFT,
            location_id=self.location_id, cost_centre_id=self.cost_centre_id,
            deadline=self.deadline, payment_method=self.payment_method, note=self.note,
            lines=self.lines, created_at=now, updated_at=now, previous_id=self.id,
        )  # fmt: skip

    def record_submission(
        self, request_id: str, outcome: DraftStatus | None, failure_code: str | None, now: datetime
    ) -> None:
        """Purchasing stored the request: the outcome, or None while it is being placed."""
        self.purchase_request_id = request_id
        if outcome is not None:
            self.move_to(outcome, now)
            self.failure_code = failure_code if outcome is D.FAILED else None
            self.placing_since = None


@dataclass(frozen=True)
class AuditEntry:
    conversation_id: str
    seq: int
    kind: AuditKind
    actor: str
    payload: dict[str, Any]
    at: datetime
    draft_id: str | None = None


@dataclass(frozen=True)
class NewAuditEntry:
    """An entry to append; the repository gives it the conversation's next ``seq``."""

    conversation_id: str
    kind: AuditKind
    actor: str
    at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    draft_id: str | None = None


# -- canonical content ------------------------------------------------------------------
def canonical_content(draft: Draft, quote: DraftQuote) -> dict[str, Any]:
    """What the buyer confirms: every fact that decides what is bought, at what price,
    where and when; amounts as exact decimal strings in ``currency``."""
    if quote.problems:
        raise DraftGroundingError.of(quote.problems)
    lines = []
    for ln in quote.lines:
        assert ln.unit_price is not None
        assert ln.line_total is not None
        lines.append({
            "offer_id": ln.offer_id, "sku_id": ln.sku_id, "merchant_id": ln.merchant_id,
            "quantity": ln.quantity, "unit_price": str(ln.unit_price.amount),
            "line_total": str(ln.line_total.amount),
        })  # fmt: skip
    return {
        "schema": CONTENT_SCHEMA, "draft_id": draft.id, "version": draft.version,
        "company_id": draft.company_id, "buyer_id": draft.buyer_id,
        "currency": quote.currency, "location_id": draft.location_id,
        "cost_centre_id": quote.cost_centre_id,
        "deadline": draft.deadline.isoformat() if draft.deadline else None,
        "payment_method": draft.payment_method, "note": draft.note,
        "lines": lines, "total": str(quote.total.amount),
    }  # fmt: skip


def canonical_json(content: Mapping[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8; floats are refused (amounts are decimal strings)."""
    _no_floats(content)
    text = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def content_hash(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def _no_floats(value: object) -> None:
    if isinstance(value, float):
        raise TypeError("canonical content holds no floats")
    if isinstance(value, Mapping):
        for item in value.values():
            _no_floats(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _no_floats(item)


# -- grounding ----------------------------------------------------------------------------
OFFER_UNAVAILABLE = "offer_unavailable"  # gone, inactive, or its supplier not approved
CURRENCY_MISMATCH = "currency_mismatch"  # the supplier trades in another currency
REGION_NOT_SERVED = "region_not_served"  # the supplier does not deliver to the location
BELOW_MOQ = "below_moq"
LEAD_TIME_MISSES_DEADLINE = "lead_time_misses_deadline"
PRICE_CHANGED = "price_changed"
CONTENT_CHANGED = "content_changed"  # anything else (e.g. the location's cost centre)
# The code a refusal carries when several lines have problems: the most basic first.
PROBLEM_ORDER = (OFFER_UNAVAILABLE, CURRENCY_MISMATCH, REGION_NOT_SERVED, BELOW_MOQ,
                 LEAD_TIME_MISSES_DEADLINE, PRICE_CHANGED, CONTENT_CHANGED)  # fmt: skip


def differences(confirmed: Mapping[str, Any], now: Mapping[str, Any]) -> list[dict[str, Any]]:
    """How content priced now differs from the confirmed content (empty: the same)."""
    found: list[dict[str, Any]] = []
    before, after = list(confirmed.get("lines", [])), list(now.get("lines", []))
    if len(before) != len(after):
        return [{"code": CONTENT_CHANGED, "field": "lines"}]
    for old, new in zip(before, after, strict=True):
        if old["unit_price"] != new["unit_price"]:
            found.append({"code": PRICE_CHANGED, "offer_id": old["offer_id"],
                          "confirmed": old["unit_price"], "now": new["unit_price"]})  # fmt: skip
        elif old != new:
            found.append({"code": CONTENT_CHANGED, "offer_id": old["offer_id"]})
    for key in sorted(set(confirmed) | set(now)):
        if key not in ("lines", "total") and confirmed.get(key) != now.get(key):
            found.append({"code": CONTENT_CHANGED, "field": key})
    if not found and content_hash(confirmed) != content_hash(now):
        found.append({"code": CONTENT_CHANGED, "field": "total"})
    return found


def primary_code(problems: Sequence[Mapping[str, Any]]) -> str:
    codes = [str(p["code"]) for p in problems]
    return min(codes, key=lambda c: PROBLEM_ORDER.index(c) if c in PROBLEM_ORDER else 99)


# -- errors -------------------------------------------------------------------------------
class ConversationNotFoundError(NotFoundError):
    code = "conversation_not_found"


class NotYourConversationError(PermissionDeniedError):
    code = "not_your_conversation"


class InvalidConversationError(ValidationError):
    code = "invalid_conversation"


class DraftNotFoundError(NotFoundError):
    code = "draft_not_found"


class InvalidDraftError(ValidationError):
    code = "invalid_draft"


class DraftStateError(ConflictError):
    code = "draft_state"


class ConfirmationMismatchError(ConflictError):
    code = "confirmation_hash_mismatch"


class DraftIntegrityError(ConflictError):
    code = "draft_integrity"


class PlacementInProgressError(ConflictError):
    code = "draft_placement_in_progress"


class InvalidAuditEntryError(ValidationError):
    code = "invalid_audit_entry"


class DraftGroundingError(ConflictError):
    """The draft cannot be bought as it is (freezing), or is no longer what the buyer
    confirmed (placing). ``code`` is the most basic problem; ``details["problems"]``
    lists them all."""

    code = "draft_not_grounded"

    @classmethod
    def of(cls, problems: Sequence[Mapping[str, Any]]) -> DraftGroundingError:
        code = primary_code(problems)
        return cls(
            f"The draft cannot be placed as it is ({code}).",
            code=code,
            problems=[dict(p) for p in problems],
        )


class SuccessorExistsError(Exception):
    """The draft has a newer version already (a concurrent edit won)."""
