"""``agora admin create`` against a real (SQLite) database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from marketplace.config import get_settings
from marketplace.parties.adapters.tables import users
from serving.cli import app


@pytest.fixture
def cli_env(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("AGORA_DATABASE_URL", str(sqlite_engine.url))
    monkeypatch.setenv("AGORA_ENV", "test")
    get_settings.cache_clear()
    yield sqlite_engine
    get_settings.cache_clear()


def _admins(engine: Engine) -> list[tuple[str, bool]]:
    with engine.connect() as conn:
        return [
            (row.email, row.is_platform_admin)
            for row in conn.execute(select(users.c.email, users.c.is_platform_admin))
        ]


def test_admin_create_then_promote(cli_env: Engine) -> None:
    runner = CliRunner()
    created = runner.invoke(
        app, ["admin", "create", "--email", "Root@Example.com", "--password", "Adm1n-pass"]
    )
    assert created.exit_code == 0, created.output
    assert "root@example.com" in created.output
    again = runner.invoke(app, ["admin", "create", "--email", "root@example.com"])
    assert again.exit_code == 0, again.output
    assert _admins(cli_env) == [("root@example.com", True)]


def test_admin_create_refuses_a_weak_password(cli_env: Engine) -> None:
    result = CliRunner().invoke(
        app, ["admin", "create", "--email", "a@example.com", "--password", "weak"]
    )
    assert result.exit_code == 1
    assert "weak_password" in result.output
    missing = CliRunner().invoke(app, ["admin", "create", "--email", "b@example.com"])
    assert missing.exit_code == 1
    assert "password_required" in missing.output
    assert _admins(cli_env) == []
