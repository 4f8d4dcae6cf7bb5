"""Alipay specifics: the documented string to sign, Beijing time, the page-pay URL, whose
notifications count, and refunds against a local stand-in for the Alipay gateway."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from marketplace.payments.adapters.alipay import AlipayConfig, AlipayGateway
from marketplace.payments.adapters.alipay_format import (
    beijing_time,
    notification_sign_content,
    parse_beijing_time,
    response_node,
    sign_content,
)
from marketplace.payments.adapters.common import UnsupportedGatewayCurrencyError
from marketplace.payments.adapters.signing import load_public_key
from marketplace.payments.domain.gateway import (
    GatewayError,
    InvalidNotificationError,
    RefundRequest,
    TransactionKind,
    TransactionPhase,
)
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from tests.unit.payments.vendors.alipay import (
    APP_ID,
    SELLER_ID,
    FakeAlipay,
    alipay_string,
    alipay_vendor,
    encode,
)
from tests.unit.payments.vendors.keys import public_base64, rsa_key, verifies
from tests.unit.payments.vendors.sandbox import payment_request

# The asynchronous notification printed in Alipay's "异步通知验签" guide.
DOCUMENTED = {
    "total_amount": "2.00", "buyer_id": "2088102116773037", "body": "大乐透2.1",
    "trade_no": "2016071921001003030200089909", "refund_fee": "0.00",
    "notify_time": "2016-07-19 14:10:49", "subject": "大乐透2.1", "sign_type": "RSA2",
    "charset": "utf-8", "notify_type": "trade_status_sync", "out_trade_no": "0719141034-6418",
    "gmt_close": "2016-07-19 14:10:46", "gmt_payment": "2016-07-19 14:10:47",
    "trade_status": "TRADE_SUCCESS", "version": "1.0", "sign": "kPbQIjX+xQc8F0/A6/Ao",
    "gmt_create": "2016-07-19 14:10:44", "app_id": "2015102700040153",
    "seller_id": "2088102119685838", "notify_id": "4a91b7a78a503640467525113fb7d8bg8e",
}  # fmt: skip
DOCUMENTED_CONTENT = (
    "app_id=2015102700040153&body=大乐透2.1&buyer_id=2088102116773037&charset=utf-8"
    "&gmt_close=2016-07-19 14:10:46&gmt_create=2016-07-19 14:10:44"
    "&gmt_payment=2016-07-19 14:10:47&notify_id=4a91b7a78a503640467525113fb7d8bg8e"
    "&notify_time=2016-07-19 14:10:49&notify_type=trade_status_sync"
    "&out_trade_no=0719141034-6418&refund_fee=0.00&seller_id=2088102119685838"
    "&subject=大乐透2.1&total_amount=2.00&trade_no=2016071921001003030200089909"
    "&trade_status=TRADE_SUCCESS&version=1.0"
)


@pytest.fixture
def vendor(clock: FixedClock) -> Iterator[tuple[FakeAlipay, AlipayGateway]]:
    with alipay_vendor(clock) as pair:
        yield pair


def captured(fake: FakeAlipay, **fields: str) -> bytes:
    base = {
        "out_trade_no": "pay_1",
        "trade_no": "2026010122001400001",
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "88.80",
        "gmt_payment": "2026-01-01 08:00:05",
    }
    return encode(fake.notification(base | fields))


# -- the string to sign and times -------------------------------------------------------------
def test_the_notification_string_is_exactly_as_documented() -> None:
    assert notification_sign_content(DOCUMENTED) == DOCUMENTED_CONTENT


def test_requests_sign_sign_type_too_but_never_empty_values() -> None:
    params = {"b": "2", "a_b": "1", "ab": "3", "sign_type": "RSA2", "sign": "x", "empty": ""}
    # ASCII order: "_" (0x5F) sorts before "b" (0x62).
    assert sign_content(params) == "a_b=1&ab=3&b=2&sign_type=RSA2"


def test_beijing_time_both_ways() -> None:
    assert beijing_time(datetime(2026, 1, 1, 16, 30, tzinfo=UTC)) == "2026-01-02 00:30:00"
    parsed = parse_beijing_time("2016-07-19 14:10:47", "gmt_payment")
    assert parsed == datetime(2016, 7, 19, 6, 10, 47, tzinfo=UTC)
    with_millis = parse_beijing_time("2015-04-28 15:45:57.320", "gmt_refund")
    assert with_millis == datetime(2015, 4, 28, 7, 45, 57, 320_000, tzinfo=UTC)
    for bad in ("2016-07-19T14:10:47", "2016-13-19 14:10:47", "yesterday"):
        with pytest.raises(InvalidNotificationError):
            parse_beijing_time(bad, "gmt_payment")


def test_a_response_is_verified_over_its_raw_text() -> None:
    text = (
        '{"alipay_trade_refund_response" : {"code":"10000","msg":"\\u6210\\u529f"} ,"sign":"c2ln"}'
    )
    node = response_node(text, "alipay.trade.refund")
    assert node.raw == '{"code":"10000","msg":"\\u6210\\u529f"}'
    assert (node.value["msg"], node.sign) == ("成功", "c2ln")
    for broken in ("[]", '{"a":1} x', '{"a":1,"a":2}', "{", '{"other_response":{}}'):
        with pytest.raises(ValueError):
            response_node(broken, "alipay.trade.refund")


# -- start ------------------------------------------------------------------------------------
def test_the_page_pay_url(vendor: tuple[FakeAlipay, AlipayGateway], clock: FixedClock) -> None:
    fake, gateway = vendor
    request = payment_request("pay_1", Money.of("88.8", "CNY"), clock)
    url = urlsplit(gateway.start(request).url or "")
    params = dict(parse_qsl(url.query))
    assert f"{url.scheme}://{url.netloc}{url.path}".endswith("/gateway.do")
    assert params["method"] == "alipay.trade.page.pay"
    assert (params["app_id"], params["charset"], params["version"]) == (APP_ID, "utf-8", "1.0")
    assert (params["sign_type"], params["format"]) == ("RSA2", "JSON")
    assert params["timestamp"] == "2026-01-01 08:00:00"  # the clock's 00:00 UTC, in Beijing
    assert (params["notify_url"], params["return_url"]) == (request.notify_url, request.return_url)
    assert json.loads(params["biz_content"]) == {
        "out_trade_no": "pay_1",
        "total_amount": "88.80",
        "subject": "Agora order",
        "product_code": "FAST_INSTANT_TRADE_PAY",
        "time_expire": "2026-01-01 08:30:00",
    }
    content = alipay_string(params, exclude={"sign"}).encode()
    assert verifies(fake.app_public_key, content, params["sign"])


def test_wap_pay_and_a_cleaned_subject(clock: FixedClock) -> None:
    with alipay_vendor(clock, product="wap") as (_, gateway):
        request = payment_request("pay_1", Money.of("1", "CNY"), clock)
        request = replace(request, subject="A&B=C/D")
        params = dict(parse_qsl(urlsplit(gateway.start(request).url or "").query))
    biz = json.loads(params["biz_content"])
    assert params["method"] == "alipay.trade.wap.pay"
    assert (biz["product_code"], biz["subject"]) == ("QUICK_WAP_WAY", "A B C D")


def test_only_cny_is_collected(vendor: tuple[FakeAlipay, AlipayGateway], clock: FixedClock) -> None:
    with pytest.raises(UnsupportedGatewayCurrencyError) as err:
        vendor[1].start(payment_request("pay_1", Money.of("10", "USD"), clock))
    assert err.value.code == "gateway_currency_unsupported"
    assert vendor[0].calls == []


# -- notifications ----------------------------------------------------------------------------
def test_a_capture_in_beijing_time(vendor: tuple[FakeAlipay, AlipayGateway]) -> None:
    fake, gateway = vendor
    got = gateway.verify_notification({}, captured(fake))
    assert (got.kind, got.phase) == (TransactionKind.CAPTURE, TransactionPhase.SUCCESS)
    assert (got.payment_id, got.gateway_reference) == ("pay_1", "2026010122001400001")
    assert got.amount == Money.of("88.80", "CNY")
    assert got.occurred_at == datetime(2026, 1, 1, 0, 0, 5, tzinfo=UTC)
    assert got.raw["notify_type"] == "trade_status_sync"


def test_a_partial_refund_notification(vendor: tuple[FakeAlipay, AlipayGateway]) -> None:
    fake, gateway = vendor
    body = captured(
        fake, refund_fee="20.00", gmt_refund="2026-01-02 10:00:00.250", out_biz_no="rfd_7"
    )
    got = gateway.verify_notification({}, body)
    assert (got.kind, got.phase, got.refund_id) == (
        TransactionKind.REFUND,
        TransactionPhase.SUCCESS,
        "rfd_7",
    )
    assert got.amount == Money.of("20.00", "CNY")
    assert got.occurred_at == datetime(2026, 1, 2, 2, 0, 0, 250_000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"app_id": "2021999999999999"}, "not_ours"),
        ({"seller_id": "2088999999999999"}, "not_ours"),
        ({"sign_type": "RSA"}, None),
        ({"charset": "gbk"}, None),
        ({"refund_fee": "1.00", "gmt_refund": "2026-01-02 10:00:00"}, None),  # no out_biz_no
        ({"total_amount": "0.00"}, None),
        ({"total_amount": "1e3"}, None),
        ({"gmt_payment": "01/01/2026"}, None),
        ({"trade_no": ""}, None),
    ],
)
def test_genuinely_signed_but_unacceptable(
    clock: FixedClock, fields: dict[str, str], reason: str | None
) -> None:
    with (
        alipay_vendor(clock, seller_id=SELLER_ID) as (fake, gateway),
        pytest.raises(InvalidNotificationError) as err,
    ):
        gateway.verify_notification({}, captured(fake, **fields))
    assert err.value.details.get("reason") == reason


def test_a_repeated_field_is_refused(vendor: tuple[FakeAlipay, AlipayGateway]) -> None:
    fake, gateway = vendor
    with pytest.raises(InvalidNotificationError):
        gateway.verify_notification({}, captured(fake) + b"&total_amount=0.01")


def test_the_public_key_as_the_console_shows_it(clock: FixedClock) -> None:
    key = load_public_key(public_base64(rsa_key("alipay-platform")))
    with alipay_vendor(clock, alipay_public_key=key) as (fake, gateway):
        assert gateway.verify_notification({}, captured(fake)).payment_id == "pay_1"


# -- refunds ----------------------------------------------------------------------------------
def refund_of(amount: str = "30.00", refund_id: str = "rfd_1") -> RefundRequest:
    return RefundRequest(
        refund_id=refund_id,
        payment_id="pay_1",
        gateway_reference="",
        amount=Money.of(amount, "CNY"),
        payment_total=Money.of("88.80", "CNY"),
        reason="退货 return",
    )


def test_a_repeat_is_confirmed_by_the_refund_query(
    vendor: tuple[FakeAlipay, AlipayGateway],
) -> None:
    fake, gateway = vendor
    trade = fake.capture("pay_1", Money.of("88.80", "CNY").amount)
    first = gateway.refund(refund_of())
    again = gateway.refund(refund_of())
    assert first == again
    assert (first.phase, first.gateway_reference) == (TransactionPhase.SUCCESS, trade.trade_no)
    assert fake.calls == ["alipay.trade.refund"] * 2 + ["alipay.trade.fastpay.refund.query"]
    assert sum(trade.refunds.values()) == Money.of("30.00", "CNY").amount


def test_accepted_without_money_moving_stays_pending(
    vendor: tuple[FakeAlipay, AlipayGateway],
) -> None:
    fake, gateway = vendor
    fake.capture("pay_1", Money.of("88.80", "CNY").amount)
    fake.stall_refunds = True
    assert gateway.refund(refund_of()).phase is TransactionPhase.REQUEST


def test_answers_written_with_unicode_escapes_verify(
    vendor: tuple[FakeAlipay, AlipayGateway],
) -> None:
    fake, gateway = vendor
    fake.capture("pay_1", Money.of("88.80", "CNY").amount)
    fake.escape_unicode = True
    result = gateway.refund(refund_of("88.81"))
    assert result.phase is TransactionPhase.FAILURE
    assert result.message is not None
    assert "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL" in result.message
    assert "退款金额超限" in result.message


@pytest.mark.parametrize("trouble", ["unavailable", "bad_request_signature"])
def test_undecided_answers_raise_and_refund_nothing(clock: FixedClock, trouble: str) -> None:
    config = {"app_private_key": rsa_key("stranger")} if trouble == "bad_request_signature" else {}
    with alipay_vendor(clock, **config) as (fake, gateway):
        fake.capture("pay_1", Money.of("88.80", "CNY").amount)
        fake.unavailable = trouble == "unavailable"
        before = fake.state()
        with pytest.raises(GatewayError) as err:
            gateway.refund(refund_of())
        assert err.value.code == "gateway_error"
        assert fake.state() == before


def test_an_answer_not_signed_by_alipay_is_not_believed(
    vendor: tuple[FakeAlipay, AlipayGateway],
) -> None:
    fake, gateway = vendor
    fake.capture("pay_1", Money.of("88.80", "CNY").amount)
    fake.answer_key = rsa_key("stranger")
    with pytest.raises(GatewayError, match="not signed by Alipay"):
        gateway.refund(refund_of())


def test_an_unreachable_gateway(clock: FixedClock) -> None:
    with httpx.Client(timeout=1) as client:
        config = AlipayConfig(
            app_id=APP_ID,
            app_private_key=rsa_key("alipay-app"),
            alipay_public_key=rsa_key("alipay-platform").public_key(),
            gateway_url="http://127.0.0.1:9/gateway.do",
        )
        gateway = AlipayGateway(config, clock=clock, http_client=client)
        with pytest.raises(GatewayError):
            gateway.refund(refund_of())


def test_expiry_is_sent_in_beijing_time(
    vendor: tuple[FakeAlipay, AlipayGateway], clock: FixedClock
) -> None:
    request = payment_request("pay_1", Money.of("1", "CNY"), clock)
    request = replace(request, expires_at=clock.now() + timedelta(hours=20))
    params = dict(parse_qsl(urlsplit(vendor[1].start(request).url or "").query))
    assert json.loads(params["biz_content"])["time_expire"] == "2026-01-02 04:00:00"
