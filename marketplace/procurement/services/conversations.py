"""Conversations and their audit log, and the checks every procurement use case shares:
the conversation is the acting user's, and they may still buy for its company."""

from __future__ import annotations

import json
from typing import Any

from marketplace.companies.domain import CompanyStatus, CompanySuspendedError, Member
from marketplace.companies.services import member_of
from marketplace.procurement.commands import RecordAudit, StartConversation
from marketplace.procurement.domain import (
    AGENT_KINDS,
    LOCALES,
    AuditEntry,
    AuditKind,
    Conversation,
    ConversationNotFoundError,
    Draft,
    DraftNotFoundError,
    InvalidAuditEntryError,
    InvalidConversationError,
    NewAuditEntry,
    NotYourConversationError,
    check_actor,
)
from marketplace.procurement.ports import ProcurementUnitOfWork
from marketplace.shared.errors import DomainError, PermissionDeniedError
from marketplace.shared.ids import new_id

MAX_PAYLOAD_BYTES = 64 * 1024


def start_conversation(cmd: StartConversation, *, uow: ProcurementUnitOfWork) -> Conversation:
    """A conversation of a buyer who may buy for the company (an active user, a member of
    an active company)."""
    locale = cmd.locale.strip().lower()
    if locale not in LOCALES:
        raise InvalidConversationError(
            f"The locale is one of {', '.join(sorted(LOCALES))}.", code="invalid_locale"
        )
    with uow:
        buying_member(uow, cmd.company_id, cmd.buyer_id)
        now = uow.clock.now()
        conversation = Conversation(new_id("conv"), cmd.company_id, cmd.buyer_id, locale, now, now)
        uow.procurement.add_conversation(conversation)
        uow.commit()
    return conversation


def get_conversation(
    conversation_id: str, *, user_id: str, uow: ProcurementUnitOfWork
) -> Conversation:
    with uow:
        return owned_conversation(uow, conversation_id, user_id)


def record_audit(cmd: RecordAudit, *, uow: ProcurementUnitOfWork) -> AuditEntry:
    """Append a turn, tool call, tool result or interrupt to the conversation's log.
    Decisions and draft changes are written by the services that make them, never here."""
    try:
        kind = AuditKind(cmd.kind)
    except ValueError:
        raise InvalidAuditEntryError(f"{cmd.kind!r} is not an audit kind.") from None
    if kind not in AGENT_KINDS:
        raise InvalidAuditEntryError(
            f"{kind} entries are written by the services that decide.", code="audit_kind_reserved"
        )
    payload = _checked_payload(cmd.payload)
    with uow:
        conversation = owned_conversation(uow, cmd.conversation_id, cmd.user_id)
        check_actor(cmd.actor, conversation.buyer_id)
        if cmd.draft_id is not None:
            draft = uow.procurement.get_draft(cmd.draft_id)
            if draft is None or draft.conversation_id != conversation.id:
                raise DraftNotFoundError("No such draft in this conversation.")
        entry = uow.procurement.append_audit(NewAuditEntry(
            conversation.id, kind, cmd.actor, uow.clock.now(), payload, cmd.draft_id
        ))  # fmt: skip
        uow.commit()
    return entry


def audit_trail(
    conversation_id: str, *, user_id: str, uow: ProcurementUnitOfWork
) -> list[AuditEntry]:
    with uow:
        owned_conversation(uow, conversation_id, user_id)
        return uow.procurement.audit(conversation_id)


# -- shared checks ------------------------------------------------------------------------
def owned_conversation(
    uow: ProcurementUnitOfWork, conversation_id: str, user_id: str
) -> Conversation:
    conversation = uow.procurement.get_conversation(conversation_id)
    if conversation is None:
        raise ConversationNotFoundError("No such conversation.")
    if conversation.buyer_id != user_id:
        raise NotYourConversationError("The conversation is another buyer's.")
    return conversation


def owned_draft(
    uow: ProcurementUnitOfWork, draft_id: str, user_id: str, *, for_update: bool = False
) -> Draft:
    draft = uow.procurement.get_draft(draft_id, for_update=for_update)
    if draft is None:
        raise DraftNotFoundError("No such draft.")
    if draft.buyer_id != user_id:
        raise NotYourConversationError("The draft is another buyer's.")
    return draft


def buying_member(uow: ProcurementUnitOfWork, company_id: str, user_id: str) -> Member:
    """The user's membership, if they are active and the company may buy now."""
    user = uow.users.get(user_id)
    if user is None or not user.is_active:
        raise PermissionDeniedError("The user account is not active.", code="user_inactive")
    member = member_of(uow.companies, company_id, user_id)
    company = uow.companies.get(company_id)
    if company is None or company.status is not CompanyStatus.ACTIVE:
        raise CompanySuspendedError("The company may not buy now.")
    return member


def write_audit(
    uow: ProcurementUnitOfWork, draft: Draft, kind: AuditKind, actor: str, payload: dict[str, Any]
) -> AuditEntry:
    """A service's own entry about ``draft``, in the caller's transaction."""
    return uow.procurement.append_audit(
        NewAuditEntry(draft.conversation_id, kind, actor, uow.clock.now(), payload, draft.id)
    )


def record_refusal(
    uow: ProcurementUnitOfWork, draft: Draft, actor: str, action: str, exc: DomainError
) -> None:
    """Append a ``refused`` decision and commit it (with what the caller already wrote in
    this transaction, if anything); the caller raises ``exc`` next."""
    write_audit(uow, draft, AuditKind.DECISION, actor, {
        "decision": "refused", "action": action, "code": exc.code, "message": exc.message,
        **({"problems": exc.details["problems"]} if "problems" in exc.details else {}),
    })  # fmt: skip
    uow.commit()


def _checked_payload(payload: object) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise InvalidAuditEntryError("A payload is a JSON object.", code="invalid_payload")
    try:
        size = len(json.dumps(payload, allow_nan=False, ensure_ascii=False).encode())
    except (TypeError, ValueError) as exc:
        raise InvalidAuditEntryError(
            f"The payload is not plain JSON: {exc}", code="invalid_payload"
        ) from None
    if size > MAX_PAYLOAD_BYTES:
        raise InvalidAuditEntryError(
            f"A payload has at most {MAX_PAYLOAD_BYTES} bytes.", code="audit_payload_too_large"
        )
    return payload
