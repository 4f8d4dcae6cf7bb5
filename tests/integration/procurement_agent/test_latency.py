"""Wall time per buyer turn through the whole stack (graph, deterministic model, real
tools, audit, checkpointer) on SQLite and PostgreSQL: a four-turn dialogue to an order,
repeated. Prints p50/p95 per kind of turn; fails only when a turn is pathologically slow."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

import pytest

from serving.agent.chat import ProcurementChat
from tests.integration.procurement_agent.world import World, collect, confirmation

EN = "I need 500 stainless M8 bolts delivered to Shanghai within 10 days"
RUNS = 12


@pytest.mark.slow
def test_turn_latency(world: World, chat: ProcurementChat, request: pytest.FixtureRequest) -> None:
    b2b = world.b2b
    times: dict[str, list[float]] = {"search": [], "draft": [], "confirm": [], "status": []}

    def timed(kind: str, events: Iterator[Any]) -> list[Any]:
        start = time.perf_counter()  # the generator runs only when collected
        out = collect(events)
        times[kind].append(time.perf_counter() - start)
        return out

    for _ in range(RUNS):
        conv = chat.start(b2b.company_id, b2b.buyer_id, "en").id
        timed("search", chat.say(conv, b2b.buyer_id, EN))
        ask = confirmation(timed("draft", chat.say(conv, b2b.buyer_id, "yes")))
        timed("confirm", chat.confirm(conv, b2b.buyer_id, ask["draft_id"], ask["content_hash"]))
        timed("status", chat.say(conv, b2b.buyer_id, "where is my order?"))
    every = sorted(t for ts in times.values() for t in ts[1:])  # the first run warms up
    db = request.node.callspec.params["any_engine"]
    for kind, ts in [*times.items(), ("all", every)]:
        ts = sorted(ts[1:]) if kind != "all" else ts
        p95 = ts[min(len(ts) - 1, round(0.95 * (len(ts) - 1)))]
        print(f"{db} {kind}: p50 {statistics.median(ts) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
    assert max(every) < 10.0
