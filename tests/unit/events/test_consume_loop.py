"""The consumer loop over a fake event source (a fake of our own ``EventSource`` port):
acknowledge after success only, redeliver failures, keep order where the source does,
dead-letter an event that keeps failing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from marketplace.events.consumers import consume, handle_batch
from marketplace.events.domain import DomainEvent, Topic
from marketplace.events.ports import ReceivedEvent

NOW = datetime(2026, 3, 1, tzinfo=UTC)


class FakeSource:
    """Hands out the unacknowledged events of a list, counting deliveries per event."""

    def __init__(self, events: list[DomainEvent], *, preserves_order: bool) -> None:
        self.events = events
        self.preserves_order = preserves_order
        self.acked: list[str] = []
        self.dead: list[tuple[str, str]] = []
        self.deliveries: dict[str, int] = {}

    def read(self, group: str, consumer: str, *, count: int, block_ms: int) -> list[ReceivedEvent]:
        done = set(self.acked) | {event_id for event_id, _ in self.dead}
        batch = [e for e in self.events if e.id not in done][:count]
        for e in batch:
            self.deliveries[e.id] = self.deliveries.get(e.id, 0) + 1
        return [ReceivedEvent(e, e.id, self.deliveries[e.id]) for e in batch]

    def ack(self, group: str, received: ReceivedEvent) -> None:
        self.acked.append(received.receipt)

    def dead_letter(self, group: str, received: ReceivedEvent, error: str) -> None:
        self.dead.append((received.receipt, error))


def _events(n: int) -> list[DomainEvent]:
    return [
        DomainEvent(Topic.ORDER_PAID, f"ord_{i}", {"i": i}, NOW, id=f"evt_{i}") for i in range(n)
    ]


def _failing_on(event_id: str, times: int) -> tuple[list[str], Callable[[DomainEvent], None]]:
    seen: list[str] = []
    failures = {"left": times}

    def handler(event: DomainEvent) -> None:
        seen.append(event.id)
        if event.id == event_id and failures["left"] > 0:
            failures["left"] -= 1
            raise RuntimeError("boom")

    return seen, handler


def test_a_failed_event_holds_back_the_rest_when_the_source_keeps_order() -> None:
    source = FakeSource(_events(3), preserves_order=True)
    seen, handler = _failing_on("evt_1", times=1)
    handled = consume("g", handler, source=source, max_batches=1)
    assert (handled, source.acked, seen) == (1, ["evt_0"], ["evt_0", "evt_1"])
    assert consume("g", handler, source=source, max_batches=1) == 2
    assert source.acked == ["evt_0", "evt_1", "evt_2"]
    assert source.deliveries["evt_1"] == 2


def test_a_failed_event_does_not_hold_back_others_on_a_stream() -> None:
    source = FakeSource(_events(3), preserves_order=False)
    _seen, handler = _failing_on("evt_1", times=1)
    assert consume("g", handler, source=source, max_batches=1) == 2
    assert source.acked == ["evt_0", "evt_2"]
    assert consume("g", handler, source=source, max_batches=1) == 1
    assert source.acked == ["evt_0", "evt_2", "evt_1"]


@pytest.mark.parametrize("ordered", [True, False])
def test_an_event_failing_max_deliveries_times_is_dead_lettered(ordered: bool) -> None:
    source = FakeSource(_events(2), preserves_order=ordered)
    _, handler = _failing_on("evt_0", times=99)
    for _ in range(3):
        consume("g", handler, source=source, max_batches=1, max_deliveries=3)
    assert source.dead == [("evt_0", "RuntimeError: boom")]
    assert source.acked == ["evt_1"]
    assert source.deliveries["evt_0"] == 3


def test_nothing_is_acknowledged_when_the_handler_fails() -> None:
    source = FakeSource(_events(1), preserves_order=False)
    _, handler = _failing_on("evt_0", times=1)
    received = source.read("g", "c", count=10, block_ms=0)
    assert handle_batch("g", handler, received, source=source) == 0
    assert (source.acked, source.dead) == ([], [])
