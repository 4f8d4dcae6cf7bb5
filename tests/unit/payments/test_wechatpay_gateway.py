"""WeChat Pay specifics: the Authorization header, fen, the 5-minute window, GCM with
associated data, key rotation, and refunds against a local stand-in for the API."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from marketplace.payments.adapters.common import UnsupportedGatewayCurrencyError
from marketplace.payments.adapters.wechatpay import WechatPayConfig, WechatPayGateway
from marketplace.payments.adapters.wechatpay_format import decrypt_resource
from marketplace.payments.domain.gateway import (
    ActionKind,
    GatewayConfigurationError,
    GatewayError,
    InvalidNotificationError,
    RefundRequest,
    TransactionKind,
    TransactionPhase,
)
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from tests.unit.payments.vendors.keys import rsa_key
from tests.unit.payments.vendors.sandbox import payment_request
from tests.unit.payments.vendors.wechatpay import (
    API_V3_KEY,
    MCH_ID,
    MERCHANT_SERIAL,
    PLATFORM_SERIAL,
    FakeWechatPay,
    wechatpay_vendor,
)
from tests.unit.payments.vendors.wechatpay_harness import transaction_resource

AUTHORIZATION = re.compile(
    r'WECHATPAY2-SHA256-RSA2048 mchid="(?P<mchid>[^"]+)",nonce_str="(?P<nonce>[^"]+)",'
    r'signature="(?P<sig>[A-Za-z0-9+/=]+)",timestamp="(?P<ts>\d+)",serial_no="(?P<serial>[^"]+)"'
)
Vendor = tuple[FakeWechatPay, WechatPayGateway]


@pytest.fixture
def vendor(clock: FixedClock) -> Iterator[Vendor]:
    with wechatpay_vendor(clock) as pair:
        yield pair


def paid(fake: FakeWechatPay, *, fen: int = 8880, **resource: Any) -> bytes:
    fields = transaction_resource("pay_1", fen, "SUCCESS", "2026-01-01T08:00:05+08:00")
    return fake.envelope("TRANSACTION.SUCCESS", fields | resource, associated_data="transaction")


# -- start ------------------------------------------------------------------------------------
def test_a_native_order_in_fen_with_a_signed_header(vendor: Vendor, clock: FixedClock) -> None:
    fake, gateway = vendor
    action = gateway.start(payment_request("pay_1", Money.of("88.8", "CNY"), clock))
    assert action.kind is ActionKind.QR_CODE
    assert action.url is not None
    assert action.url.startswith("weixin://wxpay/bizpayurl?pr=")
    [(path, headers, body)] = fake.requests
    assert path == "/v3/pay/transactions/native"
    match = AUTHORIZATION.fullmatch(headers["Authorization"])
    assert match is not None, headers["Authorization"]
    assert (match["mchid"], match["serial"]) == (MCH_ID, MERCHANT_SERIAL)
    assert int(match["ts"]) == int(clock.now().timestamp())
    sent = json.loads(body)
    assert sent["amount"] == {"total": 8880, "currency": "CNY"}
    assert sent["time_expire"] == "2026-01-01T08:30:00+08:00"
    assert (sent["out_trade_no"], sent["description"]) == ("pay_1", "Agora order")


@pytest.mark.parametrize(("yuan", "fen"), [("0.01", 1), ("1", 100), ("1234567.89", 123456789)])
def test_yuan_to_fen(vendor: Vendor, clock: FixedClock, yuan: str, fen: int) -> None:
    fake, gateway = vendor
    gateway.start(payment_request("pay_1", Money.of(yuan, "CNY"), clock))
    assert json.loads(fake.requests[-1][2])["amount"]["total"] == fen


def test_the_same_out_trade_no_for_another_amount_is_refused(
    vendor: Vendor, clock: FixedClock
) -> None:
    fake, gateway = vendor
    gateway.start(payment_request("pay_1", Money.of("1", "CNY"), clock))
    before = fake.state()
    with pytest.raises(GatewayError, match="商户订单号重复"):
        gateway.start(payment_request("pay_1", Money.of("2", "CNY"), clock))
    assert fake.state() == before


def test_only_cny(vendor: Vendor, clock: FixedClock) -> None:
    with pytest.raises(UnsupportedGatewayCurrencyError):
        vendor[1].start(payment_request("pay_1", Money.of("1", "HKD"), clock))
    assert vendor[0].calls == []


@pytest.mark.parametrize("trouble", ["answer_key", "serial"])
def test_an_answer_not_signed_by_the_platform_is_not_believed(
    vendor: Vendor, clock: FixedClock, trouble: str
) -> None:
    fake, gateway = vendor
    if trouble == "answer_key":
        fake.answer_key = rsa_key("stranger")
    else:
        fake.platform_serial = "UNKNOWN_SERIAL"
    with pytest.raises(GatewayError, match="not genuine"):
        gateway.start(payment_request("pay_1", Money.of("1", "CNY"), clock))


def test_a_request_signed_with_another_key_is_refused_by_wechat(clock: FixedClock) -> None:
    with wechatpay_vendor(clock, merchant_private_key=rsa_key("stranger")) as (fake, gateway):
        with pytest.raises(GatewayError, match="SIGN_ERROR"):
            gateway.start(payment_request("pay_1", Money.of("1", "CNY"), clock))
        assert fake.orders == {}


# -- notifications ----------------------------------------------------------------------------
def test_a_payment_notification(vendor: Vendor) -> None:
    fake, gateway = vendor
    body = paid(fake)
    got = gateway.verify_notification(fake.signed_headers(body), body)
    assert (got.kind, got.phase, got.payment_id) == (
        TransactionKind.CAPTURE,
        TransactionPhase.SUCCESS,
        "pay_1",
    )
    assert got.amount == Money.of("88.80", "CNY")
    assert got.occurred_at == datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC)
    assert got.raw["resource"]["trade_type"] == "NATIVE"


@pytest.mark.parametrize(("shift", "accepted"), [(300, True), (-300, True), (301, False)])
def test_the_five_minute_window(
    vendor: Vendor, clock: FixedClock, shift: int, accepted: bool
) -> None:
    fake, gateway = vendor
    body = paid(fake)
    headers = fake.signed_headers(body, at=clock.now() - timedelta(seconds=shift))
    if accepted:
        gateway.verify_notification(headers, body)
        return
    with pytest.raises(InvalidNotificationError) as err:
        gateway.verify_notification(headers, body)
    assert err.value.details["reason"] == "stale"


def test_key_rotation(clock: FixedClock) -> None:
    old, new = rsa_key("wechat-platform"), rsa_key("wechat-platform-next")
    keys = {PLATFORM_SERIAL: old.public_key(), "PUB_KEY_ID_NEXT": new.public_key()}
    with wechatpay_vendor(clock, platform_keys=keys) as (fake, gateway):
        body = paid(fake)
        for key, serial in ((old, PLATFORM_SERIAL), (new, "PUB_KEY_ID_NEXT")):
            headers = fake.signed_headers(body, key=key, serial=serial)
            assert gateway.verify_notification(headers, body).payment_id == "pay_1"
        for key, serial in ((new, PLATFORM_SERIAL), (old, "PUB_KEY_ID_NEXT"), (new, "RETIRED")):
            with pytest.raises(InvalidNotificationError):
                gateway.verify_notification(fake.signed_headers(body, key=key, serial=serial), body)


@pytest.mark.parametrize("timestamp", ["999999999999", "-1", "1e9", "١٢٣", ""])
def test_odd_timestamps_are_refused(vendor: Vendor, timestamp: str) -> None:
    fake, gateway = vendor
    body = paid(fake)
    headers = fake.signed_headers(body) | {"Wechatpay-Timestamp": timestamp}
    with pytest.raises(InvalidNotificationError):
        gateway.verify_notification(headers, body)


def test_wechats_signature_probe_is_refused(vendor: Vendor) -> None:
    fake, gateway = vendor
    body = paid(fake)
    headers = fake.signed_headers(body) | {"Wechatpay-Signature": "WECHATPAY/SIGNTEST/abc=="}
    with pytest.raises(InvalidNotificationError):
        gateway.verify_notification(headers, body)


def _sealed(associated_data: str, key: bytes = API_V3_KEY) -> dict[str, str]:
    plain = json.dumps({"hello": "世界"}).encode()
    ciphertext = AESGCM(key).encrypt(b"0123456789ab", plain, associated_data.encode())
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "ciphertext": base64.b64encode(ciphertext).decode(),
        "associated_data": associated_data,
        "nonce": "0123456789ab",
    }


def test_gcm_with_associated_data() -> None:
    assert decrypt_resource(_sealed("transaction"), API_V3_KEY) == {"hello": "世界"}
    assert decrypt_resource(_sealed(""), API_V3_KEY) == {"hello": "世界"}
    bad = [
        _sealed("transaction") | {"associated_data": "refund"},
        _sealed("transaction") | {"nonce": "0123456789ac"},
        _sealed("transaction", key=b"x" * 32),
        _sealed("transaction") | {"algorithm": "AES_128_CBC"},
        _sealed("transaction") | {"ciphertext": "not base64!"},
    ]
    for resource in bad:
        with pytest.raises(InvalidNotificationError):
            decrypt_resource(resource, API_V3_KEY)


@pytest.mark.parametrize(
    "resource",
    [
        {"mchid": "1900000999"},
        {"appid": "wx0000000000000000"},
        {"amount": {"total": 1, "currency": "USD"}},
    ],
)
def test_genuine_but_not_ours(vendor: Vendor, resource: dict[str, Any]) -> None:
    fake, gateway = vendor
    body = paid(fake, **resource)
    with pytest.raises(InvalidNotificationError):
        gateway.verify_notification(fake.signed_headers(body), body)


def test_a_refund_event_must_agree_with_its_status(vendor: Vendor) -> None:
    fake, gateway = vendor
    resource = {"mchid": MCH_ID, "out_trade_no": "pay_1", "out_refund_no": "rfd_1",
                "refund_id": "50001", "refund_status": "ABNORMAL",
                "amount": {"total": 100, "refund": 100}}  # fmt: skip
    body = fake.envelope("REFUND.SUCCESS", resource, associated_data="refund")
    with pytest.raises(InvalidNotificationError) as err:
        gateway.verify_notification(fake.signed_headers(body), body)
    assert err.value.details["reason"] == "unknown_event"


def test_acknowledgement_bodies(vendor: Vendor) -> None:
    accepted, refused = (vendor[1].acknowledgement(accepted=a) for a in (True, False))
    assert (accepted.status_code, accepted.body) == (204, b"")
    assert refused.status_code == 400
    assert json.loads(refused.body)["code"] == "FAIL"


# -- refunds ----------------------------------------------------------------------------------
def refund_of(amount: str = "30.00") -> RefundRequest:
    return RefundRequest(
        refund_id="rfd_1",
        payment_id="pay_1",
        gateway_reference="4200000001",
        amount=Money.of(amount, "CNY"),
        payment_total=Money.of("88.80", "CNY"),
        reason="质量问题",
        notify_url="https://agora.test/payments/notify/wechatpay",
    )


def test_a_processing_refund_settles_by_notification(vendor: Vendor) -> None:
    fake, gateway = vendor
    fake.capture("pay_1", 8880)
    fake.refund_status = "PROCESSING"
    result = gateway.refund(refund_of())
    assert result.phase is TransactionPhase.REQUEST
    sent = json.loads(fake.requests[-1][2])
    assert sent["amount"] == {"refund": 3000, "total": 8880, "currency": "CNY"}
    assert (sent["out_refund_no"], sent["reason"]) == ("rfd_1", "质量问题")
    assert gateway.refund(refund_of()) == result  # the same out_refund_no: the same refund
    assert fake.refunded_fen("pay_1") == 3000
    answer = fake.refunds["rfd_1"] | {"refund_status": "SUCCESS", "mchid": MCH_ID}
    body = fake.envelope("REFUND.SUCCESS", answer, associated_data="refund")
    got = gateway.verify_notification(fake.signed_headers(body), body)
    assert (got.kind, got.phase, got.refund_id) == (
        TransactionKind.REFUND,
        TransactionPhase.SUCCESS,
        "rfd_1",
    )
    assert (got.gateway_reference, got.amount) == (result.gateway_reference, Money.of("30", "CNY"))


@pytest.mark.parametrize(("status", "code"), [(500, "SYSTEM_ERROR"), (429, "FREQUENCY_LIMITED")])
def test_undecided_refunds_raise(vendor: Vendor, status: int, code: str) -> None:
    fake, gateway = vendor
    fake.capture("pay_1", 8880)
    fake.outage = (status, code)
    before = fake.state()
    with pytest.raises(GatewayError):
        gateway.refund(refund_of())
    assert fake.state() == before


def test_a_refund_of_an_unknown_order_fails(vendor: Vendor) -> None:
    result = vendor[1].refund(refund_of())
    assert result.phase is TransactionPhase.FAILURE
    assert result.message == "RESOURCE_NOT_EXISTS 订单不存在"


def test_the_apiv3_key_must_be_32_bytes() -> None:
    with pytest.raises(GatewayConfigurationError):
        WechatPayConfig(
            mch_id=MCH_ID,
            app_id="wx",
            merchant_serial_no=MERCHANT_SERIAL,
            merchant_private_key=rsa_key("wechat-merchant"),
            api_v3_key=b"short",
            platform_keys={PLATFORM_SERIAL: rsa_key("wechat-platform").public_key()},
        )
