"""Redis Streams: the relay appends to one stream; consumer groups read it.

Stream ``{prefix}events``, trimmed with ``MAXLEN ~`` (approximate trimming costs almost
nothing, exact trimming costs a node rewrite on each append). Each group reads new entries
with ``XREADGROUP >``; entries a consumer took but never acknowledged (it crashed) are
claimed by another after ``claim_idle_ms`` with ``XAUTOCLAIM``; an entry delivered
``max_deliveries`` times without success goes to ``{prefix}events:dead`` and is
acknowledged, so one poison event cannot stall a group forever.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import redis

from marketplace.events.codec import UndecodableEventError, decode_fields, encode_fields
from marketplace.events.domain import DomainEvent
from marketplace.events.ports import ReceivedEvent

log = logging.getLogger("agora.events")

DEAD_LETTER_MAXLEN = 100_000


def stream_key(prefix: str) -> str:
    return f"{prefix}events"


class RedisStreamPublisher:
    def __init__(self, client: redis.Redis, *, stream: str, maxlen: int) -> None:
        self._client = client
        self.stream = stream
        self.maxlen = maxlen

    def publish(self, events: Sequence[DomainEvent]) -> None:
        if not events:
            return
        # One round trip for the batch; MULTI/EXEC is not needed for at-least-once.
        pipe = self._client.pipeline(transaction=False)
        for event in events:
            pipe.xadd(self.stream, encode_fields(event), maxlen=self.maxlen, approximate=True)  # type: ignore[arg-type]
        pipe.execute()


class RedisStreamSource:
    """``EventSource`` over a Redis stream with consumer groups."""

    preserves_order = False

    def __init__(
        self,
        client: redis.Redis,
        *,
        stream: str,
        claim_idle_ms: int = 60_000,
        start_id: str = "0",
    ) -> None:
        self._client = client
        self.stream = stream
        self.dead_stream = f"{stream}:dead"
        self.claim_idle_ms = claim_idle_ms
        self.start_id = start_id  # where a new group starts: "0" all retained, "$" new only
        self._groups: set[str] = set()
        self._claim_cursor: dict[str, str] = {}

    def ensure_group(self, group: str) -> None:
        if group in self._groups:
            return
        try:
            self._client.xgroup_create(self.stream, group, id=self.start_id, mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._groups.add(group)

    def read(self, group: str, consumer: str, *, count: int, block_ms: int) -> list[ReceivedEvent]:
        self.ensure_group(group)
        try:
            return self._read(group, consumer, count=count, block_ms=block_ms)
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            # The stream was deleted (a flushed Redis): recreate the group and go on.
            self._groups.discard(group)
            self.ensure_group(group)
            return self._read(group, consumer, count=count, block_ms=block_ms)

    def _read(self, group: str, consumer: str, *, count: int, block_ms: int) -> list[ReceivedEvent]:
        claimed = self._claim_stale(group, consumer, count)
        if claimed:
            return claimed
        response = self._client.xreadgroup(
            group, consumer, {self.stream: ">"}, count=count, block=block_ms or None
        )
        entries = _entries_of(response)
        return self._received(group, entries, attempts={})

    def _claim_stale(self, group: str, consumer: str, count: int) -> list[ReceivedEvent]:
        """Entries other consumers took and left unacknowledged for too long."""
        start = self._claim_cursor.get(group, "0-0")
        reply: Any = self._client.xautoclaim(
            self.stream, group, consumer, self.claim_idle_ms, start_id=start, count=count
        )
        next_start, entries = _text(reply[0]), [e for e in reply[1] if e and e[1] is not None]
        self._claim_cursor[group] = next_start
        if not entries:
            return []
        # How often each was delivered (the claim counted one more): for the dead-letter limit.
        pipe = self._client.pipeline(transaction=False)
        for entry_id, _ in entries:
            pipe.xpending_range(self.stream, group, min=entry_id, max=entry_id, count=1)
        attempts = {
            _text(p[0]["message_id"]): int(p[0]["times_delivered"]) for p in pipe.execute() if p
        }
        return self._received(group, entries, attempts=attempts)

    def _received(
        self, group: str, entries: list[Any], *, attempts: dict[str, int]
    ) -> list[ReceivedEvent]:
        received = []
        for raw_id, fields in entries:
            entry_id = _text(raw_id)
            try:
                event = decode_fields(fields)
            except UndecodableEventError as exc:
                self._bury(group, entry_id, fields, f"undecodable: {exc}")
                continue
            received.append(ReceivedEvent(event, entry_id, attempts.get(entry_id, 1)))
        return received

    def ack(self, group: str, received: ReceivedEvent) -> None:
        self._client.xack(self.stream, group, received.receipt)

    def dead_letter(self, group: str, received: ReceivedEvent, error: str) -> None:
        self._bury(group, received.receipt, encode_fields(received.event), error)

    def _bury(self, group: str, entry_id: str, fields: Any, error: str) -> None:
        log.error(
            "event dead-lettered",
            extra={"group": group, "entry_id": entry_id, "error": error[:500]},
        )
        body = {_text(k): _text(v) for k, v in dict(fields).items()}
        body.update(group=group, entry_id=entry_id, error=error[:500])
        pipe = self._client.pipeline(transaction=True)
        pipe.xadd(self.dead_stream, body, maxlen=DEAD_LETTER_MAXLEN, approximate=True)  # type: ignore[arg-type]
        pipe.xack(self.stream, group, entry_id)
        pipe.execute()


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _entries_of(response: Any) -> list[Any]:
    """The entries of an XREADGROUP reply (RESP2 list or RESP3 dict), for our one stream."""
    if not response:
        return []
    if isinstance(response, dict):
        return [e for streams in response.values() for e in streams[0]]
    return [entry for _stream, entries in response for entry in entries]
