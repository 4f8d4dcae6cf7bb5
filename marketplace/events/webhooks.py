"""Merchant webhooks: subscriptions, deliveries and their attempts, and the rules for
URLs, topics, secrets and retries. Standard library only.

A *subscription* is an endpoint a merchant registered for some topics. Each event about
that merchant on one of those topics becomes one *delivery* (unique per subscription and
event), tried until the endpoint answers 2xx or the attempts run out; every *attempt* is
logged.
"""

from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from marketplace.events.domain import Topic
from marketplace.shared.errors import ConflictError, NotFoundError, ValidationError

MAX_URL_LENGTH = 2048
MAX_DESCRIPTION = 200
MAX_WEBHOOKS_PER_MERCHANT = 16
SECRET_PREFIX = "whsec_"
MAX_PREVIOUS_SECRET_TTL = timedelta(days=7)


# -- errors ---------------------------------------------------------------------------
class WebhookNotFoundError(NotFoundError):
    code = "webhook_not_found"


class WebhookDeliveryNotFoundError(NotFoundError):
    code = "webhook_delivery_not_found"


class InvalidWebhookUrlError(ValidationError):
    code = "invalid_webhook_url"


class InvalidWebhookTopicsError(ValidationError):
    code = "invalid_webhook_topics"


class InvalidWebhookError(ValidationError):
    code = "invalid_webhook"


class WebhookLimitReachedError(ConflictError):
    code = "webhook_limit_reached"


class WebhookDeliveryInProgressError(ConflictError):
    code = "webhook_delivery_in_progress"


# -- values ---------------------------------------------------------------------------
class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt (next_attempt_at)
    DELIVERING = "delivering"  # claimed by a worker until lease_expires_at
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # attempts exhausted; a merchant may retry by hand


@dataclass(frozen=True)
class WebhookSubscription:
    id: str
    merchant_id: str
    url: str
    topics: tuple[Topic, ...]
    description: str | None
    secret: str
    previous_secret: str | None
    previous_secret_expires_at: datetime | None
    is_active: bool
    created_at: datetime
    updated_at: datetime

    def is_subscribed(self, topic: Topic) -> bool:
        return self.is_active and topic in self.topics

    def wants(self, topic: Topic, occurred_at: datetime) -> bool:
        """Active, subscribed to the topic, and existing when the event occurred: a new
        endpoint does not receive the backlog of events from before it was registered."""
        return self.is_subscribed(topic) and self.created_at <= occurred_at

    def signing_secrets(self, now: datetime) -> list[str]:
        """The current secret, and the previous one during its grace period."""
        previous, until = self.previous_secret, self.previous_secret_expires_at
        if previous is not None and until is not None and now < until:
            return [self.secret, previous]
        return [self.secret]


@dataclass(frozen=True)
class WebhookDelivery:
    id: str
    subscription_id: str
    merchant_id: str
    event_id: str
    topic: str
    body: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    lease_expires_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class DeliveryAttempt:
    delivery_id: str
    attempt: int
    started_at: datetime
    status_code: int | None
    duration_ms: int
    error: str | None
    response_excerpt: str | None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class ClaimedDelivery:
    """A delivery a worker now holds, with where and how to send it."""

    delivery: WebhookDelivery
    url: str
    secrets: tuple[str, ...]


# -- rules ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter: after the N-th failed attempt, the next one waits
    ``min(cap, base * 2**N)``, shortened by up to ``jitter`` of itself (so endpoints that
    failed together are not retried in lockstep). After ``max_attempts`` it is failed."""

    base_seconds: float = 60.0
    cap_seconds: float = 6 * 3600.0
    max_attempts: int = 10
    jitter: float = 0.1

    def delay_after(self, attempt: int, rand: float) -> timedelta:
        """The wait after failed attempt number ``attempt`` (1-based); ``rand`` in [0, 1)."""
        raw = min(self.cap_seconds, self.base_seconds * 2.0 ** min(attempt, 62))
        return timedelta(seconds=raw * (1.0 - self.jitter * rand))

    def next_attempt_at(self, attempt: int, now: datetime, rand: float) -> datetime | None:
        """When to try again after failed attempt ``attempt``; None when it was the last."""
        if attempt >= self.max_attempts:
            return None
        return now + self.delay_after(attempt, rand)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def is_disallowed_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Addresses a webhook must not reach: loopback, private, link-local (cloud metadata
    at 169.254.169.254), multicast, reserved and unspecified ones."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _is_internal_host(host: str) -> bool:
    name = host.lower().rstrip(".")
    if name == "localhost" or name.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        return is_disallowed_address(ipaddress.ip_address(name))
    except ValueError:
        return False  # a name: checked again, resolved, when a delivery is sent


def validate_webhook_url(url: str, *, allow_private_networks: bool) -> str:
    """An absolute http(s) URL without credentials or fragment; with the SSRF guard on,
    not a name or address of this machine or its private networks."""
    url = url.strip()
    if not url or len(url) > MAX_URL_LENGTH:
        raise InvalidWebhookUrlError(f"A webhook URL has 1-{MAX_URL_LENGTH} characters.")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise InvalidWebhookUrlError("A webhook URL must use http or https.", url=url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or port == -1 or port == 0:
        raise InvalidWebhookUrlError("A webhook URL needs a host (and a valid port).", url=url)
    if parts.username is not None or parts.password is not None:
        raise InvalidWebhookUrlError("Put no credentials in a webhook URL; it is signed.")
    if parts.fragment:
        raise InvalidWebhookUrlError("A webhook URL has no #fragment.", url=url)
    if not allow_private_networks and _is_internal_host(parts.hostname):
        raise InvalidWebhookUrlError(
            "A webhook URL must point to a public host, not a local or private one.", url=url
        )
    return url


def clean_topics(topics: list[str] | tuple[str, ...]) -> tuple[Topic, ...]:
    """Known topics, each once, in a stable order; at least one."""
    chosen: set[Topic] = set()
    for name in topics:
        try:
            chosen.add(Topic(name))
        except ValueError:
            known = ", ".join(t.value for t in Topic)
            raise InvalidWebhookTopicsError(
                f"{name!r} is not a topic (known: {known}).", topic=name
            ) from None
    if not chosen:
        raise InvalidWebhookTopicsError("Subscribe to at least one topic.")
    return tuple(sorted(chosen, key=lambda t: t.value))


def clean_description(description: str | None) -> str | None:
    cleaned = " ".join((description or "").split())
    if len(cleaned) > MAX_DESCRIPTION:
        raise InvalidWebhookError(f"A description has at most {MAX_DESCRIPTION} characters.")
    return cleaned or None
