from __future__ import annotations

import pytest
from sqlalchemy import Engine

from marketplace.bootstrap import bootstrap
from marketplace.config import Settings
from marketplace.shared.adapters.cache import InMemoryCache
from marketplace.shared.clock import FixedClock
from tests.integration.rfq.seed import Procurement


def _procurement(engine: Engine, clock: FixedClock) -> Procurement:
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, env="test", log_json=False)
    return Procurement(
        bootstrap(settings, engine=engine, cache=InMemoryCache(), clock=clock), clock
    )


@pytest.fixture
def world(any_engine: Engine, clock: FixedClock) -> Procurement:
    return _procurement(any_engine, clock)


@pytest.fixture
def pg_world(pg_engine: Engine, clock: FixedClock) -> Procurement:
    return _procurement(pg_engine, clock)
