"""The 100 scripted procurement dialogues, graded by the database's end state (see
``procurement_dialogues``). Every dialogue must end as expected."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from marketplace.shared.clock import FixedClock
from serving.agent.chat import ProcurementChat
from tests.eval.procurement_dialogues import build_world, dialogues, report, run
from tests.integration.procurement.conftest import _b2b


@pytest.mark.slow
def test_the_scripted_dialogues_end_as_expected(any_engine: Engine, clock: FixedClock) -> None:
    world = build_world(_b2b(any_engine, clock))
    chat = ProcurementChat(world.b2b.app)
    try:
        results = [run(world, chat, d) for d in dialogues()]
    finally:
        chat.close()
    summary = report(results)
    print(json.dumps({k: v for k, v in summary.items() if k != "failures"}))
    print("failed:", [f["id"] for f in summary["failures"]])
    assert summary["dialogues"] == 100
    assert summary["failures"] == [], json.dumps(summary["failures"][:5], default=str, indent=1)
