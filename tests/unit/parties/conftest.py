from __future__ import annotations

import pytest

from marketplace.parties.adapters.tokens import JwtAccessTokens
from marketplace.shared.clock import FixedClock
from tests.unit.parties.fakes import FakeUnitOfWork, PlainTextPasswords

SECRET = "unit-test-secret-0123456789abcdefghijklmnop"


@pytest.fixture
def uow(clock: FixedClock) -> FakeUnitOfWork:
    return FakeUnitOfWork(clock)


@pytest.fixture
def passwords() -> PlainTextPasswords:
    return PlainTextPasswords()


@pytest.fixture
def tokens() -> JwtAccessTokens:
    return JwtAccessTokens(secret=SECRET, issuer="agora-test", ttl_seconds=900)
