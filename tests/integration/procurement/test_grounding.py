"""Placing is grounded, on SQLite and PostgreSQL: every line is priced again at placing,
and a draft whose content is no longer the confirmed one is refused with a stable code,
writing nothing but the ``refused`` audit entry; freezing refuses a line that cannot be
bought; a crash between submitting and recording is resumed into the same request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest

from marketplace.companies import services as companies
from marketplace.procurement import services
from marketplace.procurement.domain import (
    DraftGroundingError,
    DraftStatus,
    PlacementInProgressError,
)
from marketplace.purchasing.domain import BudgetExceededError, PlacementFailedError
from marketplace.purchasing.services import submit_purchase_request
from marketplace.sourcing import services as sourcing
from marketplace.sourcing.domain import ServedRegion
from tests.factories import db_snapshot
from tests.integration.procurement.seed import B2B, cny, tiers

S = DraftStatus
AUDIT_ONLY = {"procurement_audit", "procurement_conversations"}  # the entry and its seq


def _contract(b2b: B2B, price: str) -> None:
    cmd = sourcing.CreateContractPrice(
        b2b.supplier.merchant_id, b2b.company_id, b2b.supplier.skus["bolt"], cny(price),
        date(2025, 1, 1),
    )  # fmt: skip
    sourcing.create_contract_price(cmd, uow=b2b.app.uow())


def _regions(b2b: B2B, *regions: ServedRegion) -> None:
    sourcing.set_supplier_regions(b2b.supplier.merchant_id, regions, uow=b2b.app.uow())


CHANGES: dict[str, tuple[Callable[[B2B], None], str]] = {
    "price": (lambda b: b.set_offer("bolt", price_tiers=tiers((10, "1.60"), (100, "1.20"))),
              "price_changed"),
    "contract": (lambda b: _contract(b, "1.40"), "price_changed"),
    "moq": (lambda b: b.set_offer("bolt", price_tiers=tiers((50, "1.50"), (100, "1.20"))),
            "below_moq"),
    "lead_time": (lambda b: b.set_offer("bolt", lead=30), "lead_time_misses_deadline"),
    "offer_gone": (lambda b: b.set_offer("bolt", active=False), "offer_unavailable"),
    "region": (lambda b: _regions(b, ServedRegion("CN", "Beijing", 2, cny("0"), cny("0"))),
               "region_not_served"),
}  # fmt: skip


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_change_after_confirmation_refuses_placing_and_writes_nothing(
    b2b: B2B, change: str
) -> None:
    make_change, code = CHANGES[change]
    draft = b2b.confirmed({"bolt": 20, "nut": 50})
    make_change(b2b)
    before = db_snapshot(b2b.app)

    with pytest.raises(DraftGroundingError) as refused:
        b2b.place(draft.id)

    assert refused.value.code == code
    assert refused.value.details["problems"][0]["offer_id"] == b2b.offers["bolt"]
    after = db_snapshot(b2b.app)
    assert {t for t in before if before[t] != after[t]} == AUDIT_ONLY
    assert b2b.get(draft.id).status is S.CONFIRMED
    assert b2b.requests_for(draft.id) == []
    assert b2b.order_count() == 0
    last = services.audit_trail(draft.conversation_id, user_id=b2b.buyer_id, uow=b2b.app.uow())[-1]
    assert (last.payload["decision"], last.payload["code"]) == ("refused", code)


def test_the_same_price_again_places_the_confirmed_draft(b2b: B2B) -> None:
    draft = b2b.confirmed({"bolt": 20})
    b2b.set_offer("bolt", price_tiers=tiers((10, "1.60")))
    with pytest.raises(DraftGroundingError):
        b2b.place(draft.id)
    # A contract at the confirmed price: another rule, the same content.
    _contract(b2b, "1.50")
    placed = b2b.place(draft.id)
    assert placed.status is S.ORDERED
    with b2b.app.uow() as uow:
        request = uow.purchase_requests.get(placed.purchase_request_id or "")
    assert request is not None
    assert request.lines[0].price_source.startswith("contract:")


def test_freezing_refuses_a_line_that_cannot_be_bought(b2b: B2B) -> None:
    draft = b2b.draft(b2b.conversation(), {"bolt": 5, "nut": 50}, deadline_days=2)
    quote = services.quote_draft(draft.id, user_id=b2b.buyer_id, uow=b2b.app.uow())
    assert [ln.problem for ln in quote.lines] == ["below_moq", "lead_time_misses_deadline"]
    assert quote.total == cny("27.50")  # 5 x 1.50 + 50 x 0.40, shown with the problems
    with pytest.raises(DraftGroundingError) as refused:
        b2b.freeze(draft.id)
    assert refused.value.code == "below_moq"  # the most basic problem names the refusal
    assert [p["code"] for p in refused.value.details["problems"]] == [
        "below_moq", "lead_time_misses_deadline",
    ]  # fmt: skip
    assert b2b.get(draft.id).status is S.DRAFT
    fixed = b2b.edit(draft.id, {"bolt": 10, "nut": 50}, deadline_days=3)
    assert b2b.freeze(fixed.id).status is S.AWAITING_CONFIRMATION


def test_a_crash_after_submitting_is_resumed_into_the_same_request(b2b: B2B) -> None:
    draft = b2b.confirmed({"bolt": 20})
    uow = b2b.app.uow()
    claimed, rules = services.claim_draft(draft.id, user_id=b2b.buyer_id, actor="agent", uow=uow)
    # The request is submitted, then the process dies before recording it on the draft.
    cmd = services.purchase_request_command(claimed, rules)
    request = submit_purchase_request(cmd, uow=uow, placement=b2b.app.placement)
    assert b2b.get(draft.id).status is S.PLACING
    with pytest.raises(PlacementInProgressError):  # too soon to tell a crash from a twin
        b2b.place(draft.id)
    # Even a price change since does not matter: the request exists, it is recorded.
    b2b.set_offer("bolt", price_tiers=tiers((10, "9.99")))
    b2b.clock.advance(services.RESUME_AFTER + timedelta(seconds=1))

    assert services.resume_draft_placements(uow=uow, placement=b2b.app.placement) == 1

    resumed = b2b.get(draft.id)
    assert (resumed.status, resumed.purchase_request_id) == (S.ORDERED, request.id)
    assert b2b.requests_for(draft.id) == [(request.id, "ordered")]
    assert b2b.order_count() == 1


def test_a_crash_before_submitting_is_grounded_again_when_resumed(b2b: B2B) -> None:
    uow = b2b.app.uow()
    kept, changed = b2b.confirmed({"nut": 50}), b2b.confirmed({"bolt": 20})
    for draft in (kept, changed):
        services.claim_draft(draft.id, user_id=b2b.buyer_id, actor="agent", uow=uow)
    b2b.set_offer("bolt", price_tiers=tiers((10, "1.70")))
    b2b.clock.advance(services.RESUME_AFTER + timedelta(seconds=1))

    assert b2b.place(kept.id).status is S.ORDERED
    with pytest.raises(DraftGroundingError) as refused:
        b2b.place(changed.id)
    assert refused.value.code == "price_changed"
    assert b2b.get(changed.id).status is S.CONFIRMED  # the claim is released
    assert b2b.requests_for(changed.id) == []
    assert b2b.order_count() == 1


def test_a_budget_that_blocks_releases_the_claim_and_a_refused_credit_fails_the_draft(
    b2b: B2B,
) -> None:
    companies.update_cost_centre(b2b.company_id, b2b.cost_centre_id, actor_id=b2b.admin_id,
                                 monthly_budget=cny("10"), uow=b2b.app.uow())  # fmt: skip
    blocked = b2b.confirmed({"bolt": 20})  # 30.00 over a 10.00 budget: purchasing stores nothing
    with pytest.raises(BudgetExceededError):
        b2b.place(blocked.id)
    assert b2b.get(blocked.id).status is S.CONFIRMED
    assert b2b.requests_for(blocked.id) == []

    companies.update_cost_centre(b2b.company_id, b2b.cost_centre_id, actor_id=b2b.admin_id,
                                 monthly_budget=cny("1000"), uow=b2b.app.uow())  # fmt: skip
    assert b2b.app.credit_terms is not None
    assert b2b.app.credit_terms.set_account(b2b.company_id, cny("10"), terms_days=30)
    with pytest.raises(PlacementFailedError) as refused:  # stored, then not placed
        b2b.place(blocked.id)
    assert refused.value.code == "credit_limit_exceeded"
    failed = b2b.get(blocked.id)
    assert (failed.status, failed.failure_code) == (S.FAILED, "credit_limit_exceeded")
    assert b2b.requests_for(blocked.id) == [(failed.purchase_request_id, "failed")]
    assert b2b.order_count() == 1  # cancelled by purchasing's compensation
    assert b2b.place(blocked.id).status is S.FAILED  # recorded: no second request
    assert len(b2b.requests_for(blocked.id)) == 1
    outcomes = [
        (e.payload.get("decision"), e.payload.get("code") or e.payload.get("outcome"))
        for e in services.audit_trail(blocked.conversation_id, user_id=b2b.buyer_id,
                                      uow=b2b.app.uow())
        if e.kind.value == "decision"
    ]  # fmt: skip
    assert outcomes == [
        ("confirm", None), ("place", None), ("refused", "budget_exceeded"), ("place", None),
        ("place", "failed"),
    ]  # fmt: skip


def test_the_jobs_pass_resumes_a_placement_a_crash_left_half_way(b2b: B2B) -> None:
    """``agora orders work`` (serving.jobs.run_once) finishes it: no one has to call the
    service by hand."""
    from serving.jobs import run_once

    draft = b2b.confirmed({"bolt": 20})
    uow = b2b.app.uow()
    claimed, rules = services.claim_draft(draft.id, user_id=b2b.buyer_id, actor="agent", uow=uow)
    request = submit_purchase_request(services.purchase_request_command(claimed, rules),
                                      uow=uow, placement=b2b.app.placement)  # fmt: skip
    assert run_once(b2b.app).agent_placements_resumed == 0  # too soon: maybe still running
    b2b.clock.advance(services.RESUME_AFTER + timedelta(seconds=1))

    assert run_once(b2b.app).agent_placements_resumed == 1

    resumed = b2b.get(draft.id)
    assert (resumed.status, resumed.purchase_request_id) == (S.ORDERED, request.id)
    assert run_once(b2b.app).agent_placements_resumed == 0
