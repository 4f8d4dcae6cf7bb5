"""On PostgreSQL, threads racing: one confirmed draft placed by eight callers at once
yields one purchase request and one order; forty audit appends to one conversation are
numbered 1..40 without a gap; an edit racing the confirmation of the same frozen draft
never leaves a placeable confirmation of superseded content."""

from __future__ import annotations

import pytest

from marketplace.procurement import services
from marketplace.procurement.commands import RecordAudit
from marketplace.procurement.domain import Draft, DraftStatus, PlacementInProgressError
from marketplace.shared.errors import DomainError
from tests.factories import race
from tests.integration.procurement.seed import B2B

pytestmark = pytest.mark.postgres
S = DraftStatus


def test_eight_concurrent_places_of_one_draft_make_one_purchase_request(pg_b2b: B2B) -> None:
    b2b = pg_b2b
    draft = b2b.confirmed({"bolt": 20})

    outcomes = race(8, lambda _: b2b.place(draft.id))

    placed = [o for o in outcomes if isinstance(o, Draft)]
    others = [o for o in outcomes if not isinstance(o, Draft)]
    assert placed, outcomes
    assert all(isinstance(o, PlacementInProgressError) for o in others), others
    assert {(d.status, d.purchase_request_id) for d in placed} == {
        (S.ORDERED, placed[0].purchase_request_id)
    }
    assert b2b.requests_for(draft.id) == [(placed[0].purchase_request_id, "ordered")]
    assert b2b.order_count() == 1
    assert b2b.place(draft.id).purchase_request_id == placed[0].purchase_request_id


def test_concurrent_audit_appends_are_numbered_without_gaps(pg_b2b: B2B) -> None:
    b2b = pg_b2b
    conversation = b2b.conversation()

    def append(i: int) -> None:
        for j in range(5):
            cmd = RecordAudit(conversation, b2b.buyer_id, "tool_call", "agent", {"i": i, "j": j})
            services.record_audit(cmd, uow=b2b.app.uow())

    assert race(8, append) == [None] * 8
    entries = services.audit_trail(conversation, user_id=b2b.buyer_id, uow=b2b.app.uow())
    assert [e.seq for e in entries] == list(range(1, 41))
    for i in range(8):  # each thread's entries in its own order
        assert [e.payload["j"] for e in entries if e.payload["i"] == i] == list(range(5))


def test_an_edit_racing_the_confirmation_never_leaves_superseded_content_placeable(
    pg_b2b: B2B,
) -> None:
    b2b = pg_b2b
    for _ in range(3):
        frozen = b2b.freeze(b2b.draft(b2b.conversation(), {"bolt": 20}).id)

        def act(i: int, frozen: Draft = frozen) -> Draft:
            return b2b.confirm(frozen) if i == 0 else b2b.edit(frozen.id, {"bolt": 30})

        confirmed, edited = race(2, act)
        assert isinstance(edited, Draft), edited
        assert (edited.version, edited.status) == (2, S.DRAFT)
        assert isinstance(confirmed, Draft | DomainError)
        assert b2b.get(frozen.id).status is S.SUPERSEDED
        with pytest.raises(DomainError):
            b2b.place(frozen.id)
        assert b2b.requests_for(frozen.id) == []
