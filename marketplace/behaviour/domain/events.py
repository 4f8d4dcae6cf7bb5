"""What a behaviour event is: its types, sources, fields and the stable error codes of
the rules that check it. Standard library (and the shared kernel) only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from marketplace.ordering.domain.status import Channel
from marketplace.shared.errors import ValidationError


class EventType(StrEnum):
    VIEW = "view"
    SEARCH = "search"
    CLICK = "click"
    ADD_TO_CART = "add_to_cart"
    REMOVE_FROM_CART = "remove_from_cart"
    PURCHASE = "purchase"


class EventSource(StrEnum):
    CLIENT = "client"  # a browser or app, over POST /api/v1/events
    ORDER = "order"  # the order path, when an order is paid
    IMPORT_OLIST = "import_olist"
    IMPORT_ONLINE_RETAIL = "import_online_retail"
    SYNTHETIC = "synthetic"


# The channels an order may come from; "web" and "app" are among them.
CHANNELS = frozenset(c.value for c in Channel)

MAX_BATCH = 500  # events per request; more is refused whole (413 batch_too_large)
MAX_QUERY_CHARS = 500
MAX_RESULTS = 100  # product ids a search event may list
MAX_QUANTITY = 100_000
MAX_POSITION = 10_000
MAX_ID_CHARS = 64
# Clocks drift; a client event a little ahead of ours is fine, one far ahead is a bug.
MAX_FUTURE = timedelta(minutes=5)
# Offline apps flush late, but a week-old event is a replay or a broken clock. Importers
# (history) and the order path are not held to it.
MAX_CLIENT_AGE = timedelta(days=7)


class ErrorCode(StrEnum):
    """Why one event of a batch was refused; stable, clients may branch on them."""

    NOT_AN_OBJECT = "not_an_object"
    UNKNOWN_FIELD = "unknown_field"
    FIELD_NOT_ALLOWED = "field_not_allowed"  # a known field this event type may not carry
    MISSING_FIELD = "missing_field"
    INVALID_EVENT_TYPE = "invalid_event_type"
    INVALID_EVENT_ID = "invalid_event_id"
    INVALID_TIMESTAMP = "invalid_timestamp"
    TIMESTAMP_NOT_AWARE = "timestamp_not_aware"
    TIMESTAMP_IN_FUTURE = "timestamp_in_future"
    TIMESTAMP_TOO_OLD = "timestamp_too_old"
    INVALID_SESSION_ID = "invalid_session_id"
    INVALID_CHANNEL = "invalid_channel"
    INVALID_ID = "invalid_id"  # product_id, sku_id, merchant_id, order_id
    INVALID_QUERY = "invalid_query"
    INVALID_RESULTS = "invalid_results"
    TOO_MANY_RESULTS = "too_many_results"
    INVALID_QUANTITY = "invalid_quantity"
    INVALID_PRICE = "invalid_price"
    INVALID_CURRENCY = "invalid_currency"
    INVALID_POSITION = "invalid_position"
    INVALID_ATTRIBUTION_ID = "invalid_attribution_id"


@dataclass(frozen=True, slots=True)
class EventError:
    """One refused event: its place in the batch, why, and which field."""

    index: int
    code: ErrorCode
    field: str | None
    detail: str

    def to_dict(self) -> dict[str, object]:
        return {"index": self.index, "code": str(self.code), "field": self.field,
                "detail": self.detail}  # fmt: skip


class EventRejectedError(ValidationError):
    """Raised inside the rules; turned into an ``EventError`` for the batch."""

    def __init__(self, code: ErrorCode, field: str | None, detail: str) -> None:
        super().__init__(detail, code=str(code), field=field)
        self.field = field


class BatchTooLargeError(ValidationError):
    code = "batch_too_large"

    def __init__(self, size: int) -> None:
        super().__init__(f"A batch holds at most {MAX_BATCH} events, not {size}.",
                         max_events=MAX_BATCH, events=size)  # fmt: skip


@dataclass(frozen=True, slots=True)
class BehaviourEvent:
    """One validated event, as it is stored. Prices are minor units of ``currency``."""

    id: str
    type: EventType
    occurred_at: datetime  # UTC
    source: EventSource
    channel: str
    session_id: str
    user_id: str | None = None
    product_id: str | None = None
    sku_id: str | None = None
    merchant_id: str | None = None
    quantity: int | None = None
    price_minor: int | None = None
    currency: str | None = None
    order_id: str | None = None
    query: str | None = None
    results: tuple[str, ...] | None = None
    position: int | None = None
    attribution_id: str | None = None


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What became of a batch: written, already there (a retry), refused."""

    accepted: int
    duplicates: int
    rejected: int
    errors: tuple[EventError, ...] = ()
