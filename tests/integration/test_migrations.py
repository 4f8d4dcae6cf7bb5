"""The Alembic migrations build exactly the schema the models describe, on both databases,
and downgrade cleanly."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from marketplace.db import migrate
from marketplace.db.engine import make_engine
from marketplace.db.schema import include_in_migrations, load_all_tables, metadata
from tests.conftest import PG_ADMIN_URL


@pytest.fixture
def fresh_pg_url() -> Iterator[str]:
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL unreachable: {exc}")
        pytest.skip(str(exc))
    name = f"agora_mig_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}"
    finally:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname=%s", (name,)
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


def _diff(url: str) -> list[object]:
    load_all_tables()
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn, opts={"include_object": include_in_migrations, "compare_type": True}
            )
            return list(compare_metadata(ctx, metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url, pool_size=1)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _roundtrip(url: str) -> None:
    migrate.upgrade(url)
    assert _diff(url) == []
    assert {t.name for t in metadata.sorted_tables} <= _tables(url)
    migrate.downgrade(url, "base")
    assert not (_tables(url) & {t.name for t in metadata.sorted_tables})
    migrate.upgrade(url)
    assert _diff(url) == []


@pytest.mark.postgres
def test_migrations_match_models_on_postgres(fresh_pg_url: str) -> None:
    _roundtrip(fresh_pg_url)
    migrate.check(fresh_pg_url)  # the same check `agora db check` runs


def test_migrations_match_models_on_sqlite(tmp_path: Path) -> None:
    _roundtrip(f"sqlite:///{tmp_path / 'm.db'}")
