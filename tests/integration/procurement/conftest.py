from __future__ import annotations

import pytest
from sqlalchemy import Engine

from marketplace.bootstrap import bootstrap
from marketplace.config import Settings
from marketplace.shared.adapters.cache import InMemoryCache
from marketplace.shared.clock import FixedClock
from tests.integration.procurement.seed import B2B, build


def _b2b(engine: Engine, clock: FixedClock) -> B2B:
    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, env="test", log_json=False, db_pool_size=12)
    return build(bootstrap(settings, engine=engine, cache=InMemoryCache(), clock=clock), clock)


@pytest.fixture
def b2b(any_engine: Engine, clock: FixedClock) -> B2B:
    return _b2b(any_engine, clock)


@pytest.fixture
def pg_b2b(pg_engine: Engine, clock: FixedClock) -> B2B:
    return _b2b(pg_engine, clock)
