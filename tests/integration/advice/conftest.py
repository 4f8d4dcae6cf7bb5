from __future__ import annotations

import pytest
from sqlalchemy import Engine

from marketplace.bootstrap import bootstrap
from marketplace.config import Settings
from marketplace.shared.adapters.cache import InMemoryCache
from marketplace.shared.clock import FixedClock
from tests.integration.advice.seed import Advice
from tests.integration.ordering.seed import Market


def _advice(engine: Engine, clock: FixedClock) -> Advice:
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, env="test", log_json=False)
    app = bootstrap(settings, engine=engine, cache=InMemoryCache(), clock=clock)
    return Advice(Market(app, clock))


@pytest.fixture
def advice(any_engine: Engine, clock: FixedClock) -> Advice:
    """Advice on a small market, on SQLite and PostgreSQL."""
    return _advice(any_engine, clock)


@pytest.fixture
def pg_advice(pg_engine: Engine, clock: FixedClock) -> Advice:
    return _advice(pg_engine, clock)
