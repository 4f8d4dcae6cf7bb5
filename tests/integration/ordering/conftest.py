from __future__ import annotations

import pytest
from sqlalchemy import Engine

from marketplace.bootstrap import bootstrap
from marketplace.config import Settings
from marketplace.shared.adapters.cache import InMemoryCache
from marketplace.shared.clock import FixedClock
from tests.integration.ordering.seed import Market


@pytest.fixture
def market(any_engine: Engine, clock: FixedClock) -> Market:
    settings = Settings(database_url=str(any_engine.url), env="test", log_json=False)
    app = bootstrap(settings, engine=any_engine, cache=InMemoryCache(), clock=clock)
    return Market(app, clock)


@pytest.fixture
def pg_market(pg_engine: Engine, clock: FixedClock) -> Market:
    settings = Settings(
        database_url=pg_engine.url.render_as_string(hide_password=False), env="test",
        log_json=False,
    )  # fmt: skip
    app = bootstrap(settings, engine=pg_engine, cache=InMemoryCache(), clock=clock)
    return Market(app, clock)
