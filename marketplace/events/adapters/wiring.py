"""The event plumbing of a deployment, built from settings (``Marketplace.events``).

With Redis: the relay publishes the outbox to ``{prefix}events`` and consumers read that
stream in groups. Without Redis (the embedded SQLite build): there is no relay; consumers
read the outbox table itself (``OutboxTableSource``). Either way ``source`` is an
``EventSource``, so the webhook dispatcher and any other consumer run unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import redis
from sqlalchemy import Engine

from marketplace.config import Settings
from marketplace.events.adapters.http_sender import HttpxWebhookSender
from marketplace.events.adapters.redis_streams import (
    RedisStreamPublisher,
    RedisStreamSource,
    stream_key,
)
from marketplace.events.adapters.table_source import OutboxTableSource
from marketplace.events.ports import EventSource, StreamPublisher
from marketplace.events.webhooks import RetryPolicy
from marketplace.shared.clock import Clock

# A stream read blocks for at most this long, well inside the socket timeout.
READ_BLOCK_MS = 1000
LEASE_MARGIN = timedelta(seconds=30)


@dataclass
class EventsWiring:
    source: EventSource
    publisher: StreamPublisher | None  # None without Redis: nothing to relay to
    sender: HttpxWebhookSender
    retry_policy: RetryPolicy
    delivery_lease: timedelta
    relay_batch_size: int
    max_deliveries: int
    redis_client: redis.Redis | None = None

    @property
    def has_stream(self) -> bool:
        return self.publisher is not None

    def close(self) -> None:
        self.sender.close()
        if self.redis_client is not None:
            self.redis_client.close()


def build_events(settings: Settings, *, engine: Engine, clock: Clock) -> EventsWiring:
    source: EventSource
    publisher: StreamPublisher | None = None
    client: redis.Redis | None = None
    if settings.redis_url:
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=READ_BLOCK_MS / 1000 + 5)
        stream = stream_key(settings.redis_prefix)
        source = RedisStreamSource(
            client, stream=stream, claim_idle_ms=settings.events_claim_idle_ms
        )
        publisher = RedisStreamPublisher(
            client, stream=stream, maxlen=settings.events_stream_maxlen
        )
    else:
        source = OutboxTableSource(engine, clock=clock)
    return EventsWiring(
        source=source,
        publisher=publisher,
        sender=HttpxWebhookSender(
            timeout_seconds=settings.webhook_timeout_seconds,
            allow_private_networks=settings.webhook_allow_private_networks,
        ),
        retry_policy=RetryPolicy(
            base_seconds=settings.webhook_backoff_base_seconds,
            cap_seconds=settings.webhook_backoff_cap_seconds,
            max_attempts=settings.webhook_max_attempts,
        ),
        delivery_lease=timedelta(seconds=settings.webhook_timeout_seconds) + LEASE_MARGIN,
        relay_batch_size=settings.events_relay_batch_size,
        max_deliveries=settings.events_max_deliveries,
        redis_client=client,
    )
