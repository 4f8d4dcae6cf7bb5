"""Draft purchase orders on SQLite and PostgreSQL: created and edited freely, frozen,
confirmed by the buyer, placed through purchasing (ordered, or pending approval over a
rule's threshold); an edit after freezing is a new version that needs its own
confirmation; another user is denied everything; every step is in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from marketplace.companies import services as companies
from marketplace.companies.domain import (
    CompanyStatus,
    CompanySuspendedError,
    NotCompanyMemberError,
)
from marketplace.procurement import queries, services
from marketplace.procurement.commands import DraftSpec, EditDraft, RecordAudit, StartConversation
from marketplace.procurement.domain import (
    AuditKind,
    ConfirmationMismatchError,
    Draft,
    DraftStateError,
    DraftStatus,
    InvalidConversationError,
    InvalidDraftError,
    NotYourConversationError,
    content_hash,
)
from marketplace.purchasing.domain import RuleKind
from marketplace.purchasing.services import RuleSpec, add_rule, decide_and_place
from tests.factories import db_snapshot
from tests.integration.procurement.seed import B2B, cny

S = DraftStatus


def _trail(b2b: B2B, conversation_id: str) -> list[tuple[str, str]]:
    entries = services.audit_trail(conversation_id, user_id=b2b.buyer_id, uow=b2b.app.uow())
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    return [(e.kind.value, str(e.payload.get("decision") or e.payload.get("action")))
            for e in entries]  # fmt: skip


def test_a_confirmed_draft_is_placed_as_a_purchase_order(b2b: B2B) -> None:
    conversation = b2b.conversation()
    draft = b2b.draft(conversation, {"bolt": 20, "nut": 50}, note="Line 3 restock")
    assert (draft.status, draft.version, draft.content_hash) == (S.DRAFT, 1, None)

    frozen = b2b.freeze(draft.id)
    assert frozen.status is S.AWAITING_CONFIRMATION
    content = frozen.content
    assert content is not None
    assert [(ln["quantity"], ln["unit_price"], ln["line_total"]) for ln in content["lines"]] == [
        (20, "1.50", "30.00"),  # the 10+ tier
        (50, "0.40", "20.00"),
    ]
    assert (content["total"], content["currency"]) == ("50.00", "CNY")
    assert content["cost_centre_id"] == b2b.cost_centre_id  # the location's
    assert content["deadline"] == (b2b.today + timedelta(days=10)).isoformat()
    assert frozen.content_hash == content_hash(content)

    b2b.confirm(frozen)
    placed = b2b.place(draft.id)
    assert placed.status is S.ORDERED
    assert b2b.requests_for(draft.id) == [(placed.purchase_request_id, "ordered")]
    assert b2b.order_count() == 1
    with b2b.app.uow() as uow:
        request = uow.purchase_requests.get(placed.purchase_request_id or "")
    assert request is not None
    assert (request.source, request.requester_id, request.note) == (
        "agent", b2b.buyer_id, "Line 3 restock",
    )  # fmt: skip
    assert request.total == cny("50.00")
    assert [(ln.sku_id, ln.quantity, ln.unit_price, ln.price_source) for ln in request.lines] == [
        (b2b.supplier.skus["bolt"], 20, cny("1.50"), "tier:10"),
        (b2b.supplier.skus["nut"], 50, cny("0.40"), "tier:50"),
    ]

    # Placing again returns what was recorded: still one request, one order.
    again = b2b.place(draft.id)
    assert (again.status, again.purchase_request_id) == (S.ORDERED, placed.purchase_request_id)
    assert len(b2b.requests_for(draft.id)) == 1
    assert b2b.order_count() == 1
    assert _trail(b2b, conversation) == [
        ("draft", "created"), ("draft", "frozen"), ("decision", "confirm"),
        ("decision", "place"), ("decision", "place"),
    ]  # fmt: skip
    last = services.audit_trail(conversation, user_id=b2b.buyer_id, uow=b2b.app.uow())[-1]
    assert last.payload["outcome"] == "ordered"
    assert last.payload["purchase_request_id"] == placed.purchase_request_id


def test_over_an_approval_threshold_the_draft_waits_for_approval_and_nothing_is_ordered(
    b2b: B2B,
) -> None:
    rule = RuleSpec("Over 100", RuleKind.AMOUNT_OVER, ((b2b.approver_id,),), cny("100"))
    add_rule(b2b.company_id, rule, actor_id=b2b.admin_id, uow=b2b.app.uow())
    draft = b2b.confirmed({"bolt": 100})  # 100 x 1.20 = 120.00

    placed = b2b.place(draft.id)

    assert placed.status is S.SUBMITTED_FOR_APPROVAL
    request_id = placed.purchase_request_id
    assert b2b.requests_for(draft.id) == [(request_id, "pending_approval")]
    assert b2b.order_count() == 0
    # The approver decides in purchasing; the draft's list shows the request's status now.
    decide_and_place(
        request_id or "", company_id=b2b.company_id, actor_id=b2b.approver_id,
        decision="approve", uow=b2b.app.uow(), placement=b2b.app.placement,
    )  # fmt: skip
    with b2b.app.engine.connect() as conn:
        listed = queries.drafts_of(conn, draft.conversation_id, buyer_id=b2b.buyer_id)
    assert [(d["status"], d["request_status"]) for d in listed] == [
        ("submitted_for_approval", "ordered")
    ]
    assert b2b.order_count() == 1


def test_an_edit_after_freezing_is_a_new_version_that_needs_its_own_confirmation(
    b2b: B2B,
) -> None:
    conversation = b2b.conversation()
    first = b2b.confirm(b2b.freeze(b2b.draft(conversation, {"bolt": 20}).id))

    second = b2b.edit(first.id, {"bolt": 30})

    assert (second.version, second.previous_id, second.status) == (2, first.id, S.DRAFT)
    assert second.id != first.id
    assert b2b.get(first.id).status is S.SUPERSEDED
    for draft_id in (first.id, second.id):  # the old confirmation is void, the new one absent
        with pytest.raises(DraftStateError) as refused:
            b2b.place(draft_id)
        assert refused.value.code == "draft_not_confirmed"
    frozen = b2b.freeze(second.id)
    with pytest.raises(ConfirmationMismatchError):  # the old hash confirms nothing new
        services.confirm_draft(second.id, first.content_hash or "", user_id=b2b.buyer_id,
                               uow=b2b.app.uow())  # fmt: skip
    assert b2b.get(second.id).status is S.AWAITING_CONFIRMATION
    with pytest.raises(DraftStateError) as superseded:
        b2b.edit(first.id, {"bolt": 40})
    assert superseded.value.code == "draft_superseded"
    assert superseded.value.details["successor_id"] == second.id
    assert b2b.order_count() == 0

    b2b.confirm(frozen)
    assert b2b.place(second.id).status is S.ORDERED
    assert b2b.requests_for(first.id) == []
    assert len(b2b.requests_for(second.id)) == 1
    assert _trail(b2b, conversation) == [
        ("draft", "created"), ("draft", "frozen"), ("decision", "confirm"),
        ("draft", "revised"), ("decision", "refused"), ("decision", "refused"),
        ("draft", "frozen"), ("decision", "refused"), ("decision", "confirm"),
        ("decision", "place"), ("decision", "place"),
    ]  # fmt: skip


def test_a_draft_is_edited_in_place_until_it_is_frozen(b2b: B2B) -> None:
    draft = b2b.draft(b2b.conversation(), {"bolt": 20})
    edited = b2b.edit(draft.id, {"bolt": 25, "nut": 60})
    assert (edited.id, edited.version, edited.status) == (draft.id, 1, S.DRAFT)
    assert [ln.quantity for ln in b2b.get(draft.id).lines] == [25, 60]
    twice = DraftSpec(b2b.location_id, b2b.spec({"bolt": 1}).lines * 2)
    with pytest.raises(InvalidDraftError) as duplicate:
        services.edit_draft(EditDraft(draft.id, b2b.buyer_id, twice), uow=b2b.app.uow())
    assert duplicate.value.code == "duplicate_offer"
    with pytest.raises(InvalidDraftError) as empty:
        b2b.freeze(b2b.edit(draft.id, {}).id)
    assert empty.value.code == "draft_empty"


def test_a_rejected_draft_is_neither_confirmed_nor_placed(b2b: B2B) -> None:
    frozen = b2b.freeze(b2b.draft(b2b.conversation(), {"bolt": 20}).id)
    rejected = services.reject_draft(frozen.id, user_id=b2b.buyer_id, reason="Too many",
                                     uow=b2b.app.uow())  # fmt: skip
    assert rejected.status is S.REJECTED
    with pytest.raises(DraftStateError) as late:
        b2b.confirm(frozen)
    assert late.value.code == "draft_not_awaiting_confirmation"
    with pytest.raises(DraftStateError):
        b2b.place(frozen.id)
    assert b2b.requests_for(frozen.id) == []
    assert b2b.edit(frozen.id, {"bolt": 10}).version == 2  # the buyer may start over


def _intrusions(
    b2b: B2B, conversation: str, frozen: Draft, intruder: str
) -> list[Callable[[], object]]:
    uow = b2b.app.uow
    return [
        lambda: services.get_conversation(conversation, user_id=intruder, uow=uow()),
        lambda: services.audit_trail(conversation, user_id=intruder, uow=uow()),
        lambda: services.get_draft(frozen.id, user_id=intruder, uow=uow()),
        lambda: services.quote_draft(frozen.id, user_id=intruder, uow=uow()),
        lambda: services.confirm_draft(frozen.id, frozen.content_hash or "",
                                       user_id=intruder, uow=uow()),
        lambda: services.reject_draft(frozen.id, user_id=intruder, uow=uow()),
        lambda: services.request_confirmation(frozen.id, user_id=intruder, uow=uow()),
        lambda: b2b.place(frozen.id, user=intruder),
        lambda: services.edit_draft(EditDraft(frozen.id, intruder, b2b.spec({"bolt": 1})),
                                    uow=uow()),
        lambda: services.record_audit(
            RecordAudit(conversation, intruder, "turn_user", "agent", {"t": "x"}), uow=uow()
        ),
    ]  # fmt: skip


def test_another_user_is_denied_every_use_case_and_nothing_changes(b2b: B2B) -> None:
    conversation = b2b.conversation()
    frozen = b2b.freeze(b2b.draft(conversation, {"bolt": 20}).id)
    app, outsider = b2b.app, b2b.market.buyer()
    before = db_snapshot(app)
    for intruder in (b2b.approver_id, b2b.admin_id, outsider):
        for attempt in _intrusions(b2b, conversation, frozen, intruder):
            with pytest.raises(NotYourConversationError):
                attempt()
    assert db_snapshot(app) == before
    with app.engine.connect() as conn:
        assert queries.audit_trail(conn, conversation, buyer_id=b2b.approver_id) == []
        assert queries.drafts_of(conn, conversation, buyer_id=b2b.approver_id) == []
        assert queries.conversations_of(conn, b2b.approver_id) == []
        mine = queries.conversations_of(conn, b2b.buyer_id)
    assert [c["id"] for c in mine] == [conversation]


def test_only_a_member_of_an_active_company_starts_a_conversation(b2b: B2B) -> None:
    outsider = b2b.market.buyer()
    with pytest.raises(NotCompanyMemberError):
        b2b.conversation(outsider)
    with pytest.raises(InvalidConversationError):
        services.start_conversation(
            StartConversation(b2b.company_id, b2b.buyer_id, "fr"), uow=b2b.app.uow()
        )
    conversation = b2b.conversation()
    draft = b2b.draft(conversation, {"bolt": 20})
    companies.set_company_status(b2b.company_id, CompanyStatus.SUSPENDED, uow=b2b.app.uow())
    with pytest.raises(CompanySuspendedError):
        b2b.conversation()
    with pytest.raises(CompanySuspendedError):
        b2b.freeze(draft.id)
    assert b2b.get(draft.id).status is S.DRAFT


def test_the_agent_appends_turns_and_tool_calls_in_order(b2b: B2B) -> None:
    conversation = b2b.conversation()
    buyer = f"user:{b2b.buyer_id}"
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("turn_user", buyer, {"text": "买 20 个螺栓"}),
        ("tool_call", "agent", {"tool": "search_offers", "args": {"text": "bolt"}}),
        ("tool_result", "agent", {"tool": "search_offers", "hits": 2}),
        ("turn_agent", "agent:planner", {"text": "Found 2 offers."}),
        ("interrupt", "agent", {"awaiting": "confirmation"}),
    ]
    for kind, actor, payload in steps:
        cmd = RecordAudit(conversation, b2b.buyer_id, kind, actor, payload)
        services.record_audit(cmd, uow=b2b.app.uow())
    with b2b.app.engine.connect() as conn:
        trail = queries.audit_trail(conn, conversation, buyer_id=b2b.buyer_id)
        page = queries.audit_trail(conn, conversation, buyer_id=b2b.buyer_id, after_seq=3)
    assert [(e["seq"], e["kind"], e["actor"]) for e in trail] == [
        (1, "turn_user", buyer), (2, "tool_call", "agent"), (3, "tool_result", "agent"),
        (4, "turn_agent", "agent:planner"), (5, "interrupt", "agent"),
    ]  # fmt: skip
    assert trail[0]["payload"] == {"text": "买 20 个螺栓"}
    assert [e["seq"] for e in page] == [4, 5]

    refused = [
        RecordAudit(conversation, b2b.buyer_id, "decision", "agent", {"decision": "confirm"}),
        RecordAudit(conversation, b2b.buyer_id, "draft", "agent", {}),
        RecordAudit(conversation, b2b.buyer_id, "chit_chat", "agent", {}),
        RecordAudit(conversation, b2b.buyer_id, "turn_user", f"user:{b2b.approver_id}", {}),
        RecordAudit(conversation, b2b.buyer_id, "turn_user", "someone", {}),
        RecordAudit(conversation, b2b.buyer_id, "tool_result", "agent", {"x": float("nan")}),
        RecordAudit(conversation, b2b.buyer_id, "tool_result", "agent", {"x": "y" * 70_000}),
    ]
    codes = []
    for cmd in refused:
        with pytest.raises(Exception) as error:  # the codes are asserted below
            services.record_audit(cmd, uow=b2b.app.uow())
        codes.append(getattr(error.value, "code", None))
    assert codes == [
        "audit_kind_reserved", "audit_kind_reserved", "invalid_audit_entry", "invalid_actor",
        "invalid_actor", "invalid_payload", "audit_payload_too_large",
    ]  # fmt: skip
    entries = services.audit_trail(conversation, user_id=b2b.buyer_id, uow=b2b.app.uow())
    assert len(entries) == 5
    assert entries[0].kind is AuditKind.TURN_USER
