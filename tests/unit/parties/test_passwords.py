"""Password policy and argon2id hashing."""

from __future__ import annotations

import pytest

from marketplace.config import Settings
from marketplace.parties.adapters.passwords import Argon2PasswordHasher
from marketplace.parties.domain import WeakPasswordError, check_password_policy


@pytest.mark.parametrize(
    "password",
    ["", "a1", "abc1234", "abcdefgh", "12345678", "--------", "ABCDEFGHIJ", "1" * 300 + "a"],
)
def test_weak_passwords_are_refused(password: str) -> None:
    with pytest.raises(WeakPasswordError) as err:
        check_password_policy(password)
    assert err.value.code == "weak_password"


@pytest.mark.parametrize("password", ["abcdefg1", "Passw0rd-123", "密码很长而且安全abc12345"])
def test_good_passwords_pass(password: str) -> None:
    check_password_policy(password)


@pytest.fixture
def hasher() -> Argon2PasswordHasher:
    return Argon2PasswordHasher(time_cost=1, memory_cost_kib=1024, parallelism=1)


def test_argon2id_hash_verifies_only_the_right_password(hasher: Argon2PasswordHasher) -> None:
    stored = hasher.hash("Passw0rd-123")
    assert stored.startswith("$argon2id$")
    assert "Passw0rd-123" not in stored
    assert hasher.verify(stored, "Passw0rd-123")
    assert not hasher.verify(stored, "Passw0rd-124")
    assert not hasher.verify("not a hash", "Passw0rd-123")


def test_salts_differ(hasher: Argon2PasswordHasher) -> None:
    assert hasher.hash("Passw0rd-123") != hasher.hash("Passw0rd-123")


def test_a_stronger_setting_asks_for_rehash(hasher: Argon2PasswordHasher) -> None:
    stored = hasher.hash("Passw0rd-123")
    stronger = Argon2PasswordHasher(time_cost=2, memory_cost_kib=2048, parallelism=1)
    assert not hasher.needs_rehash(stored)
    assert stronger.needs_rehash(stored)
    assert stronger.verify(stored, "Passw0rd-123")


def test_production_defaults_are_strong_and_tests_are_cheap() -> None:
    prod = Settings(env="development")
    assert (prod.password_hash_time_cost, prod.password_hash_memory_kib) == (3, 64 * 1024)
    test = Settings(env="test")
    assert test.password_hash_memory_kib < prod.password_hash_memory_kib
    explicit = Settings(env="test", password_hash_memory_kib=4096)
    assert explicit.password_hash_memory_kib == 4096


def test_production_refuses_the_development_jwt_secret() -> None:
    with pytest.raises(ValueError, match="AGORA_JWT_SECRET"):
        Settings(env="production")
