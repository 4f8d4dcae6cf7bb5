"""Merchant use cases against in-memory repositories."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from marketplace.parties import services
from marketplace.parties.domain import (
    AlreadyMemberError,
    ApiKeyNameTakenError,
    ApiKeyNotFoundError,
    IllegalMerchantTransitionError,
    MemberNotFoundError,
    MemberRole,
    MerchantAction,
    MerchantNotFoundError,
    MerchantStatus,
    OwnerRemovalError,
    ShopNotFoundError,
    SlugTakenError,
    UserNotFoundError,
)
from marketplace.shared.clock import FixedClock
from marketplace.shared.errors import AuthenticationError, ValidationError
from tests.unit.parties.fakes import FakeUnitOfWork, PlainTextPasswords


def _user(uow: FakeUnitOfWork, email: str) -> str:
    cmd = services.RegisterUser(email=email, password="Passw0rd-123")
    return services.register_user(cmd, uow=uow, passwords=PlainTextPasswords()).id


@pytest.fixture
def owner(uow: FakeUnitOfWork) -> str:
    return _user(uow, "owner@example.com")


@pytest.fixture
def merchant_id(uow: FakeUnitOfWork, owner: str) -> str:
    cmd = services.ApplyForMerchant(name="Hangzhou Tea House")
    return services.apply_for_merchant(cmd, uow=uow, applicant_user_id=owner).id


def test_applying_makes_the_applicant_owner(
    uow: FakeUnitOfWork, owner: str, merchant_id: str, clock: FixedClock
) -> None:
    merchant = uow.store.merchants[merchant_id]
    assert merchant.status is MerchantStatus.ONBOARDING
    assert merchant.slug.startswith("hangzhou-tea-house-")
    assert uow.store.members[(merchant_id, owner)].role is MemberRole.OWNER
    (created,) = uow.store.history
    assert (created.from_status, created.to_status) == (None, MerchantStatus.ONBOARDING)
    assert created.actor_user_id == owner
    assert created.at == clock.now()


def test_a_name_without_latin_letters_still_gets_a_slug(uow: FakeUnitOfWork, owner: str) -> None:
    cmd = services.ApplyForMerchant(name="杭州茶馆")
    merchant = services.apply_for_merchant(cmd, uow=uow, applicant_user_id=owner)
    assert merchant.slug
    assert merchant.slug.isascii()


def test_slugs_are_unique(uow: FakeUnitOfWork, owner: str) -> None:
    cmd = services.ApplyForMerchant(name="Tea", slug="tea")
    services.apply_for_merchant(cmd, uow=uow, applicant_user_id=owner)
    before = copy.deepcopy(uow.store)
    with pytest.raises(SlugTakenError):
        services.apply_for_merchant(cmd, uow=uow, applicant_user_id=owner)
    assert uow.store == before


def test_status_changes_are_recorded(uow: FakeUnitOfWork, owner: str, merchant_id: str) -> None:
    services.change_merchant_status(
        merchant_id, MerchantAction.SUBMIT, uow=uow, actor_user_id=owner
    )
    services.change_merchant_status(
        merchant_id, MerchantAction.REJECT, uow=uow, actor_user_id="usr_admin", reason="no licence"
    )
    history = services.merchant_history(merchant_id, uow=uow)
    assert [(c.to_status.value, c.actor_user_id, c.reason) for c in history] == [
        ("onboarding", owner, None),
        ("pending_review", owner, None),
        ("rejected", "usr_admin", "no licence"),
    ]


def test_an_illegal_change_writes_nothing(uow: FakeUnitOfWork, merchant_id: str) -> None:
    before = copy.deepcopy(uow.store)
    with pytest.raises(IllegalMerchantTransitionError):
        services.change_merchant_status(
            merchant_id, MerchantAction.APPROVE, uow=uow, actor_user_id="usr_admin"
        )
    assert uow.store == before


def test_unknown_merchant(uow: FakeUnitOfWork) -> None:
    with pytest.raises(MerchantNotFoundError) as err:
        services.change_merchant_status("mer_x", MerchantAction.SUBMIT, uow=uow, actor_user_id=None)
    assert err.value.code == "merchant_not_found"


def test_staff_membership(uow: FakeUnitOfWork, owner: str, merchant_id: str) -> None:
    staff = _user(uow, "staff@example.com")
    membership = services.add_staff_member(merchant_id, "STAFF@example.com", uow=uow)
    assert (membership.user_id, membership.role) == (staff, MemberRole.STAFF)
    with pytest.raises(AlreadyMemberError):
        services.add_staff_member(merchant_id, "staff@example.com", uow=uow)
    with pytest.raises(UserNotFoundError):
        services.add_staff_member(merchant_id, "ghost@example.com", uow=uow)
    with pytest.raises(OwnerRemovalError):
        services.remove_member(merchant_id, owner, uow=uow)
    services.remove_member(merchant_id, staff, uow=uow)
    with pytest.raises(MemberNotFoundError):
        services.remove_member(merchant_id, staff, uow=uow)
    assert list(uow.store.members) == [(merchant_id, owner)]


def test_another_merchants_shop_is_not_found(
    uow: FakeUnitOfWork, owner: str, merchant_id: str
) -> None:
    other = services.apply_for_merchant(
        services.ApplyForMerchant(name="Other"), uow=uow, applicant_user_id=owner
    )
    shop = services.create_shop(other.id, services.CreateShop(name="Other shop"), uow=uow)
    before = copy.deepcopy(uow.store)
    with pytest.raises(ShopNotFoundError):
        services.update_shop(merchant_id, shop.id, services.UpdateShop(name="Mine now"), uow=uow)
    assert uow.store == before


def test_api_key_lifecycle(
    uow: FakeUnitOfWork, owner: str, merchant_id: str, clock: FixedClock
) -> None:
    issued = services.issue_api_key(
        merchant_id, services.IssueApiKey(name="ERP"), uow=uow, actor_user_id=owner
    )
    assert issued.secret.startswith(f"agora_{issued.key.prefix}_")
    stored = uow.store.api_keys[issued.key.id]
    assert stored.key_hash == services.sha256_hex(issued.secret)
    assert issued.secret.split("_", 2)[2] not in repr(stored)

    key = services.authenticate_api_key(issued.secret, uow=uow, touch_interval_seconds=60)
    assert key.merchant_id == merchant_id
    assert uow.store.api_keys[key.id].last_used_at == clock.now()
    first_use = clock.now()
    clock.advance(timedelta(seconds=30))
    services.authenticate_api_key(issued.secret, uow=uow, touch_interval_seconds=60)
    assert uow.store.api_keys[key.id].last_used_at == first_use  # throttled
    clock.advance(timedelta(seconds=30))
    services.authenticate_api_key(issued.secret, uow=uow, touch_interval_seconds=60)
    assert uow.store.api_keys[key.id].last_used_at == clock.now()

    with pytest.raises(ApiKeyNameTakenError):
        services.issue_api_key(
            merchant_id, services.IssueApiKey(name="ERP"), uow=uow, actor_user_id=owner
        )
    services.revoke_api_key(merchant_id, key.id, uow=uow)
    with pytest.raises(AuthenticationError) as err:
        services.authenticate_api_key(issued.secret, uow=uow)
    assert err.value.code == "not_authenticated"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda s: s[:-1] + ("A" if s[-1] != "A" else "B"),  # wrong secret, right prefix
        lambda s: "agora_" + "0" * 12 + "_" + s.split("_", 2)[2],  # unknown prefix
        lambda s: s.replace("agora_", "other_"),
        lambda s: "agora__x",
        lambda s: "",
    ],
)
def test_bad_api_keys(uow: FakeUnitOfWork, owner: str, merchant_id: str, mangle) -> None:  # type: ignore[no-untyped-def]
    issued = services.issue_api_key(
        merchant_id, services.IssueApiKey(name="ERP"), uow=uow, actor_user_id=owner
    )
    with pytest.raises(AuthenticationError):
        services.authenticate_api_key(mangle(issued.secret), uow=uow)
    assert uow.store.api_keys[issued.key.id].last_used_at is None


def test_revoking_another_merchants_key_is_not_found(
    uow: FakeUnitOfWork, owner: str, merchant_id: str
) -> None:
    other = services.apply_for_merchant(
        services.ApplyForMerchant(name="Other"), uow=uow, applicant_user_id=owner
    )
    issued = services.issue_api_key(
        other.id, services.IssueApiKey(name="ERP"), uow=uow, actor_user_id=owner
    )
    with pytest.raises(ApiKeyNotFoundError):
        services.revoke_api_key(merchant_id, issued.key.id, uow=uow)
    assert uow.store.api_keys[issued.key.id].revoked_at is None


def test_currencies_are_checked_and_normalised(
    uow: FakeUnitOfWork, owner: str, merchant_id: str
) -> None:
    cmd = services.ApplyForMerchant(name="Yen shop", default_currency="jpy")
    assert services.apply_for_merchant(cmd, uow=uow, applicant_user_id=owner).default_currency == (
        "JPY"
    )
    before = copy.deepcopy(uow.store)
    with pytest.raises(ValidationError) as err:
        services.update_merchant(
            merchant_id, services.UpdateMerchant(default_currency="XXX"), uow=uow
        )
    assert err.value.code == "unsupported_currency"
    assert uow.store == before
