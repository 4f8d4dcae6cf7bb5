from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from marketplace.bootstrap import bootstrap
from marketplace.config import Settings
from marketplace.shared.adapters.cache import InMemoryCache
from marketplace.shared.clock import FixedClock
from tests.integration.ordering.seed import Market


@pytest.fixture
def market(any_engine: Engine, clock: FixedClock) -> Market:
    """Orders, payments and refunds through the real services, on SQLite and PostgreSQL."""
    url = any_engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, env="test", log_json=False)
    app = bootstrap(settings, engine=any_engine, cache=InMemoryCache(), clock=clock)
    return Market(app, clock)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """Where exports go (not tmp_path itself, which holds the SQLite database)."""
    return tmp_path / "exports"
