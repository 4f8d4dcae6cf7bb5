"""Fixtures of the importer tests: a second, empty database of the same dialect (for the
service-equivalence test) and the data sets (real files, sliced at test time)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine

from marketplace.config import Settings
from marketplace.db.engine import make_engine
from marketplace.db.schema import load_all_tables, metadata
from tests.conftest import IN_CI, PG_ADMIN_URL


@pytest.fixture
def second_pg_engine(pg_url: str) -> Iterator[Engine]:
    """Another fresh PostgreSQL database with the schema, dropped after the test."""
    name = f"agora_t2_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    engine = make_engine(f"{PG_ADMIN_URL.rpartition('/')[0]}/{name}", pool_size=2)
    load_all_tables()
    metadata.create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    """The real data sets; absent outside CI is a skip, under CI a failure."""
    path = Settings().datasets_dir
    if (
        not (path / "uci-online-retail" / "online_retail.csv.gz").exists()
        or not (path / "olist-brazilian-ecommerce" / "olist_sellers_dataset.csv.gz").exists()
    ):
        message = f"the data sets are not under {path} (set AGORA_DATASETS_DIR)"
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return Path(path)
