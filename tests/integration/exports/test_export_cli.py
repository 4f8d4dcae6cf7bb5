"""``agora export`` against a real (SQLite) database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine, insert
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


def _insert_events(engine: Engine) -> None:
    at = datetime(2026, 5, 1, 8, tzinfo=UTC)
    base = {"received_at": at, "type": "view", "source": "client", "channel": "app",
            "session_id": "s-1", "user_id": "usr_1"}  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(behaviour_events), [
            base | {"id": "ev-1", "occurred_at": at},
            base | {"id": "ev-2", "occurred_at": at.replace(day=2)},
        ])  # fmt: skip


def test_export_events_prints_the_rows_written(cli_env: Engine, out: Path) -> None:
    _insert_events(cli_env)

    result = CliRunner().invoke(app, [
        "export", "events", "--since", "2026-05-01", "--until", "2026-05-02T00:00:00+00:00",
        "--format", "parquet", "--out", str(out),
    ])  # fmt: skip

    assert result.exit_code == 0, result.output
    assert f"events: 1 row(s) in 1 file(s) -> {out / 'events'}" in result.output
    table = pq.read_table(out / "events" / "date=2026-05-01" / "part-0.parquet")
    assert table.column("event_id").to_pylist() == ["ev-1"]
    manifest = json.loads((out / "events" / "_manifest.json").read_text())
    assert manifest["time_range"]["until"] == "2026-05-02T00:00:00+00:00"


def test_export_catalog_needs_no_since(cli_env: Engine, out: Path) -> None:
    result = CliRunner().invoke(app, ["export", "catalog", "--out", str(out)])

    assert result.exit_code == 0, result.output
    assert "catalog: 0 row(s) in 1 file(s)" in result.output
    assert pq.read_table(out / "catalog" / "part-0.parquet").num_rows == 0


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--since", "2026-05-02", "--until", "2026-05-01"], "invalid_export_range"),
        (["--since", "yesterday"], "invalid_export_moment"),
    ],
)
def test_bad_windows_are_refused_and_nothing_is_written(
    cli_env: Engine, out: Path, args: list[str], code: str
) -> None:
    _insert_events(cli_env)

    result = CliRunner().invoke(app, ["export", "orders", *args, "--out", str(out)])

    assert result.exit_code == 1
    assert f"error: {code}" in result.output
    assert not out.exists()
