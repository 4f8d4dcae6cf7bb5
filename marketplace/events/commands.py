"""Commands of the webhook use cases (what the API or a script asks for)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RegisterWebhook:
    merchant_id: str
    url: str
    topics: tuple[str, ...]
    description: str | None = None
    is_active: bool = True


@dataclass(frozen=True)
class UpdateWebhook:
    merchant_id: str
    webhook_id: str
    changes: dict[str, Any] = field(default_factory=dict)  # url, topics, description, is_active


@dataclass(frozen=True)
class RotateWebhookSecret:
    merchant_id: str
    webhook_id: str
    previous_valid_seconds: int = 24 * 3600  # the old secret still signs for this long


@dataclass(frozen=True)
class RetryDelivery:
    merchant_id: str
    webhook_id: str
    delivery_id: str
