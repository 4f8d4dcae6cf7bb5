"""The merchant status machine: every (action, status) pair, legal or not."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from marketplace.parties.domain import (
    TRANSITIONS,
    IllegalMerchantTransitionError,
    Merchant,
    MerchantAction,
    MerchantKind,
    MerchantStatus,
    ReasonRequiredError,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = datetime(2026, 1, 2, tzinfo=UTC)
S = MerchantStatus
A = MerchantAction

LEGAL = {
    (A.SUBMIT, S.ONBOARDING): S.PENDING_REVIEW,
    (A.SUBMIT, S.REJECTED): S.PENDING_REVIEW,
    (A.APPROVE, S.PENDING_REVIEW): S.APPROVED,
    (A.REJECT, S.PENDING_REVIEW): S.REJECTED,
    (A.SUSPEND, S.APPROVED): S.SUSPENDED,
    (A.REINSTATE, S.SUSPENDED): S.APPROVED,
}
ALL_PAIRS = [(a, s) for a in MerchantAction for s in MerchantStatus]
ILLEGAL = [pair for pair in ALL_PAIRS if pair not in LEGAL]


def merchant(status: MerchantStatus) -> Merchant:
    return Merchant(
        id="mer_1", name="Tea", slug="tea", kind=MerchantKind.THIRD_PARTY, status=status,
        default_currency="CNY", default_locale="zh", created_at=T0, updated_at=T0,
    )  # fmt: skip


def test_the_table_in_the_domain_is_the_one_specified() -> None:
    derived = {(a, s): TRANSITIONS[a].target for a in A for s in TRANSITIONS[a].sources}
    assert derived == LEGAL
    assert len(ILLEGAL) == 25 - 6


@pytest.mark.parametrize(("action", "source"), list(LEGAL))
def test_legal_transition(action: MerchantAction, source: MerchantStatus) -> None:
    m = merchant(source)
    change = m.apply(action, actor="usr_admin", reason="documents checked", now=T1)
    assert m.status is LEGAL[(action, source)]
    assert change.from_status is source
    assert change.to_status is m.status
    assert change.actor_user_id == "usr_admin"
    assert change.reason == "documents checked"
    assert change.at == T1
    assert m.updated_at == T1


@pytest.mark.parametrize(("action", "source"), ILLEGAL)
def test_illegal_transition_changes_nothing(action: MerchantAction, source: MerchantStatus) -> None:
    m = merchant(source)
    before = replace(m)
    with pytest.raises(IllegalMerchantTransitionError) as err:
        m.apply(action, actor="usr_admin", reason="because", now=T1)
    assert err.value.code == "illegal_merchant_transition"
    assert err.value.details == {
        "from_status": source.value,
        "to_status": TRANSITIONS[action].target.value,
    }
    assert m == before


@pytest.mark.parametrize("action", [A.REJECT, A.SUSPEND])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reject_and_suspend_need_a_reason(action: MerchantAction, reason: str | None) -> None:
    source = next(iter(TRANSITIONS[action].sources))
    m = merchant(source)
    before = replace(m)
    with pytest.raises(ReasonRequiredError) as err:
        m.apply(action, actor="usr_admin", reason=reason, now=T1)
    assert err.value.code == "reason_required"
    assert m == before


def test_named_methods_follow_the_machine() -> None:
    m = merchant(S.ONBOARDING)
    m.submit(actor="usr_owner", now=T1)
    m.reject(actor="usr_admin", reason="blurry licence", now=T1)
    assert m.status_reason == "blurry licence"
    m.submit(actor="usr_owner", now=T1)
    assert m.status_reason is None
    m.approve(actor="usr_admin", now=T1)
    assert m.approved_at == T1
    m.suspend(actor="usr_admin", reason="fake goods", now=T1)
    later = datetime(2026, 2, 1, tzinfo=UTC)
    m.reinstate(actor="usr_admin", now=later)
    assert m.status is S.APPROVED
    assert m.approved_at == T1  # first approval is kept
    assert m.updated_at == later


def test_approving_a_suspended_merchant_is_not_a_reinstatement() -> None:
    m = merchant(S.SUSPENDED)
    with pytest.raises(IllegalMerchantTransitionError):
        m.approve(actor="usr_admin", now=T1)
    assert m.status is S.SUSPENDED
