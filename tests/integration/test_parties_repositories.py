"""The parties repositories against real databases (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from marketplace.db.uow import SqlUnitOfWork
from marketplace.parties import queries, services
from marketplace.parties.adapters.passwords import Argon2PasswordHasher
from marketplace.parties.domain import (
    AlreadyMemberError,
    ApiKeyNameTakenError,
    EmailTakenError,
    MemberLevel,
    MemberRole,
    MerchantAction,
    MerchantKind,
    MerchantStatus,
    RefreshToken,
    SlugTakenError,
)
from marketplace.shared.clock import FixedClock

PASSWORDS = Argon2PasswordHasher(time_cost=1, memory_cost_kib=1024, parallelism=1)


@pytest.fixture
def uow(any_engine: Engine, clock: FixedClock) -> SqlUnitOfWork:
    return SqlUnitOfWork(any_engine, clock=clock)


def _register(uow: SqlUnitOfWork, email: str) -> str:
    cmd = services.RegisterUser(email=email, password="Passw0rd-123")
    return services.register_user(cmd, uow=uow, passwords=PASSWORDS).id


def test_users_round_trip(uow: SqlUnitOfWork, clock: FixedClock) -> None:
    user_id = _register(uow, "Round.Trip@example.com")
    with uow:
        user = uow.users.get(user_id)
        assert user is not None
        assert user.email == "round.trip@example.com"
        assert user.created_at == clock.now()
        assert user.created_at.tzinfo is not None
        assert user.member_level is MemberLevel.REGULAR
        assert uow.users.get_by_email("round.trip@example.com") == user
    services.set_member_level(user_id, MemberLevel.GOLD, uow=uow)
    with uow:
        stored = uow.users.get(user_id)
        assert stored is not None
        assert stored.member_level is MemberLevel.GOLD


def test_a_duplicate_email_is_a_domain_error_even_past_the_check(uow: SqlUnitOfWork) -> None:
    user_id = _register(uow, "dup@example.com")
    with uow:
        user = uow.users.get(user_id)
        assert user is not None
        user.id = "usr_other"
        with pytest.raises(EmailTakenError):
            uow.users.add(user)
        # The savepoint kept the transaction usable.
        assert uow.users.get(user_id) is not None


def test_merchant_round_trip_with_members_and_history(uow: SqlUnitOfWork) -> None:
    owner = _register(uow, "owner@example.com")
    cmd = services.ApplyForMerchant(
        name="Tea", kind=MerchantKind.SUPPLIER, slug="tea", city="Hangzhou"
    )
    merchant = services.apply_for_merchant(cmd, uow=uow, applicant_user_id=owner)
    services.change_merchant_status(
        merchant.id, MerchantAction.SUBMIT, uow=uow, actor_user_id=owner
    )
    with uow:
        stored = uow.merchants.get(merchant.id, for_update=True)
        assert stored is not None
        assert (stored.kind, stored.status, stored.city) == (
            MerchantKind.SUPPLIER, MerchantStatus.PENDING_REVIEW, "Hangzhou",
        )  # fmt: skip
        assert [c.to_status for c in uow.merchants.history(merchant.id)] == [
            MerchantStatus.ONBOARDING, MerchantStatus.PENDING_REVIEW,
        ]  # fmt: skip
        (membership,) = uow.merchants.memberships_of(owner)
        assert membership.role is MemberRole.OWNER
        with pytest.raises(AlreadyMemberError):
            uow.merchants.add_member(membership)
    with pytest.raises(SlugTakenError):
        services.apply_for_merchant(cmd, uow=uow, applicant_user_id=owner)
    access = queries.merchant_access(uow.engine, merchant.id, owner)
    assert access == queries.MerchantAccess(merchant.id, "pending_review", "merchant_owner")
    stranger = queries.merchant_access(uow.engine, merchant.id, "usr_nobody")
    assert stranger is not None
    assert stranger.member_role is None
    assert queries.merchant_access(uow.engine, "mer_nobody", owner) is None


def test_api_keys_and_throttled_touch(uow: SqlUnitOfWork, clock: FixedClock) -> None:
    owner = _register(uow, "keys@example.com")
    merchant = services.apply_for_merchant(
        services.ApplyForMerchant(name="Keys"), uow=uow, applicant_user_id=owner
    )
    issued = services.issue_api_key(
        merchant.id, services.IssueApiKey(name="erp"), uow=uow, actor_user_id=owner
    )
    with uow, pytest.raises(ApiKeyNameTakenError):
        uow.api_keys.add(issued.key)
    now = clock.now()
    with uow:
        uow.api_keys.touch(issued.key.id, now=now, min_interval_seconds=60)
        uow.api_keys.touch(issued.key.id, now=now + timedelta(seconds=30), min_interval_seconds=60)
        uow.commit()
        key = uow.api_keys.get_by_prefix(issued.key.prefix)
        assert key is not None
        assert key.last_used_at == now
        assert key.scopes == ["merchant"]
        assert uow.api_keys.revoke(key.id, now=now)
        assert not uow.api_keys.revoke(key.id, now=now)


def test_refresh_tokens_are_used_once(uow: SqlUnitOfWork, clock: FixedClock) -> None:
    user_id = _register(uow, "rt@example.com")
    now = clock.now()
    with uow:
        for i in range(2):
            uow.refresh_tokens.add(
                RefreshToken(
                    id=f"rt_{i}", user_id=user_id, token_hash=f"{i:064d}", family_id="fam",
                    expires_at=now + timedelta(days=1), created_at=now,
                )
            )  # fmt: skip
        assert uow.refresh_tokens.mark_used("rt_0", now=now)
        assert not uow.refresh_tokens.mark_used("rt_0", now=now)
        assert uow.refresh_tokens.revoke_family("fam", now=now) == 2
        assert not uow.refresh_tokens.mark_used("rt_1", now=now)
        stored = uow.refresh_tokens.get_by_hash(f"{1:064d}")
        assert stored is not None
        assert stored.revoked_at == now
        assert stored.expires_at == datetime(2026, 1, 2, tzinfo=UTC)


def test_admin_listing_pages(uow: SqlUnitOfWork) -> None:
    owner = _register(uow, "lister@example.com")
    ids = [
        services.apply_for_merchant(
            services.ApplyForMerchant(name=f"M{i}"), uow=uow, applicant_user_id=owner
        ).id
        for i in range(3)
    ]
    page, last = queries.list_merchants(uow.engine, limit=2)
    assert [m.id for m in page] == ids[:2]
    assert last == ids[1]
    page, last = queries.list_merchants(uow.engine, after_id=last, limit=2)
    assert [m.id for m in page] == ids[2:]
    assert last is None
    assert queries.list_merchants(uow.engine, status="approved")[0] == []
