"""Draft purchase orders: edited freely, frozen for confirmation, confirmed or rejected by
the conversation's buyer. Each change writes its audit entry in its own transaction."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from marketplace.companies.domain import CostCentreNotFoundError, LocationNotFoundError
from marketplace.procurement.commands import CreateDraft, DraftSpec, EditDraft
from marketplace.procurement.domain import (
    MAX_LINES,
    MAX_NOTE,
    MAX_QUANTITY,
    REVISABLE,
    AuditKind,
    ConfirmationMismatchError,
    Draft,
    DraftGroundingError,
    DraftQuote,
    DraftStateError,
    DraftStatus,
    InvalidDraftError,
    SuccessorExistsError,
    canonical_content,
    check_actor,
)
from marketplace.procurement.ports import ProcurementUnitOfWork
from marketplace.procurement.services.conversations import (
    buying_member,
    owned_conversation,
    owned_draft,
    record_refusal,
    write_audit,
)
from marketplace.procurement.services.grounding import quote_lines
from marketplace.purchasing.services.placement import INTERNAL_METHODS
from marketplace.shared.ids import new_id


def create_draft(cmd: CreateDraft, *, uow: ProcurementUnitOfWork, actor: str = "agent") -> Draft:
    spec = _checked(cmd.spec)
    with uow:
        conversation = owned_conversation(uow, cmd.conversation_id, cmd.user_id)
        check_actor(actor, conversation.buyer_id)
        buying_member(uow, conversation.company_id, cmd.user_id)
        _check_places(uow, conversation.company_id, spec)
        now = uow.clock.now()
        draft = Draft(
            id=new_id("pdr"), conversation_id=conversation.id,
            company_id=conversation.company_id, buyer_id=conversation.buyer_id, version=1,
            status=DraftStatus.DRAFT, location_id=spec.location_id,
            cost_centre_id=spec.cost_centre_id, deadline=spec.deadline,
            payment_method=spec.payment_method, note=spec.note, lines=spec.lines,
            created_at=now, updated_at=now,
        )  # fmt: skip
        uow.procurement.add_draft(draft)
        write_audit(uow, draft, AuditKind.DRAFT, actor,
                    {"action": "created", "version": 1, "spec": spec_dict(spec)})  # fmt: skip
        uow.commit()
    return draft


def edit_draft(cmd: EditDraft, *, uow: ProcurementUnitOfWork, actor: str = "agent") -> Draft:
    """Replace the spec of a ``draft`` in place; a frozen, confirmed or rejected draft is
    superseded by a new version (its confirmation void) that needs a confirmation of its
    own. Returns the draft that now holds the spec."""
    spec = _checked(cmd.spec)
    with uow:
        draft = owned_draft(uow, cmd.draft_id, cmd.user_id, for_update=True)
        check_actor(actor, draft.buyer_id)
        buying_member(uow, draft.company_id, cmd.user_id)
        _check_places(uow, draft.company_id, spec)
        now = uow.clock.now()
        if draft.status is DraftStatus.DRAFT:
            current = _apply(draft, spec)
            current.updated_at = now
            uow.procurement.save_draft(current)
            payload: dict[str, Any] = {"action": "edited", "version": current.version}
        elif draft.status in REVISABLE:
            was = draft.status
            current = _apply(draft.revise(new_id("pdr"), now), spec)
            uow.procurement.save_draft(draft)
            try:
                uow.procurement.add_draft(current)
            except SuccessorExistsError:
                raise _not_editable(uow, draft) from None
            payload = {"action": "revised", "version": current.version,
                       "previous_id": draft.id, "previous_status": was.value}  # fmt: skip
        else:
            raise _not_editable(uow, draft)
        write_audit(uow, current, AuditKind.DRAFT, actor, {**payload, "spec": spec_dict(spec)})
        uow.commit()
    return current


def get_draft(draft_id: str, *, user_id: str, uow: ProcurementUnitOfWork) -> Draft:
    with uow:
        return owned_draft(uow, draft_id, user_id)


def quote_draft(draft_id: str, *, user_id: str, uow: ProcurementUnitOfWork) -> DraftQuote:
    """The draft priced now, with each line's problem (what the agent shows before asking
    for a confirmation). Reads only."""
    with uow:
        return quote_lines(uow, owned_draft(uow, draft_id, user_id))


def request_confirmation(
    draft_id: str, *, user_id: str, uow: ProcurementUnitOfWork, actor: str = "agent"
) -> Draft:
    """Freeze the draft: priced now, its canonical content and hash fixed. Refused (with
    the lines' problem codes) when a line cannot be bought as it is."""
    with uow:
        draft = owned_draft(uow, draft_id, user_id, for_update=True)
        check_actor(actor, draft.buyer_id)
        buying_member(uow, draft.company_id, user_id)
        if draft.status is DraftStatus.AWAITING_CONFIRMATION:
            return draft
        if draft.status is not DraftStatus.DRAFT:
            raise _not_editable(uow, draft)
        if not draft.lines:
            raise InvalidDraftError("A draft needs at least one line.", code="draft_empty")
        quote = quote_lines(uow, draft)
        if quote.problems:
            exc = DraftGroundingError.of(quote.problems)
            record_refusal(uow, draft, actor, "request_confirmation", exc)
            raise exc
        draft.freeze(canonical_content(draft, quote), uow.clock.now())
        uow.procurement.save_draft(draft)
        write_audit(uow, draft, AuditKind.DRAFT, actor, {
            "action": "frozen", "version": draft.version, "content_hash": draft.content_hash,
            "total": quote.total.to_dict(),
        })  # fmt: skip
        uow.commit()
    return draft


def confirm_draft(
    draft_id: str, content_hash: str, *, user_id: str, uow: ProcurementUnitOfWork
) -> Draft:
    """The conversation's buyer confirms the frozen content they were shown, named by its
    hash. Only this makes a draft placeable."""
    actor = f"user:{user_id}"
    with uow:
        draft = owned_draft(uow, draft_id, user_id, for_update=True)
        buying_member(uow, draft.company_id, user_id)
        if draft.status is DraftStatus.CONFIRMED and draft.confirmed_hash == content_hash:
            return draft  # the same confirmation again
        try:
            draft.confirm(content_hash, user_id, uow.clock.now())
        except (ConfirmationMismatchError, DraftStateError) as exc:
            record_refusal(uow, draft, actor, "confirm", exc)
            raise
        uow.procurement.save_draft(draft)
        write_audit(uow, draft, AuditKind.DECISION, actor,
                    {"decision": "confirm", "content_hash": content_hash})  # fmt: skip
        uow.commit()
    return draft


def reject_draft(
    draft_id: str, *, user_id: str, reason: str = "", uow: ProcurementUnitOfWork
) -> Draft:
    """The buyer says no to a frozen (or confirmed, not yet placed) draft."""
    actor = f"user:{user_id}"
    with uow:
        draft = owned_draft(uow, draft_id, user_id, for_update=True)
        if draft.status is DraftStatus.REJECTED:
            return draft
        now = uow.clock.now()
        draft.move_to(DraftStatus.REJECTED, now)
        draft.rejected_at = now
        uow.procurement.save_draft(draft)
        write_audit(uow, draft, AuditKind.DECISION, actor,
                    {"decision": "reject", "reason": reason.strip()[:MAX_NOTE]})  # fmt: skip
        uow.commit()
    return draft


def spec_dict(spec: DraftSpec) -> dict[str, Any]:
    return {
        "location_id": spec.location_id, "cost_centre_id": spec.cost_centre_id,
        "deadline": spec.deadline.isoformat() if spec.deadline else None,
        "payment_method": spec.payment_method, "note": spec.note,
        "lines": [{"offer_id": ln.offer_id, "quantity": ln.quantity} for ln in spec.lines],
    }  # fmt: skip


def _checked(spec: DraftSpec) -> DraftSpec:
    if len(spec.lines) > MAX_LINES:
        raise InvalidDraftError(f"A draft has at most {MAX_LINES} lines.")
    seen: set[str] = set()
    for line in spec.lines:
        q = line.quantity
        if isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= MAX_QUANTITY:
            raise InvalidDraftError(f"Quantities are whole numbers from 1 to {MAX_QUANTITY}.",
                                    offer_id=line.offer_id)  # fmt: skip
        if not isinstance(line.offer_id, str) or not 1 <= len(line.offer_id) <= 40:
            raise InvalidDraftError("An offer id is 1-40 characters.")
        if line.offer_id in seen:
            raise InvalidDraftError("One offer appears twice; give one line its total.",
                                    code="duplicate_offer", offer_id=line.offer_id)  # fmt: skip
        seen.add(line.offer_id)
    if spec.payment_method not in INTERNAL_METHODS:
        raise InvalidDraftError(f"Drafts are paid by {' or '.join(sorted(INTERNAL_METHODS))}.",
                                code="invalid_payment_method")  # fmt: skip
    if spec.deadline is not None and not isinstance(spec.deadline, date):
        raise InvalidDraftError("A deadline is a date.")
    note = spec.note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidDraftError(f"A note has at most {MAX_NOTE} characters.")
    return replace(spec, note=note)


def _check_places(uow: ProcurementUnitOfWork, company_id: str, spec: DraftSpec) -> None:
    location = uow.companies.get_location(spec.location_id)
    if location is None or location.company_id != company_id:
        raise LocationNotFoundError("No such location.")
    if spec.cost_centre_id is not None:
        centre = uow.companies.get_cost_centre(spec.cost_centre_id)
        if centre is None or centre.company_id != company_id:
            raise CostCentreNotFoundError("No such cost centre.")


def _apply(draft: Draft, spec: DraftSpec) -> Draft:
    draft.location_id, draft.cost_centre_id = spec.location_id, spec.cost_centre_id
    draft.deadline, draft.payment_method = spec.deadline, spec.payment_method
    draft.note, draft.lines = spec.note, spec.lines
    return draft


def _not_editable(uow: ProcurementUnitOfWork, draft: Draft) -> DraftStateError:
    if draft.status is DraftStatus.SUPERSEDED:
        return DraftStateError(
            "A newer version of this draft exists; edit that one.",
            code="draft_superseded",
            successor_id=uow.procurement.successor_of(draft.id),
        )
    return DraftStateError(
        f"A {draft.status} draft cannot change.", code="draft_not_editable",
        status=draft.status.value,
    )  # fmt: skip
