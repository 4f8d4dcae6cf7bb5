"""The contract every ``PaymentGateway`` keeps, run against each adapter and its vendor side.

Add a payment method by adding its harness factory to ``HARNESSES`` (the fixture protocol
is ``tests/unit/payments/vendors/harness.py``). Methods without vendor notifications set
``notifies = False``; the notification tests then check that everything is refused. A key
``name@postgres`` runs a database-backed method's harness on PostgreSQL as well.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import timedelta

import pytest

from marketplace.payments.domain.gateway import (
    InvalidNotificationError,
    PaymentRequest,
    TransactionPhase,
)
from marketplace.shared.clock import FixedClock
from marketplace.shared.errors import ValidationError
from marketplace.shared.money import Money
from tests.unit.payments.vendors.alipay_harness import alipay_harness
from tests.unit.payments.vendors.harness import BUYER_ID, PAYMENT_ID, GatewayHarness, Notice
from tests.unit.payments.vendors.internal_harness import (
    CreditTermsHarness,
    WalletHarness,
    internal_harness,
)
from tests.unit.payments.vendors.sandbox import sandbox_harness
from tests.unit.payments.vendors.wechatpay_harness import wechatpay_harness

HarnessFactory = Callable[[pytest.FixtureRequest], AbstractContextManager[GatewayHarness]]

HARNESSES: dict[str, HarnessFactory] = {
    "sandbox": sandbox_harness,
    "alipay": alipay_harness,
    "wechatpay": wechatpay_harness,
    "wallet": internal_harness(WalletHarness, database="sqlite"),
    "wallet@postgres": internal_harness(WalletHarness, database="postgres"),
    "credit_terms": internal_harness(CreditTermsHarness, database="sqlite"),
    "credit_terms@postgres": internal_harness(CreditTermsHarness, database="postgres"),
}


@pytest.fixture(params=sorted(HARNESSES))
def harness(request: pytest.FixtureRequest) -> Iterator[GatewayHarness]:
    with HARNESSES[request.param](request) as built:
        assert built.gateway.name == request.param.partition("@")[0]
        yield built


@pytest.fixture
def notifying(harness: GatewayHarness) -> GatewayHarness:
    if not harness.notifies:
        pytest.skip("this payment method has no vendor notifications")
    return harness


@pytest.fixture
def silent(harness: GatewayHarness) -> GatewayHarness:
    if harness.notifies:
        pytest.skip("this payment method has vendor notifications")
    return harness


def amount_in(harness: GatewayHarness, text: str = "88.80") -> Money:
    return Money.of(text, harness.currency)


def payment_request(
    harness: GatewayHarness, clock: FixedClock, amount: Money | None = None, **changes: object
) -> PaymentRequest:
    fields: dict[str, object] = {
        "payment_id": PAYMENT_ID,
        "amount": amount if amount is not None else amount_in(harness),
        "subject": "Agora order: 3 items",
        "buyer_id": BUYER_ID,
        "expires_at": clock.now() + timedelta(minutes=30),
        "notify_url": f"https://agora.test/payments/notify/{harness.gateway.name}",
        "return_url": "https://agora.test/orders/1",
    }
    fields.update(changes)
    return PaymentRequest(**fields)  # type: ignore[arg-type]


# -- start ------------------------------------------------------------------------------------
def test_start_collects_the_requested_amount(harness: GatewayHarness, clock: FixedClock) -> None:
    action = harness.gateway.start(payment_request(harness, clock))
    assert harness.charged_by(action) == (PAYMENT_ID, amount_in(harness))


def test_start_is_idempotent_for_a_payment_id(harness: GatewayHarness, clock: FixedClock) -> None:
    request = payment_request(harness, clock)
    first = harness.gateway.start(request)
    after_first = harness.vendor_state()
    again = harness.gateway.start(request)
    assert (again.kind, again.url) == (first.kind, first.url)
    assert harness.charged_by(again) == harness.charged_by(first)
    assert harness.vendor_state() == after_first


@pytest.mark.parametrize("amount", ["0.00", "-1.00"])
def test_start_refuses_a_non_positive_amount(
    harness: GatewayHarness, clock: FixedClock, amount: str
) -> None:
    before = harness.vendor_state()
    with pytest.raises(ValidationError) as err:
        harness.gateway.start(payment_request(harness, clock, amount_in(harness, amount)))
    assert err.value.code == "payment_amount_not_positive"
    assert harness.vendor_state() == before


def test_start_refuses_an_expired_payment(harness: GatewayHarness, clock: FixedClock) -> None:
    before = harness.vendor_state()
    with pytest.raises(ValidationError) as err:
        harness.gateway.start(payment_request(harness, clock, expires_at=clock.now()))
    assert err.value.code == "payment_expired"
    assert harness.vendor_state() == before


# -- notifications ----------------------------------------------------------------------------
def test_genuine_notifications_verify_and_map(notifying: GatewayHarness) -> None:
    amount = amount_in(notifying)
    occurrences = notifying.occurrences(PAYMENT_ID, amount)
    assert occurrences, "a notifying harness must exercise at least one notification"
    for occurrence in occurrences:
        notice = notifying.notify(occurrence)
        got = notifying.gateway.verify_notification(notice.headers, notice.body)
        label = f"{occurrence.kind}:{occurrence.phase}"
        assert got.gateway == notifying.gateway.name, label
        assert (got.kind, got.phase) == (occurrence.kind, occurrence.phase), label
        assert got.payment_id == occurrence.payment_id, label
        assert got.amount == occurrence.amount, label
        assert got.refund_id == occurrence.refund_id, label
        assert got.gateway_reference == notice.reference, label
        assert got.gateway_reference, label
        assert got.occurred_at is None or got.occurred_at.utcoffset() == timedelta(0), label


def test_the_same_notification_twice_has_one_dedup_key(notifying: GatewayHarness) -> None:
    notice = notifying.notify(notifying.occurrences(PAYMENT_ID, amount_in(notifying))[0])
    first = notifying.gateway.verify_notification(notice.headers, notice.body)
    again = notifying.gateway.verify_notification(notice.headers, notice.body)
    assert first.dedup_key == again.dedup_key
    assert first == again


def test_header_names_are_case_insensitive(notifying: GatewayHarness) -> None:
    notice = notifying.notify(notifying.occurrences(PAYMENT_ID, amount_in(notifying))[0])
    expected = notifying.gateway.verify_notification(notice.headers, notice.body)
    for recase in (str.lower, str.upper):
        headers = {recase(k): v for k, v in notice.headers.items()}
        assert notifying.gateway.verify_notification(headers, notice.body) == expected


def _refused(harness: GatewayHarness, notice: Notice) -> InvalidNotificationError:
    before = harness.vendor_state()
    with pytest.raises(InvalidNotificationError) as err:
        harness.gateway.verify_notification(notice.headers, notice.body)
    assert err.value.code == "invalid_notification"
    assert harness.vendor_state() == before
    return err.value


@pytest.mark.parametrize(
    "forge", ["tamper", "break_signature", "strip_signature", "notify_as_stranger"]
)
def test_forged_notifications_are_refused(notifying: GatewayHarness, forge: str) -> None:
    for occurrence in notifying.occurrences(PAYMENT_ID, amount_in(notifying)):
        if forge == "notify_as_stranger":
            notice = notifying.notify_as_stranger(occurrence)
        else:
            notice = getattr(notifying, forge)(notifying.notify(occurrence))
        _refused(notifying, notice)


def test_a_missing_signature_is_told_apart(notifying: GatewayHarness) -> None:
    notice = notifying.notify(notifying.occurrences(PAYMENT_ID, amount_in(notifying))[0])
    error = _refused(notifying, notifying.strip_signature(notice))
    assert error.details.get("reason") == "unsigned"


def test_genuine_but_unknown_content_is_refused(notifying: GatewayHarness) -> None:
    error = _refused(notifying, notifying.notify_unknown(PAYMENT_ID, amount_in(notifying)))
    assert error.details.get("reason") == "unknown_event"


@pytest.mark.parametrize("body", [b"", b"garbage", b"{}", b"[]", b"\xff\xfe"])
def test_junk_is_refused(harness: GatewayHarness, body: bytes) -> None:
    _refused(harness, Notice({"Content-Type": "application/json"}, body, ""))


def test_a_method_without_notifications_refuses_even_its_own_words(
    silent: GatewayHarness, clock: FixedClock
) -> None:
    # What its COMPLETED action reported, posted back as if it were a notification: the
    # endpoint must never be a way to capture a payment by saying so.
    told = silent.gateway.start(payment_request(silent, clock)).notification
    assert told is not None
    fields = {
        "payment_id": told.payment_id,
        "gateway_reference": told.gateway_reference,
        "kind": str(told.kind),
        "phase": str(told.phase),
        **told.amount.to_dict(),
    }
    body = json.dumps(fields).encode()
    for headers in ({}, {"Content-Type": "application/json"}, {"content-type": "text/plain"}):
        _refused(silent, Notice(headers, body, told.gateway_reference))


def test_acknowledgements(harness: GatewayHarness) -> None:
    # Every gateway answers its notification endpoint, even one that never notifies.
    accepted = harness.gateway.acknowledgement(accepted=True)
    refused = harness.gateway.acknowledgement(accepted=False)
    assert 200 <= accepted.status_code < 300
    assert refused.status_code >= 400
    assert accepted.body != refused.body
    assert accepted.media_type
    assert refused.media_type


# -- refunds ----------------------------------------------------------------------------------
def test_a_granted_refund_succeeds_once(harness: GatewayHarness) -> None:
    amount = amount_in(harness)
    request = harness.refund_request(PAYMENT_ID, amount, granted=True)
    result = harness.gateway.refund(request)
    assert result.phase is TransactionPhase.SUCCESS
    assert result.gateway_reference
    again = harness.gateway.refund(request)
    assert (again.phase, again.gateway_reference) == (result.phase, result.gateway_reference)
    refunded = harness.refunded(PAYMENT_ID)
    assert refunded is None or refunded == amount


def test_a_declined_refund_fails_and_refunds_nothing(harness: GatewayHarness) -> None:
    request = harness.refund_request(PAYMENT_ID, amount_in(harness), granted=False)
    before = harness.vendor_state()
    result = harness.gateway.refund(request)
    assert result.phase is TransactionPhase.FAILURE
    assert result.message
    assert harness.vendor_state() == before
    refunded = harness.refunded(PAYMENT_ID)
    assert refunded is None or refunded.is_zero


def test_a_non_positive_refund_is_refused(harness: GatewayHarness) -> None:
    request = harness.refund_request(PAYMENT_ID, amount_in(harness), granted=True)
    before = harness.vendor_state()
    for amount in ("0.00", "-5.00"):
        bad = replace(request, amount=amount_in(harness, amount))
        with pytest.raises(ValidationError) as err:
            harness.gateway.refund(bad)
        assert err.value.code == "refund_amount_not_positive"
    assert harness.vendor_state() == before
