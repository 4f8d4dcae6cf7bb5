"""The draft's pure rules: the canonical content and its hash are stable and exact, the
state machine allows only its transitions, a confirmation names the frozen hash, and a
difference between confirmed and re-priced content has a stable code."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.procurement.domain import (
    REVISABLE,
    TRANSITIONS,
    ConfirmationMismatchError,
    Draft,
    DraftGroundingError,
    DraftIntegrityError,
    DraftLine,
    DraftQuote,
    DraftStateError,
    DraftStatus,
    InvalidAuditEntryError,
    QuotedLine,
    canonical_content,
    canonical_json,
    check_actor,
    content_hash,
    differences,
    outcome_of,
    primary_code,
)
from marketplace.shared.money import Money

S = DraftStatus
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def draft(**changes: object) -> Draft:
    base = Draft(
        id="pdr_1", conversation_id="conv_1", company_id="cmp_1", buyer_id="usr_1",
        version=1, status=S.DRAFT, location_id="loc_1", cost_centre_id=None,
        deadline=date(2026, 1, 11), payment_method="credit_terms", note="螺栓 for line 3",
        lines=(DraftLine("ofr_1", 20), DraftLine("ofr_2", 50)), created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def line(offer: str, quantity: int, unit: str, problem: str | None = None) -> QuotedLine:
    return QuotedLine(offer, quantity, f"sku_{offer}", "mer_1", cny(unit), cny(unit) * quantity,
                      "tier:10", 10, 3, problem)  # fmt: skip


def quote(*lines: QuotedLine) -> DraftQuote:
    total = sum((ln.line_total for ln in lines if ln.line_total), cny("0"))
    return DraftQuote("CNY", "ccn_1", tuple(lines), total)


QUOTE = quote(line("ofr_1", 20, "1.50"), line("ofr_2", 50, "0.40"))


def frozen() -> Draft:
    d = draft()
    d.freeze(canonical_content(d, QUOTE), NOW)
    return d


# -- canonical content ----------------------------------------------------------------------
def test_the_canonical_content_holds_exact_amounts_as_strings() -> None:
    content = canonical_content(draft(), QUOTE)
    assert content["lines"] == [
        {"offer_id": "ofr_1", "sku_id": "sku_ofr_1", "merchant_id": "mer_1", "quantity": 20,
         "unit_price": "1.50", "line_total": "30.00"},
        {"offer_id": "ofr_2", "sku_id": "sku_ofr_2", "merchant_id": "mer_1", "quantity": 50,
         "unit_price": "0.40", "line_total": "20.00"},
    ]  # fmt: skip
    assert (content["total"], content["currency"], content["cost_centre_id"]) == (
        "50.00", "CNY", "ccn_1",
    )  # fmt: skip
    assert content["deadline"] == "2026-01-11"


def test_the_hash_is_sha256_of_sorted_compact_utf8_json_and_pinned() -> None:
    content = canonical_content(draft(), QUOTE)
    text = canonical_json(content).decode()
    assert text.startswith('{"buyer_id":"usr_1","company_id":"cmp_1","cost_centre_id":"ccn_1"')
    assert "螺栓" in text  # not escaped
    assert " " not in text.replace("螺栓 for line 3", "")
    # Pinned: a change of the canonical form must bump CONTENT_SCHEMA, not slip through.
    assert content_hash(content) == (
        "0aef624310a1eee4c75647382556318edeea56ffd4e0da7400c6e33a82883fdd"
    )


def test_the_hash_ignores_key_order_and_sees_every_fact() -> None:
    content = canonical_content(draft(), QUOTE)
    reordered = dict(reversed(list(content.items())))
    assert content_hash(reordered) == content_hash(content)
    changed = [
        canonical_content(draft(deadline=date(2026, 1, 12)), QUOTE),
        canonical_content(draft(note="another note"), QUOTE),
        canonical_content(draft(version=2), QUOTE),
        canonical_content(draft(), quote(line("ofr_1", 20, "1.51"), line("ofr_2", 50, "0.40"))),
        canonical_content(draft(), quote(line("ofr_1", 21, "1.50"), line("ofr_2", 50, "0.40"))),
    ]
    assert len({content_hash(c) for c in [content, *changed]}) == 1 + len(changed)


def test_floats_never_enter_the_canonical_form() -> None:
    content = canonical_content(draft(), QUOTE)
    with pytest.raises(TypeError):
        content_hash({**content, "total": 50.0})


def test_content_with_a_problem_line_is_not_canonical() -> None:
    problems = quote(line("ofr_1", 5, "1.50", "below_moq"),
                     line("ofr_2", 50, "0.40", "offer_unavailable"))  # fmt: skip
    with pytest.raises(DraftGroundingError) as refused:
        canonical_content(draft(), problems)
    assert refused.value.code == "offer_unavailable"  # the most basic problem
    assert [p["code"] for p in refused.value.details["problems"]] == [
        "below_moq", "offer_unavailable",
    ]  # fmt: skip


# -- state machine --------------------------------------------------------------------------
def test_only_the_listed_transitions_are_allowed() -> None:
    for source in S:
        for target in S:
            d = frozen()
            d.confirm(d.content_hash or "", "usr_1", NOW)
            d.status = source
            if target in TRANSITIONS[source]:
                d.move_to(target, NOW)
                assert d.status is target
            else:
                with pytest.raises(DraftStateError):
                    d.move_to(target, NOW)
    assert {s for s in S if not TRANSITIONS[s]} == {
        S.SUPERSEDED, S.SUBMITTED_FOR_APPROVAL, S.ORDERED, S.FAILED,
    }  # fmt: skip
    unconfirmed = frozen()  # only a confirmation makes a draft confirmed, or placeable
    with pytest.raises(DraftStateError) as refused:
        unconfirmed.move_to(S.CONFIRMED, NOW)
    assert refused.value.code == "draft_not_confirmed"


def test_a_confirmation_names_the_frozen_hash() -> None:
    d = frozen()
    assert d.status is S.AWAITING_CONFIRMATION
    with pytest.raises(ConfirmationMismatchError):
        d.confirm("0" * 64, "usr_1", NOW)
    assert d.status is S.AWAITING_CONFIRMATION
    d.confirm(d.content_hash or "", "usr_1", NOW)
    assert (d.status, d.confirmed_hash, d.confirmed_by) == (S.CONFIRMED, d.content_hash, "usr_1")
    assert d.confirmed_content == d.content
    with pytest.raises(DraftStateError):
        d.confirm(d.content_hash or "", "usr_1", NOW)


def test_altered_frozen_content_is_caught() -> None:
    d = frozen()
    assert d.content is not None
    d.content["lines"][0]["unit_price"] = "0.01"
    with pytest.raises(DraftIntegrityError):
        d.confirm(d.content_hash or "", "usr_1", NOW)


def test_revising_supersedes_and_starts_an_unconfirmed_version() -> None:
    d = frozen()
    d.confirm(d.content_hash or "", "usr_1", NOW)
    new = d.revise("pdr_2", NOW)
    assert d.status is S.SUPERSEDED
    assert (new.id, new.version, new.previous_id, new.status) == ("pdr_2", 2, "pdr_1", S.DRAFT)
    assert (new.content, new.content_hash, new.confirmed_hash) == (None, None, None)
    assert new.lines == d.lines
    with pytest.raises(DraftStateError):
        new.confirmed_content  # noqa: B018
    assert {S.AWAITING_CONFIRMATION, S.CONFIRMED, S.REJECTED} == REVISABLE
    with pytest.raises(DraftStateError):
        draft(status=S.ORDERED).revise("pdr_3", NOW)


def test_a_purchase_request_status_decides_the_draft_outcome() -> None:
    assert outcome_of("ordered") is S.ORDERED
    assert outcome_of("failed") is S.FAILED
    assert outcome_of("pending_approval") is S.SUBMITTED_FOR_APPROVAL
    assert outcome_of("rejected") is S.SUBMITTED_FOR_APPROVAL  # decided since
    assert outcome_of("approved") is None  # purchasing is placing it
    d = draft(status=S.PLACING)
    d.record_submission("pr_1", None, None, NOW)
    assert (d.status, d.purchase_request_id) == (S.PLACING, "pr_1")
    d.record_submission("pr_1", S.FAILED, "credit_limit_exceeded", NOW)
    assert (d.status, d.failure_code, d.placing_since) == (S.FAILED, "credit_limit_exceeded", None)


ACTIONS = ("freeze", "confirm", "stale", "reject", "claim", "release", "revise")


@given(st.lists(st.sampled_from(ACTIONS), max_size=30))
def test_no_walk_claims_a_draft_whose_frozen_content_was_not_confirmed(steps: list[str]) -> None:
    d = draft()
    for step in steps:
        try:
            if step == "freeze":
                d.freeze(canonical_content(d, QUOTE), NOW)
            elif step in ("confirm", "stale"):
                d.confirm(d.content_hash or "" if step == "confirm" else "f" * 64, "usr_1", NOW)
            elif step == "reject":
                d.move_to(S.REJECTED, NOW)
            elif step == "claim":
                d.move_to(S.PLACING, NOW)
            elif step == "release":
                d.move_to(S.CONFIRMED, NOW)
            elif d.status in REVISABLE:
                d = d.revise(f"pdr_{d.version + 1}", NOW)
        except (DraftStateError, ConfirmationMismatchError):
            pass
        if d.status in (S.CONFIRMED, S.PLACING):
            assert d.confirmed_hash is not None
            assert d.confirmed_hash == d.content_hash == content_hash(d.content or {})


# -- grounding codes, actors ----------------------------------------------------------------
def test_differences_name_a_price_change_per_line_and_other_changes_by_field() -> None:
    confirmed = canonical_content(draft(), QUOTE)
    assert differences(confirmed, confirmed) == []
    dearer = canonical_content(draft(), quote(line("ofr_1", 20, "1.60"), line("ofr_2", 50, "0.40")))
    assert differences(confirmed, dearer) == [
        {"code": "price_changed", "offer_id": "ofr_1", "confirmed": "1.50", "now": "1.60"}
    ]
    moved = {**confirmed, "cost_centre_id": "ccn_2"}
    assert differences(confirmed, moved) == [{"code": "content_changed", "field": "cost_centre_id"}]
    assert primary_code([{"code": "price_changed"}, {"code": "below_moq"}]) == "below_moq"


def test_only_the_buyer_the_agent_or_the_system_speak() -> None:
    for actor in ("user:usr_1", "agent", "agent:planner", "system:placement"):
        check_actor(actor, "usr_1")
    for actor in ("user:usr_2", "someone", "agent:", "user:", "system:a b"):
        with pytest.raises(InvalidAuditEntryError):
            check_actor(actor, "usr_1")
