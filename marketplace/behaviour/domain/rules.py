"""The rules a behaviour event must follow, per type, and the batch check that keeps the
good events of a batch and reports each bad one.

Events arrive as plain JSON objects (from the API, or an importer); each is checked field
by field and the first broken rule is reported with a stable ``ErrorCode``. A field sent
as ``null`` counts as absent.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from marketplace.behaviour.domain.events import (
    CHANNELS,
    MAX_BATCH,
    MAX_CLIENT_AGE,
    MAX_FUTURE,
    MAX_POSITION,
    MAX_QUANTITY,
    MAX_QUERY_CHARS,
    MAX_RESULTS,
    BatchTooLargeError,
    BehaviourEvent,
    ErrorCode,
    EventError,
    EventRejectedError,
    EventSource,
    EventType,
)
from marketplace.shared.errors import ValidationError
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money

T = EventType
E = ErrorCode
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
# Long enough (a UUID, a ULID) that two clients' ids do not meet by chance.
_CLIENT_EVENT_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")

COMMON_FIELDS = frozenset({"type", "occurred_at", "session_id", "channel", "id"})
_ITEM = frozenset({"product_id", "sku_id", "merchant_id"})
_PRICE = frozenset({"unit_price", "currency"})
ALLOWED: dict[EventType, frozenset[str]] = {
    T.VIEW: _ITEM | _PRICE | {"attribution_id"},
    T.SEARCH: frozenset({"query", "results", "attribution_id"}),
    T.CLICK: _ITEM | {"position", "attribution_id"},
    T.ADD_TO_CART: _ITEM | _PRICE | {"quantity", "attribution_id"},
    T.REMOVE_FROM_CART: _ITEM | {"quantity"},
    T.PURCHASE: _ITEM | _PRICE | {"quantity", "order_id"},
}
REQUIRED: dict[EventType, tuple[str, ...]] = {
    T.SEARCH: ("query", "results"),
    T.ADD_TO_CART: ("quantity",),
    T.REMOVE_FROM_CART: ("quantity",),
    T.PURCHASE: ("order_id", "sku_id", "quantity", "unit_price", "currency"),
}
# Types about one product: they name it by product or by SKU.
NEEDS_ITEM = frozenset({T.VIEW, T.CLICK, T.ADD_TO_CART, T.REMOVE_FROM_CART})
KNOWN_FIELDS = COMMON_FIELDS.union(*ALLOWED.values())


def is_session_id(value: str) -> bool:
    return SESSION_ID.fullmatch(value) is not None


def _reject(code: ErrorCode, field: str | None, detail: str) -> EventRejectedError:
    return EventRejectedError(code, field, detail)


def _text(raw: Mapping[str, Any], field: str, pattern: re.Pattern[str], code: ErrorCode,
          what: str) -> str | None:  # fmt: skip
    value = raw.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _reject(code, field, f"{field} must be {what}.")
    return value


def _ident(raw: Mapping[str, Any], field: str) -> str | None:
    return _text(raw, field, _ID, E.INVALID_ID, "an id of 1-64 letters, digits, '_' or '-'")


def _int(raw: Mapping[str, Any], field: str, low: int, high: int, code: ErrorCode) -> int | None:
    value = raw.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _reject(code, field, f"{field} must be a whole number from {low} to {high}.")
    return value


def parse_timestamp(value: object, *, now: datetime, max_age: timedelta | None) -> datetime:
    """An ISO 8601 instant with its UTC offset, within the accepted window, in UTC."""
    if not isinstance(value, str):
        raise _reject(E.INVALID_TIMESTAMP, "occurred_at", "occurred_at must be an ISO 8601 string.")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _reject(E.INVALID_TIMESTAMP, "occurred_at",
                      f"{value[:40]!r} is not an ISO 8601 timestamp.") from None  # fmt: skip
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise _reject(E.TIMESTAMP_NOT_AWARE, "occurred_at",
                      "occurred_at needs a UTC offset (such as Z or +08:00).")  # fmt: skip
    moment = moment.astimezone(UTC)
    if moment > now + MAX_FUTURE:
        raise _reject(E.TIMESTAMP_IN_FUTURE, "occurred_at",
                      f"occurred_at is more than {MAX_FUTURE} ahead of the server.")  # fmt: skip
    if max_age is not None and moment < now - max_age:
        raise _reject(E.TIMESTAMP_TOO_OLD, "occurred_at",
                      f"occurred_at is more than {max_age.days} days old.")  # fmt: skip
    return moment


def _price(raw: Mapping[str, Any]) -> tuple[int | None, str | None]:
    amount, currency = raw.get("unit_price"), raw.get("currency")
    if amount is None and currency is None:
        return None, None
    if amount is None or currency is None:
        missing = "unit_price" if amount is None else "currency"
        raise _reject(E.MISSING_FIELD, missing, "unit_price and currency go together.")
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isupper():
        raise _reject(E.INVALID_CURRENCY, "currency", "currency must be an ISO 4217 code.")
    if not isinstance(amount, str):
        raise _reject(E.INVALID_PRICE, "unit_price",
                      'unit_price must be a decimal string such as "12.30".')  # fmt: skip
    try:
        money = Money.of(amount, currency)
    except ValidationError as exc:
        if exc.code == "unsupported_currency":
            raise _reject(E.INVALID_CURRENCY, "currency", exc.message) from None
        raise _reject(E.INVALID_PRICE, "unit_price", exc.message) from None
    if money.is_negative or money.minor >= 2**63:  # BIGINT minor units
        raise _reject(E.INVALID_PRICE, "unit_price", "unit_price must be 0 or more, and sane.")
    return money.minor, money.currency.code


def _search(raw: Mapping[str, Any]) -> tuple[str | None, tuple[str, ...] | None]:
    query, results = raw.get("query"), raw.get("results")
    if query is None and results is None:
        return None, None
    if not isinstance(query, str) or not query.strip() or len(query) > MAX_QUERY_CHARS:
        raise _reject(E.INVALID_QUERY, "query",
                      f"query must be 1-{MAX_QUERY_CHARS} characters, not blank.")  # fmt: skip
    if not isinstance(results, list) or not all(
        isinstance(r, str) and _ID.fullmatch(r) for r in results
    ):
        raise _reject(E.INVALID_RESULTS, "results", "results must be a list of product ids.")
    if len(results) > MAX_RESULTS:
        raise _reject(E.TOO_MANY_RESULTS, "results",
                      f"results lists at most {MAX_RESULTS} product ids.")  # fmt: skip
    return query.strip(), tuple(results)


def _check_fields(raw: Mapping[str, Any], kind: EventType) -> None:
    present = {k for k, v in raw.items() if v is not None}
    for field in sorted(present - COMMON_FIELDS - ALLOWED[kind]):
        if field in KNOWN_FIELDS:
            raise _reject(E.FIELD_NOT_ALLOWED, field, f"A {kind} event does not carry {field}.")
        if field == "user_id":  # who the user is comes from the sign-in, never the body
            raise _reject(E.FIELD_NOT_ALLOWED, field, "The user is the signed-in caller.")
        raise _reject(E.UNKNOWN_FIELD, field, f"{field[:40]!r} is not an event field.")
    for field in ("occurred_at", "session_id", *REQUIRED.get(kind, ())):
        if field not in present:
            raise _reject(E.MISSING_FIELD, field, f"A {kind} event needs {field}.")
    if kind in NEEDS_ITEM and not present & {"product_id", "sku_id"}:
        raise _reject(E.MISSING_FIELD, "product_id",
                      f"A {kind} event needs product_id or sku_id.")  # fmt: skip


def _event_type(raw: Mapping[str, Any]) -> EventType:
    value = raw.get("type")
    if value is None:
        raise _reject(E.MISSING_FIELD, "type", "Every event needs a type.")
    try:
        return EventType(value)
    except ValueError:
        kinds = ", ".join(t.value for t in EventType)
        raise _reject(E.INVALID_EVENT_TYPE, "type", f"type must be one of {kinds}.") from None


def _channel(raw: Mapping[str, Any]) -> str:
    channel = raw.get("channel") or "web"
    if not isinstance(channel, str) or channel not in CHANNELS:
        raise _reject(E.INVALID_CHANNEL, "channel",
                      f"channel must be one of {', '.join(sorted(CHANNELS))}.")  # fmt: skip
    return channel


def parse_event(
    raw: object,
    *,
    now: datetime,
    user_id: str | None,
    source: EventSource = EventSource.CLIENT,
    max_age: timedelta | None = MAX_CLIENT_AGE,
) -> BehaviourEvent:
    """Check one event; raises ``EventRejectedError`` naming the first broken rule."""
    if not isinstance(raw, Mapping):
        raise _reject(E.NOT_AN_OBJECT, None, "Each event must be a JSON object.")
    kind = _event_type(raw)
    _check_fields(raw, kind)
    event_id = _text(raw, "id", _CLIENT_EVENT_ID, E.INVALID_EVENT_ID,
                     "16-64 letters, digits, '_' or '-' (a UUID or ULID)")  # fmt: skip
    occurred_at = parse_timestamp(raw["occurred_at"], now=now, max_age=max_age)
    session_id = _text(raw, "session_id", SESSION_ID, E.INVALID_SESSION_ID,
                       "8-64 letters, digits, '_' or '-'")  # fmt: skip
    assert session_id is not None  # required above
    price_minor, currency = _price(raw)
    query, results = _search(raw)
    return BehaviourEvent(
        id=event_id or new_id("bev"), type=kind, occurred_at=occurred_at, source=source,
        channel=_channel(raw), session_id=session_id, user_id=user_id,
        product_id=_ident(raw, "product_id"), sku_id=_ident(raw, "sku_id"),
        merchant_id=_ident(raw, "merchant_id"), order_id=_ident(raw, "order_id"),
        quantity=_int(raw, "quantity", 1, MAX_QUANTITY, E.INVALID_QUANTITY),
        price_minor=price_minor, currency=currency, query=query, results=results,
        position=_int(raw, "position", 0, MAX_POSITION, E.INVALID_POSITION),
        attribution_id=_text(raw, "attribution_id", _ID, E.INVALID_ATTRIBUTION_ID,
                             "an id of 1-64 letters, digits, '_' or '-'"),
    )  # fmt: skip


def check_batch(
    batch: Sequence[object],
    *,
    now: datetime,
    user_id: str | None,
) -> tuple[list[BehaviourEvent], list[EventError]]:
    """The good events of a batch, and one error per bad one (by index)."""
    if len(batch) > MAX_BATCH:
        raise BatchTooLargeError(len(batch))
    events: list[BehaviourEvent] = []
    errors: list[EventError] = []
    for index, raw in enumerate(batch):
        try:
            events.append(parse_event(raw, now=now, user_id=user_id))
        except EventRejectedError as exc:
            errors.append(EventError(index, ErrorCode(exc.code), exc.field, exc.message))
    return events, errors
