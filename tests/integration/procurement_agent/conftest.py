from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from marketplace.shared.clock import FixedClock
from serving.agent.chat import ProcurementChat
from tests.integration.procurement.conftest import _b2b
from tests.integration.procurement_agent.world import World, add_bolt_suppliers


@pytest.fixture
def world(any_engine: Engine, clock: FixedClock) -> World:
    return add_bolt_suppliers(_b2b(any_engine, clock))


@pytest.fixture
def pg_world(pg_engine: Engine, clock: FixedClock) -> World:
    return add_bolt_suppliers(_b2b(pg_engine, clock))


@pytest.fixture
def chat(world: World) -> Iterator[ProcurementChat]:
    service = ProcurementChat(world.b2b.app)
    yield service
    service.close()
