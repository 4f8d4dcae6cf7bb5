"""``agora events partitions`` against a real (SQLite) database: retention deletes old
days there, since SQLite has no partitions; a retention inside the client window is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, insert, select
from typer.testing import CliRunner

from marketplace.behaviour.adapters.tables import behaviour_events
from marketplace.config import get_settings
from serving.cli import app


@pytest.fixture
def cli_env(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    monkeypatch.setenv("AGORA_DATABASE_URL", str(sqlite_engine.url))
    monkeypatch.setenv("AGORA_ENV", "test")
    get_settings.cache_clear()
    yield sqlite_engine
    get_settings.cache_clear()


def _add(engine: Engine, event_id: str, at: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(insert(behaviour_events).values(
            id=event_id, occurred_at=at, received_at=at, type="view", source="client",
            channel="web", session_id="sess_12345", product_id="prod_1",
        ))  # fmt: skip


def _ids(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(select(behaviour_events.c.id)).scalars())


def test_partitions_command_drops_days_past_retention(cli_env: Engine) -> None:
    now = datetime.now(UTC)
    _add(cli_env, "old", now - timedelta(days=40))
    _add(cli_env, "recent", now - timedelta(days=2))
    result = CliRunner().invoke(app, ["events", "partitions", "--days-ahead", "3",
                                      "--retention-days", "30"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "dropped 1 day(s)" in result.output
    assert _ids(cli_env) == ["recent"]


def test_a_retention_inside_the_client_window_is_refused(cli_env: Engine) -> None:
    _add(cli_env, "old", datetime.now(UTC) - timedelta(days=7))
    result = CliRunner().invoke(app, ["events", "partitions", "--retention-days", "5"])
    assert result.exit_code != 0
    assert _ids(cli_env) == ["old"]
    with cli_env.connect() as conn:
        assert conn.execute(select(func.count()).select_from(behaviour_events)).scalar_one() == 1
