"""Place a confirmed draft, grounded: priced again now, and placed only while the content
is still the one the buyer confirmed. In three steps, like purchasing's placement:

1. claim (one transaction): the draft is the buyer's and ``confirmed``; every line is
   priced again (offer, contract price, MOQ, region, lead time against the deadline); a
   difference refuses it with the problem's code and writes nothing but the ``refused``
   audit entry; else the draft becomes ``placing``;
2. submit it through ``purchasing.services.submit_purchase_request`` (source ``agent``,
   idempotency key ``agent-draft:<draft id>``), so the company's budgets, order limits
   and approval rules apply: over a limit it is a request pending approval, never an
   order;
3. record the purchase request on the draft: ``submitted_for_approval``, ``ordered`` or
   ``failed``.

A second ``place_draft`` while one is in flight is refused (``draft_placement_in_progress``);
after one finished it returns the draft as recorded. A crash between the steps leaves the
draft ``placing``: after ``RESUME_AFTER`` another call (or ``resume_draft_placements``)
submits it again, and the idempotency key makes purchasing return the request it stored
the first time, so one confirmation yields at most one purchase request.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from marketplace.procurement.domain import (
    SUBMITTED,
    AuditKind,
    Draft,
    DraftGroundingError,
    DraftIntegrityError,
    DraftStateError,
    DraftStatus,
    PlacementInProgressError,
    canonical_content,
    check_actor,
    differences,
    outcome_of,
)
from marketplace.procurement.ports import ProcurementUnitOfWork
from marketplace.procurement.services.conversations import (
    buying_member,
    owned_draft,
    record_refusal,
    write_audit,
)
from marketplace.procurement.services.grounding import quote_lines
from marketplace.purchasing import commands as purchasing
from marketplace.purchasing.services import Placement, submit_purchase_request
from marketplace.shared.errors import DomainError
from marketplace.shared.money import Money

AGENT_SOURCE = "agent"
RESUME_AFTER = timedelta(minutes=2)


def idempotency_key(draft_id: str) -> str:
    return f"agent-draft:{draft_id}"


def place_draft(
    draft_id: str,
    *,
    user_id: str,
    uow: ProcurementUnitOfWork,
    placement: Placement,
    actor: str | None = None,
    resume_after: timedelta = RESUME_AFTER,
) -> Draft:
    """Place the confirmed draft (see the module docstring); returns it
    ``submitted_for_approval``, ``ordered`` or, rarely, still ``placing`` (purchasing is
    placing an approved request). Refusals raise with a stable code."""
    actor = actor or f"user:{user_id}"
    draft, rules = claim_draft(
        draft_id, user_id=user_id, actor=actor, uow=uow, resume_after=resume_after
    )
    if draft.status is not DraftStatus.PLACING:
        return draft
    return submit_draft(draft, rules, actor=actor, uow=uow, placement=placement)


def resume_draft_placements(
    *,
    uow: ProcurementUnitOfWork,
    placement: Placement,
    older_than: timedelta = RESUME_AFTER,
    limit: int = 50,
) -> int:
    """Finish drafts left ``placing`` by a crash (for a scheduled job); returns how many."""
    with uow:
        ids = uow.procurement.stuck_placing_ids(uow.clock.now() - older_than, limit=limit)
        buyers = {i: d.buyer_id for i in ids if (d := uow.procurement.get_draft(i))}
    done = 0
    for draft_id, buyer_id in buyers.items():
        try:
            place_draft(draft_id, user_id=buyer_id, uow=uow, placement=placement,
                        actor="system:placement", resume_after=older_than)  # fmt: skip
            done += 1
        except DomainError:
            continue
    return done


def claim_draft(
    draft_id: str,
    *,
    user_id: str,
    actor: str,
    uow: ProcurementUnitOfWork,
    resume_after: timedelta = RESUME_AFTER,
) -> tuple[Draft, dict[str, str]]:
    """Step 1: the draft ``placing`` with each offer's price rule now, or as it was when
    it is placed already."""
    with uow:
        draft = owned_draft(uow, draft_id, user_id, for_update=True)
        check_actor(actor, draft.buyer_id)
        if draft.status in SUBMITTED:
            return draft, {}
        buying_member(uow, draft.company_id, user_id)
        now = uow.clock.now()
        if draft.status is DraftStatus.PLACING:
            if draft.placing_since is not None and draft.placing_since > now - resume_after:
                raise PlacementInProgressError(
                    "The draft is being placed; ask again in a moment.", draft_id=draft.id
                )
            return _resume(uow, draft, actor, now)
        if draft.status is not DraftStatus.CONFIRMED:
            exc = DraftStateError(
                f"A {draft.status} draft is not confirmed.",
                code="draft_not_confirmed",
                status=draft.status.value,
            )
            record_refusal(uow, draft, actor, "place", exc)
            raise exc
        rules = _ground(uow, draft, actor, release=False)
        draft.move_to(DraftStatus.PLACING, now)
        draft.placing_since = now
        uow.procurement.save_draft(draft)
        write_audit(uow, draft, AuditKind.DECISION, actor,
                    {"decision": "place", "content_hash": draft.confirmed_hash})  # fmt: skip
        uow.commit()
    return draft, rules


def submit_draft(
    draft: Draft,
    rules: Mapping[str, str],
    *,
    actor: str,
    uow: ProcurementUnitOfWork,
    placement: Placement,
) -> Draft:
    """Steps 2 and 3 for a claimed draft."""
    try:
        request = submit_purchase_request(
            purchase_request_command(draft, rules), uow=uow, placement=placement
        )
    except DomainError as exc:
        _after_refusal(draft.id, exc, actor=actor, uow=uow)
        raise
    return record_submission(draft.id, request.id, request.status.value, request.failure_code,
                             actor=actor, uow=uow)  # fmt: skip


def purchase_request_command(
    draft: Draft, rules: Mapping[str, str]
) -> purchasing.SubmitPurchaseRequest:
    """The purchase request of the confirmed content, at the confirmed prices (just
    checked to be today's); ``rules`` name where each price comes from."""
    content = draft.confirmed_content
    currency = str(content["currency"])
    lines = tuple(
        purchasing.RequestLine(
            sku_id=str(ln["sku_id"]),
            quantity=int(ln["quantity"]),
            unit_price=Money.of(ln["unit_price"], currency),
            price_source=rules.get(str(ln["offer_id"]), AGENT_SOURCE),
        )
        for ln in content["lines"]
    )
    return purchasing.SubmitPurchaseRequest(
        company_id=str(content["company_id"]), requester_id=str(content["buyer_id"]),
        lines=lines, location_id=str(content["location_id"]),
        cost_centre_id=content["cost_centre_id"], payment_method=str(content["payment_method"]),
        note=str(content["note"]), source=AGENT_SOURCE, idempotency_key=idempotency_key(draft.id),
    )  # fmt: skip


def record_submission(
    draft_id: str,
    request_id: str,
    request_status: str,
    failure_code: str | None,
    *,
    actor: str,
    uow: ProcurementUnitOfWork,
) -> Draft:
    """Step 3: the purchase request on the draft, with what it became."""
    with uow:
        draft = uow.procurement.get_draft(draft_id, for_update=True)
        assert draft is not None
        if draft.status is not DraftStatus.PLACING:
            return draft  # recorded by a twin
        if draft.purchase_request_id not in (None, request_id):
            raise DraftIntegrityError("The draft names another purchase request.")
        outcome = outcome_of(request_status)
        if outcome is None and draft.purchase_request_id == request_id:
            return draft  # still being placed by purchasing, as recorded
        draft.record_submission(request_id, outcome, failure_code, uow.clock.now())
        uow.procurement.save_draft(draft)
        write_audit(uow, draft, AuditKind.DECISION, actor, {
            "decision": "place", "outcome": draft.status.value, "purchase_request_id": request_id,
            "request_status": request_status, "failure_code": failure_code,
        })  # fmt: skip
        uow.commit()
    return draft


def _ground(
    uow: ProcurementUnitOfWork, draft: Draft, actor: str, *, release: bool
) -> dict[str, str]:
    """Price the draft now; refuse (recording why) unless it is the confirmed content.
    ``release``: a refused claim goes back to ``confirmed`` in the same transaction."""
    confirmed = draft.confirmed_content
    quote = quote_lines(uow, draft)
    problems = quote.problems or differences(confirmed, canonical_content(draft, quote))
    if problems:
        exc = DraftGroundingError.of(problems)
        if release:
            _release(uow, draft)
        record_refusal(uow, draft, actor, "place", exc)
        raise exc
    return {ln.offer_id: ln.price_rule for ln in quote.lines}


def _resume(
    uow: ProcurementUnitOfWork, draft: Draft, actor: str, now: datetime
) -> tuple[Draft, dict[str, str]]:
    """A claim that crashed: submit again. When purchasing has no request yet the draft is
    grounded again first; when it has one, the key returns it."""
    request_id = uow.purchase_requests.id_for_key(draft.company_id, idempotency_key(draft.id))
    rules = {} if request_id else _ground(uow, draft, actor, release=True)
    draft.placing_since = now
    uow.procurement.save_draft(draft)
    write_audit(uow, draft, AuditKind.DECISION, actor, {
        "decision": "place", "content_hash": draft.confirmed_hash, "resumed": True,
        "purchase_request_id": request_id,
    })  # fmt: skip
    uow.commit()
    return draft, rules


def _after_refusal(
    draft_id: str, exc: DomainError, *, actor: str, uow: ProcurementUnitOfWork
) -> None:
    """Purchasing refused. When it stored the request (placing it failed), record it; when
    it stored nothing (a budget that blocks, a category not allowed, stock), the claim is
    released: the draft is ``confirmed`` again and the refusal is in the audit log."""
    with uow:
        draft = uow.procurement.get_draft(draft_id, for_update=True)
        assert draft is not None
        if draft.status is not DraftStatus.PLACING:
            return
        request_id = uow.purchase_requests.id_for_key(draft.company_id, idempotency_key(draft.id))
        request = uow.purchase_requests.get(request_id) if request_id else None
        if request is None:
            _release(uow, draft)
            record_refusal(uow, draft, actor, "place", exc)
            return
    record_submission(draft_id, request.id, request.status.value, request.failure_code,
                      actor=actor, uow=uow)  # fmt: skip


def _release(uow: ProcurementUnitOfWork, draft: Draft) -> None:
    draft.move_to(DraftStatus.CONFIRMED, uow.clock.now())
    draft.placing_since = None
    uow.procurement.save_draft(draft)
