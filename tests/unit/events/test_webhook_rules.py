"""Pure webhook rules: the backoff schedule, URL validation (SSRF guard), topics,
secrets and the wire formats of an event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.events.codec import (
    UndecodableEventError,
    decode_fields,
    encode_fields,
    webhook_body,
)
from marketplace.events.domain import DomainEvent, Topic
from marketplace.events.webhooks import (
    InvalidWebhookTopicsError,
    InvalidWebhookUrlError,
    RetryPolicy,
    WebhookSubscription,
    clean_topics,
    new_secret,
    validate_webhook_url,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


# -- backoff ------------------------------------------------------------------------------
def test_attempt_n_waits_base_times_two_to_the_n_until_the_cap() -> None:
    policy = RetryPolicy(base_seconds=30, cap_seconds=3600, max_attempts=10, jitter=0.1)
    waits = [policy.delay_after(n, rand=0.0).total_seconds() for n in range(1, 9)]
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_jitter_only_shortens_and_by_at_most_its_share() -> None:
    policy = RetryPolicy(base_seconds=30, cap_seconds=3600, jitter=0.1)
    assert policy.delay_after(3, rand=0.5).total_seconds() == pytest.approx(240 * 0.95)
    assert policy.delay_after(3, rand=0.999999).total_seconds() == pytest.approx(216, abs=0.01)
    assert policy.delay_after(40, rand=0.0) == timedelta(seconds=3600)  # no overflow


def test_after_the_last_attempt_there_is_no_next_one() -> None:
    policy = RetryPolicy(base_seconds=10, cap_seconds=100, max_attempts=3, jitter=0)
    assert policy.next_attempt_at(1, NOW, 0.3) == NOW + timedelta(seconds=20)
    assert policy.next_attempt_at(2, NOW, 0.3) == NOW + timedelta(seconds=40)
    assert policy.next_attempt_at(3, NOW, 0.3) is None
    assert policy.next_attempt_at(7, NOW, 0.3) is None  # a manual retry past the limit


# -- URLs ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    ["https://erp.example.com/hooks", "http://example.com:8080/a?b=c", "HTTPS://Example.COM"],
)
def test_public_http_urls_are_accepted(url: str) -> None:
    assert validate_webhook_url(f"  {url} ", allow_private_networks=False) == url


@pytest.mark.parametrize(
    "url",
    [
        "", "ftp://example.com/x", "file:///etc/passwd", "gopher://example.com", "javascript:1",
        "//example.com/x", "https://", "https://user:pw@example.com/", "https://example.com/#x",
        "http://example.com:99999/", "https://" + "a" * 2050 + ".com",
    ],
)  # fmt: skip
def test_malformed_or_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidWebhookUrlError) as caught:
        validate_webhook_url(url, allow_private_networks=True)
    assert caught.value.code == "invalid_webhook_url"


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/x", "http://127.0.0.1/x", "http://10.1.2.3/", "http://192.168.0.9/",
        "http://172.16.5.5/", "http://169.254.169.254/latest/meta-data", "http://[::1]/",
        "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/", "http://app.internal/", "http://x.local/",
        "http://224.0.0.1/",
    ],
)  # fmt: skip
def test_internal_targets_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(InvalidWebhookUrlError):
        validate_webhook_url(url, allow_private_networks=False)
    assert validate_webhook_url(url, allow_private_networks=True) == url


# -- topics and secrets -------------------------------------------------------------------
def test_topics_are_known_deduplicated_and_sorted() -> None:
    assert clean_topics(["stock.changed", "order.paid", "stock.changed"]) == (
        Topic.ORDER_PAID,
        Topic.STOCK_CHANGED,
    )
    with pytest.raises(InvalidWebhookTopicsError):
        clean_topics(["order.exploded"])
    with pytest.raises(InvalidWebhookTopicsError):
        clean_topics([])


def test_secrets_are_prefixed_random_and_the_old_one_signs_only_while_valid() -> None:
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_")
    assert len(first) > 40
    assert first != second
    sub = WebhookSubscription(
        id="whk_1", merchant_id="mer_1", url="https://x.example", topics=(Topic.ORDER_PAID,),
        description=None, secret=second, previous_secret=first,
        previous_secret_expires_at=NOW + timedelta(hours=1), is_active=True,
        created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    assert sub.signing_secrets(NOW) == [second, first]
    assert sub.signing_secrets(NOW + timedelta(hours=1)) == [second]


# -- wire formats -------------------------------------------------------------------------
def _event() -> DomainEvent:
    return DomainEvent(
        topic=Topic.PRICE_CHANGED,
        key="sku_1",
        payload={"price": {"amount": "12.30", "currency": "CNY"}, "名": "价格"},
        occurred_at=NOW,
        merchant_id="mer_1",
    )


def test_stream_fields_round_trip_and_are_flat_strings() -> None:
    event = _event()
    fields = encode_fields(event)
    assert all(isinstance(v, str) for v in fields.values())
    assert decode_fields({k.encode(): v.encode() for k, v in fields.items()}) == event
    platform = DomainEvent(Topic.ORDER_PAID, "ord_1", {}, NOW)
    assert decode_fields(encode_fields(platform)).merchant_id is None


@pytest.mark.parametrize(
    "change",
    [{"topic": "order.exploded"}, {"payload": "[1]"}, {"payload": "{"},
     {"occurred_at": "2026-01-01T00:00:00"}, {"id": None}],
)  # fmt: skip
def test_entries_that_are_not_our_events_are_reported(change: dict[str, str | None]) -> None:
    fields: dict[str, str] = dict(encode_fields(_event()))
    for name, value in change.items():
        if value is None:
            del fields[name]
        else:
            fields[name] = value
    with pytest.raises(UndecodableEventError):
        decode_fields(fields)


def test_the_webhook_body_is_stable_json_with_the_payload_as_data() -> None:
    event = _event()
    body = webhook_body(event)
    assert body == webhook_body(event)
    assert body.startswith('{"data":{"price":{"amount":"12.30","currency":"CNY"},"名":"价格"}')
    assert f'"id":"{event.id}"' in body
    assert '"topic":"price.changed"' in body
