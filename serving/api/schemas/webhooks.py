"""Schemas of merchant webhooks: subscriptions (the secret only in create and rotate
answers), deliveries and their attempt log."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from marketplace.events.domain import Topic
from marketplace.events.webhooks import MAX_DESCRIPTION, MAX_URL_LENGTH, DeliveryStatus

_WHK = "whk_01JD3X8Q6V9M2K4N7P0R5T8W1Y"
_WHD = "whd_01JD3XB7C8D9E0F1G2H3J4K5M6"
_TOPICS = [t.value for t in Topic]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://erp.example.com/agora/webhooks",
                    "topics": ["order.paid", "stock.changed"],
                    "description": "ERP sync",
                }
            ]
        },
    )

    url: str = Field(
        min_length=1, max_length=MAX_URL_LENGTH, description="http(s) endpoint, public host"
    )
    topics: list[str] = Field(min_length=1, max_length=len(_TOPICS), description=f"Of {_TOPICS}")
    description: str | None = Field(None, max_length=MAX_DESCRIPTION)
    is_active: bool = True


class WebhookUpdate(BaseModel):
    """Only the fields sent change; ``is_active: false`` pauses deliveries."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"is_active": False}]}
    )

    url: str | None = Field(None, min_length=1, max_length=MAX_URL_LENGTH)
    topics: list[str] | None = Field(None, min_length=1, max_length=len(_TOPICS))
    description: str | None = Field(None, max_length=MAX_DESCRIPTION)
    is_active: bool | None = None

    @model_validator(mode="after")
    def _required_fields_not_null(self) -> Self:
        for name in ("url", "topics", "is_active"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class WebhookRotate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    previous_secret_valid_seconds: int = Field(
        24 * 3600,
        ge=0,
        le=7 * 24 * 3600,
        description="How long the old secret keeps signing beside the new one (0: not at all)",
    )


class WebhookRead(BaseModel):
    id: str = Field(examples=[_WHK])
    merchant_id: str
    url: str
    topics: list[str]
    description: str | None
    is_active: bool
    previous_secret_expires_at: datetime | None = Field(
        description="Until then deliveries carry a second signature, made with the old secret"
    )
    created_at: datetime
    updated_at: datetime


class WebhookWithSecretRead(WebhookRead):
    secret: str = Field(
        description="The signing secret (whsec_...). Shown only now: store it safely"
    )


class WebhookPage(BaseModel):
    items: list[WebhookRead]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page"
    )


class DeliveryRead(BaseModel):
    id: str = Field(examples=[_WHD])
    webhook_id: str
    event_id: str
    topic: str
    status: DeliveryStatus
    attempts: int = Field(description="Attempts made so far")
    next_attempt_at: datetime | None = Field(description="When pending: the next attempt")
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryAttemptRead(BaseModel):
    attempt: int
    started_at: datetime
    status_code: int | None = Field(description="null: no HTTP answer (timeout, refused...)")
    duration_ms: int
    error: str | None
    response_excerpt: str | None = Field(description="The first 1000 bytes of the answer")


class DeliveryDetailRead(DeliveryRead):
    body: dict[str, Any] = Field(description="The JSON sent (the same on every attempt)")
    attempt_log: list[DeliveryAttemptRead]


class DeliveryPage(BaseModel):
    items: list[DeliveryRead]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page"
    )
