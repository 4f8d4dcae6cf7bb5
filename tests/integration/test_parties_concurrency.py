"""Racing refreshes of the same refresh token on PostgreSQL: exactly one wins."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from marketplace.db.uow import SqlUnitOfWork
from marketplace.parties import services
from marketplace.parties.adapters.passwords import Argon2PasswordHasher
from marketplace.parties.adapters.tokens import JwtAccessTokens
from marketplace.shared.errors import AuthenticationError

PASSWORDS = Argon2PasswordHasher(time_cost=1, memory_cost_kib=1024, parallelism=1)
TOKENS = JwtAccessTokens(secret="x" * 40, issuer="agora", ttl_seconds=60)
TTL = timedelta(days=1)


def test_concurrent_refreshes_let_one_through_and_close_the_session(pg_engine: Engine) -> None:
    services.register_user(
        services.RegisterUser(email="race@example.com", password="Passw0rd-123"),
        uow=SqlUnitOfWork(pg_engine), passwords=PASSWORDS,
    )  # fmt: skip
    pair = services.login(
        "race@example.com", "Passw0rd-123", uow=SqlUnitOfWork(pg_engine), passwords=PASSWORDS,
        tokens=TOKENS, refresh_ttl=TTL,
    )  # fmt: skip
    threads = 8
    barrier = threading.Barrier(threads)
    wins: list[services.TokenPair] = []
    errors: list[str] = []

    def attempt() -> None:
        barrier.wait()
        try:
            won = services.refresh_session(
                pair.refresh_token, uow=SqlUnitOfWork(pg_engine), tokens=TOKENS, refresh_ttl=TTL
            )
        except AuthenticationError as exc:
            errors.append(exc.code)
        else:
            wins.append(won)

    workers = [threading.Thread(target=attempt) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(wins) == 1
    assert len(errors) == threads - 1
    assert set(errors) <= {"refresh_token_reused", "invalid_refresh_token"}
    assert "refresh_token_reused" in errors
    # The winner's new token belongs to the family that the losers revoked.
    with pytest.raises(AuthenticationError) as err:
        services.refresh_session(
            wins[0].refresh_token, uow=SqlUnitOfWork(pg_engine), tokens=TOKENS, refresh_ttl=TTL
        )
    assert err.value.code == "invalid_refresh_token"
