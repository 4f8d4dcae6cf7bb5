"""The per-type rules of behaviour events: each error code, and what a good event becomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from marketplace.behaviour.domain import (
    MAX_BATCH,
    BatchTooLargeError,
    ErrorCode,
    EventRejectedError,
    EventSource,
    EventType,
    check_batch,
    parse_event,
)

NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
E = ErrorCode


def ev(type_: str = "view", **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": type_, "occurred_at": "2026-12-04T15:59:00+08:00", "session_id": "sess_12345",
    }  # fmt: skip
    defaults: dict[str, dict[str, Any]] = {
        "view": {"product_id": "prod_1"},
        "click": {"product_id": "prod_1", "position": 3, "attribution_id": "rec_9"},
        "search": {"query": "red shoes", "results": ["prod_1", "prod_2"]},
        "add_to_cart": {"sku_id": "sku_1", "quantity": 2},
        "remove_from_cart": {"sku_id": "sku_1", "quantity": 1},
        "purchase": {"order_id": "ord_1", "sku_id": "sku_1", "quantity": 1,
                     "unit_price": "12.30", "currency": "CNY"},
    }  # fmt: skip
    return {**base, **defaults.get(type_, {}), **fields}


def refused(raw: object) -> tuple[str, str | None]:
    with pytest.raises(EventRejectedError) as info:
        parse_event(raw, now=NOW, user_id=None)
    return info.value.code, info.value.field


@pytest.mark.parametrize("kind", [t.value for t in EventType])
def test_each_type_accepts_its_minimal_event(kind: str) -> None:
    event = parse_event(ev(kind), now=NOW, user_id="usr_1")
    assert event.type == kind
    assert event.user_id == "usr_1"
    assert event.occurred_at == datetime(2026, 12, 4, 7, 59, tzinfo=UTC)  # stored in UTC
    assert event.source is EventSource.CLIENT
    assert event.channel == "web"
    assert event.id.startswith("bev_")  # made by the server when the client sends none


def test_purchase_price_becomes_minor_units_and_client_id_is_kept() -> None:
    event = parse_event(ev("purchase", id="0f8b7c1e-2d3a-4b5c-9d6e-7f8091a2b3c4",
                           unit_price="1234.50", channel="app"), now=NOW, user_id=None)  # fmt: skip
    assert (event.price_minor, event.currency, event.quantity) == (123450, "CNY", 1)
    assert event.id == "0f8b7c1e-2d3a-4b5c-9d6e-7f8091a2b3c4"
    assert event.channel == "app"
    jpy = parse_event(ev("view", unit_price="500", currency="JPY"), now=NOW, user_id=None)
    assert (jpy.price_minor, jpy.currency) == (500, "JPY")


def test_search_keeps_results_in_order_and_trims_the_query() -> None:
    event = parse_event(ev("search", query="  tea  ", results=[]), now=NOW, user_id=None)
    assert (event.query, event.results) == ("tea", ())


def test_null_fields_count_as_absent() -> None:
    event = parse_event(ev("view", sku_id=None, merchant_id=None, id=None), now=NOW, user_id=None)
    assert event.sku_id is None
    assert event.product_id == "prod_1"


@pytest.mark.parametrize(
    ("raw", "code", "field"),
    [
        (["not", "an", "object"], E.NOT_AN_OBJECT, None),
        (ev(colour="red"), E.UNKNOWN_FIELD, "colour"),
        (ev(user_id="usr_someone_else"), E.FIELD_NOT_ALLOWED, "user_id"),
        (ev("view", query="shoes"), E.FIELD_NOT_ALLOWED, "query"),
        (ev("search", product_id="prod_1"), E.FIELD_NOT_ALLOWED, "product_id"),
        (ev("view", quantity=1), E.FIELD_NOT_ALLOWED, "quantity"),
        (
            ev("remove_from_cart", unit_price="1.00", currency="CNY"),
            E.FIELD_NOT_ALLOWED,
            "currency",
        ),
        (
            {"occurred_at": "2026-12-04T08:00:00Z", "session_id": "sess_12345"},
            E.MISSING_FIELD,
            "type",
        ),
        (ev(type_="like"), E.INVALID_EVENT_TYPE, "type"),
        ({k: v for k, v in ev().items() if k != "occurred_at"}, E.MISSING_FIELD, "occurred_at"),
        ({k: v for k, v in ev().items() if k != "session_id"}, E.MISSING_FIELD, "session_id"),
        (ev("view", product_id=None), E.MISSING_FIELD, "product_id"),
        (ev("click", product_id=None), E.MISSING_FIELD, "product_id"),
        (ev("add_to_cart", quantity=None), E.MISSING_FIELD, "quantity"),
        (ev("search", results=None), E.MISSING_FIELD, "results"),
        (ev("purchase", order_id=None), E.MISSING_FIELD, "order_id"),
        (ev("purchase", currency=None), E.MISSING_FIELD, "currency"),
        (ev("view", unit_price="1.00"), E.MISSING_FIELD, "currency"),
        (ev(id="short"), E.INVALID_EVENT_ID, "id"),
        (ev(id="x" * 65), E.INVALID_EVENT_ID, "id"),
        (ev(occurred_at="yesterday"), E.INVALID_TIMESTAMP, "occurred_at"),
        (ev(occurred_at=1733299200), E.INVALID_TIMESTAMP, "occurred_at"),
        (ev(occurred_at="2026-12-04T07:59:00"), E.TIMESTAMP_NOT_AWARE, "occurred_at"),
        (ev(occurred_at="2026-12-04T08:05:01Z"), E.TIMESTAMP_IN_FUTURE, "occurred_at"),
        (ev(occurred_at="2026-11-27T07:59:59Z"), E.TIMESTAMP_TOO_OLD, "occurred_at"),
        (ev(session_id="short"), E.INVALID_SESSION_ID, "session_id"),
        (ev(session_id="has space 123"), E.INVALID_SESSION_ID, "session_id"),
        (ev(session_id="s" * 65), E.INVALID_SESSION_ID, "session_id"),
        (ev(channel="fax"), E.INVALID_CHANNEL, "channel"),
        (ev(channel=["web"]), E.INVALID_CHANNEL, "channel"),
        (ev(product_id="prod 1"), E.INVALID_ID, "product_id"),
        (ev(product_id=12), E.INVALID_ID, "product_id"),
        (ev("search", query="   "), E.INVALID_QUERY, "query"),
        (ev("search", query="q" * 501), E.INVALID_QUERY, "query"),
        (ev("search", results="prod_1"), E.INVALID_RESULTS, "results"),
        (ev("search", results=["prod_1", 7]), E.INVALID_RESULTS, "results"),
        (ev("search", results=[f"prod_{i}" for i in range(101)]), E.TOO_MANY_RESULTS, "results"),
        (ev("add_to_cart", quantity=0), E.INVALID_QUANTITY, "quantity"),
        (ev("remove_from_cart", quantity=-1), E.INVALID_QUANTITY, "quantity"),
        (ev("add_to_cart", quantity=1.5), E.INVALID_QUANTITY, "quantity"),
        (ev("add_to_cart", quantity=True), E.INVALID_QUANTITY, "quantity"),
        (ev("purchase", unit_price=12.3), E.INVALID_PRICE, "unit_price"),
        (ev("purchase", unit_price="12.345"), E.INVALID_PRICE, "unit_price"),
        (ev("purchase", unit_price="-1.00"), E.INVALID_PRICE, "unit_price"),
        (ev("purchase", unit_price="abc"), E.INVALID_PRICE, "unit_price"),
        (ev("purchase", currency="XXX"), E.INVALID_CURRENCY, "currency"),
        (ev("purchase", currency="cny"), E.INVALID_CURRENCY, "currency"),
        (ev("click", position=-1), E.INVALID_POSITION, "position"),
        (ev("click", position="3"), E.INVALID_POSITION, "position"),
        (ev("click", attribution_id="rec 9"), E.INVALID_ATTRIBUTION_ID, "attribution_id"),
    ],
)
def test_each_rule_has_its_code(raw: object, code: ErrorCode, field: str | None) -> None:
    assert refused(raw) == (code, field)


def test_every_code_is_covered_by_a_rule_test() -> None:
    # A new code needs a row above; this keeps the list of codes and the tests in step.
    source = Path(__file__).read_text(encoding="utf-8")
    assert all(f"E.{code.name}" in source for code in ErrorCode)


def test_the_window_edges_are_inside() -> None:
    at_limit = (NOW + timedelta(minutes=5)).isoformat()
    oldest = (NOW - timedelta(days=7)).isoformat()
    for moment in (at_limit, oldest):
        parse_event(ev(occurred_at=moment), now=NOW, user_id=None)
    # History (importers, the order path) is not held to the client's window.
    old = parse_event(ev(occurred_at="2017-01-01T00:00:00Z"), now=NOW, user_id=None,
                      source=EventSource.IMPORT_OLIST, max_age=None)  # fmt: skip
    assert old.source is EventSource.IMPORT_OLIST


def test_a_batch_keeps_good_events_and_reports_each_bad_one_by_index() -> None:
    batch = [ev(), ev("add_to_cart", quantity=0), "junk", ev("search")]
    events, errors = check_batch(batch, now=NOW, user_id=None)
    assert [e.type for e in events] == ["view", "search"]
    assert [(e.index, e.code, e.field) for e in errors] == [
        (1, E.INVALID_QUANTITY, "quantity"), (2, E.NOT_AN_OBJECT, None),
    ]  # fmt: skip
    assert errors[0].to_dict()["code"] == "invalid_quantity"


def test_a_batch_over_the_limit_is_refused_whole() -> None:
    with pytest.raises(BatchTooLargeError) as info:
        check_batch([ev()] * (MAX_BATCH + 1), now=NOW, user_id=None)
    assert info.value.code == "batch_too_large"
    events, errors = check_batch([ev()] * MAX_BATCH, now=NOW, user_id=None)
    assert (len(events), errors) == (MAX_BATCH, [])
