"""A stand-in for Alipay: signs notifications with the "platform" key, and serves the
open-platform gateway for refunds, checking OUR request signatures with our public key.

Its signing rules are written out here again from Alipay's documentation, not imported
from the adapter, so that a mistake in the adapter cannot hide behind the same mistake.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from marketplace.payments.adapters.alipay import AlipayConfig, AlipayGateway
from marketplace.shared.clock import FixedClock
from tests.unit.payments.vendors.http_stub import serve
from tests.unit.payments.vendors.keys import rsa_key, sign, verifies

APP_ID = "2021000000000001"
SELLER_ID = "2088000000000001"
_CST = timezone(timedelta(hours=8))
_YUAN = re.compile(r"\A\d+\.\d{2}\Z")


def alipay_string(params: Mapping[str, str], *, exclude: set[str]) -> str:
    """Alipay's string to sign: sorted by name, empty values and ``exclude`` dropped."""
    names = sorted(k for k, v in params.items() if k not in exclude and v != "")
    return "&".join(f"{k}={params[k]}" for k in names)


def beijing(moment: datetime) -> str:
    return moment.astimezone(_CST).strftime("%Y-%m-%d %H:%M:%S")


def trade_no_for(payment_id: str) -> str:
    return "2026" + str(int(hashlib.sha256(payment_id.encode()).hexdigest()[:16], 16))[:24]


@dataclass
class Trade:
    trade_no: str
    total: Decimal
    refunds: dict[str, Decimal] = field(default_factory=dict)


class FakeAlipay:
    """The vendor: trades, refunds and the calls it received."""

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.platform_key = rsa_key("alipay-platform")
        self.app_public_key = rsa_key("alipay-app").public_key()
        self.trades: dict[str, Trade] = {}
        self.calls: list[str] = []
        self.errors: list[BaseException] = []
        self.unavailable = False  # answer 20000 (service unavailable) to everything
        self.escape_unicode = False  # write non-ASCII as \\uXXXX in answers
        self.answer_key: RSAPrivateKey | None = None  # sign answers with another key
        self.stall_refunds = False  # accept refunds (10000) but move no money yet

    def capture(self, payment_id: str, amount: Decimal) -> Trade:
        trade = Trade(trade_no_for(payment_id), amount)
        self.trades[payment_id] = trade
        return trade

    def state(self) -> object:
        return {k: (t.trade_no, t.total, dict(t.refunds)) for k, t in self.trades.items()}

    # -- the gateway API --------------------------------------------------------------------
    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        assert (method, path) == ("POST", "/gateway.do")
        params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        api = params["method"]
        self.calls.append(api)
        content = alipay_string(params, exclude={"sign"}).encode("utf-8")
        if not verifies(self.app_public_key, content, params.get("sign", "")):
            return self._answer(api, {"code": "40002", "sub_code": "isv.invalid-signature"})
        assert params["app_id"] == APP_ID
        assert params["sign_type"] == "RSA2"
        assert params["charset"] == "utf-8"
        assert params["version"] == "1.0"
        assert params["timestamp"] == beijing(self.clock.now()), params["timestamp"]
        if self.unavailable:
            return self._answer(api, {"code": "20000", "msg": "Service Currently Unavailable"})
        biz = json.loads(params["biz_content"])
        if api == "alipay.trade.refund":
            return self._answer(api, self._refund(biz))
        if api == "alipay.trade.fastpay.refund.query":
            return self._answer(api, self._query(biz))
        return self._answer(api, {"code": "40004", "sub_code": "isv.invalid-method"})

    def _refund(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self.trades.get(biz["out_trade_no"])
        if trade is None or biz.get("trade_no", trade.trade_no) != trade.trade_no:
            return {"code": "40004", "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"}
        assert _YUAN.match(biz["refund_amount"]), biz["refund_amount"]
        amount, request_no = Decimal(biz["refund_amount"]), biz["out_request_no"]
        if request_no in trade.refunds or self.stall_refunds:  # no money moves this time
            return self._refunded(trade, biz, fund_change="N")
        if sum(trade.refunds.values(), Decimal(0)) + amount > trade.total:
            return {
                "code": "40004",
                "msg": "Business Failed",
                "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
                "sub_msg": "退款金额超限",
            }
        trade.refunds[request_no] = amount
        return self._refunded(trade, biz, fund_change="Y")

    def _refunded(self, trade: Trade, biz: dict[str, Any], *, fund_change: str) -> dict[str, Any]:
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": biz["out_trade_no"],
            "buyer_logon_id": "159****5620",
            "fund_change": fund_change,
            "refund_fee": f"{sum(trade.refunds.values(), Decimal(0)):.2f}",
            "gmt_refund_pay": beijing(self.clock.now()),
        }

    def _query(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self.trades.get(biz["out_trade_no"])
        answer: dict[str, Any] = {"code": "10000", "msg": "Success"}
        if trade is not None and biz["out_request_no"] in trade.refunds:
            answer |= {
                "trade_no": trade.trade_no,
                "out_trade_no": biz["out_trade_no"],
                "out_request_no": biz["out_request_no"],
                "refund_amount": f"{trade.refunds[biz['out_request_no']]:.2f}",
                "total_amount": f"{trade.total:.2f}",
                "refund_status": "REFUND_SUCCESS",
            }
        return answer

    def _answer(self, api: str, node: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        """A response as Alipay writes it: the member's raw JSON is what gets signed."""
        node.setdefault("msg", "Business Failed" if node["code"] != "10000" else "Success")
        raw = json.dumps(node, ensure_ascii=self.escape_unicode, separators=(",", ":"))
        signature = sign(self.answer_key or self.platform_key, raw.encode("utf-8"))
        name = api.replace(".", "_") + "_response"
        text = f'{{"{name}":{raw},"sign":"{signature}"}}'
        return 200, {"Content-Type": "text/html;charset=utf-8"}, text.encode("utf-8")

    # -- notifications ----------------------------------------------------------------------
    def notification(
        self, fields: Mapping[str, str], *, key: RSAPrivateKey | None = None
    ) -> dict[str, str]:
        """A full, signed notification: common fields, then ``fields`` on top."""
        now = beijing(self.clock.now())
        params = {
            "notify_time": now,
            "notify_type": "trade_status_sync",
            "notify_id": "ac05099524730693a8b330c5ecf72da9786",
            "app_id": APP_ID,
            "charset": "utf-8",
            "version": "1.0",
            "sign_type": "RSA2",
            "buyer_id": "2088102116773037",
            "seller_id": SELLER_ID,
            "subject": "Agora 订单 #1",
            "gmt_create": now,
            **fields,
        }
        content = alipay_string(params, exclude={"sign", "sign_type"}).encode("utf-8")
        params["sign"] = sign(key or self.platform_key, content)
        return params


def encode(params: Mapping[str, str]) -> bytes:
    return urlencode(params).encode("ascii")


@contextmanager
def alipay_vendor(clock: FixedClock, **config: Any) -> Iterator[tuple[FakeAlipay, AlipayGateway]]:
    """A running fake Alipay and a gateway configured against it."""
    fake = FakeAlipay(clock)
    with serve(fake.handle, fake.errors) as base_url, httpx.Client(timeout=5) as client:
        settings = {
            "app_id": APP_ID,
            "app_private_key": rsa_key("alipay-app"),
            "alipay_public_key": fake.platform_key.public_key(),
            "gateway_url": f"{base_url}/gateway.do",
            **config,
        }
        yield fake, AlipayGateway(AlipayConfig(**settings), clock=clock, http_client=client)
    assert not fake.errors, fake.errors
