"""A stand-in for WeChat Pay API v3: checks OUR Authorization header with our public key,
signs its answers and notifications with the "platform" key, encrypts resources with the
APIv3 key. Its formats are written out here again from WeChat Pay's documentation, not
imported from the adapter.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from marketplace.payments.adapters.wechatpay import WechatPayConfig, WechatPayGateway
from marketplace.shared.clock import FixedClock
from tests.unit.payments.vendors.http_stub import serve
from tests.unit.payments.vendors.keys import rsa_key, sign, verifies

MCH_ID = "1900000109"
APP_ID = "wxd678efh567hg6787"
MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PLATFORM_SERIAL = "PUB_KEY_ID_0114232204912025"
API_V3_KEY = b"0123456789abcdef0123456789ABCDEF"
_AUTH = re.compile(r'(\w+)="([^"]*)"')


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m-%dT%H:%M:%S+08:00")


def _get(headers: Mapping[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name.lower()), "")


def transaction_id_for(payment_id: str) -> str:
    return "4200" + str(int(hashlib.sha256(payment_id.encode()).hexdigest()[:20], 16))[:24]


class FakeWechatPay:
    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.merchant_public_key = rsa_key("wechat-merchant").public_key()
        self.platform_key = rsa_key("wechat-platform")
        self.platform_serial = PLATFORM_SERIAL
        self.orders: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.requests: list[tuple[str, dict[str, str], bytes]] = []  # (path, headers, body)
        self.errors: list[BaseException] = []
        self.refund_status = "SUCCESS"  # what a new refund answers: SUCCESS or PROCESSING
        self.answer_key: RSAPrivateKey | None = None  # sign answers with another key
        self.outage: tuple[int, str] | None = None  # answer (status, code) to everything

    def capture(self, payment_id: str, fen: int) -> dict[str, Any]:
        order = {"total": fen, "paid": True, "transaction_id": transaction_id_for(payment_id)}
        self.orders[payment_id] = order
        return order

    def state(self) -> object:
        return json.dumps([self.orders, self.refunds], sort_keys=True)

    def refunded_fen(self, payment_id: str) -> int:
        return sum(
            r["amount"]["refund"] for r in self.refunds.values() if r["out_trade_no"] == payment_id
        )

    # -- the API ------------------------------------------------------------------------------
    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        self.calls.append(f"{method} {path}")
        self.requests.append((path, dict(headers), body))
        problem = self._check_authorization(method, path, headers, body)
        if problem:
            return self.answer(401, {"code": "SIGN_ERROR", "message": problem})
        if self.outage:
            return self.answer(self.outage[0], {"code": self.outage[1], "message": "outage"})
        assert _get(headers, "Accept") == "application/json"
        payload = json.loads(body)
        if path == "/v3/pay/transactions/native":
            return self._native(payload)
        if path == "/v3/refund/domestic/refunds":
            return self._refund(payload)
        return self.answer(404, {"code": "NOT_FOUND", "message": path})

    def _check_authorization(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> str | None:
        scheme, _, rest = _get(headers, "Authorization").partition(" ")
        fields = dict(_AUTH.findall(rest))
        if scheme != "WECHATPAY2-SHA256-RSA2048":
            return "scheme"
        if fields.get("mchid") != MCH_ID or fields.get("serial_no") != MERCHANT_SERIAL:
            return "merchant"
        now = self.clock.now().timestamp()
        if abs(now - int(fields.get("timestamp", "0"))) > 300:
            return "timestamp"
        message = f"{method}\n{path}\n{fields['timestamp']}\n{fields['nonce_str']}\n"
        signed = message.encode() + body + b"\n"
        if not verifies(self.merchant_public_key, signed, fields.get("signature", "")):
            return "signature"
        return None

    def _native(self, payload: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        assert payload["appid"] == APP_ID
        assert payload["mchid"] == MCH_ID
        assert payload["amount"]["currency"] == "CNY"
        assert isinstance(payload["amount"]["total"], int)
        assert payload["amount"]["total"] > 0
        assert payload["time_expire"].endswith("+08:00")
        existing = self.orders.get(payload["out_trade_no"])
        if existing is not None:
            if existing.get("request") != payload:
                return self.answer(
                    400, {"code": "INVALID_REQUEST", "message": "201 商户订单号重复"}
                )
            return self.answer(200, {"code_url": existing["code_url"]})
        code = hashlib.sha256(payload["out_trade_no"].encode()).hexdigest()[:10]
        self.orders[payload["out_trade_no"]] = {
            "request": payload,
            "code_url": f"weixin://wxpay/bizpayurl?pr={code}",
            "total": payload["amount"]["total"],
            "paid": False,
        }
        return self.answer(200, {"code_url": self.orders[payload["out_trade_no"]]["code_url"]})

    def _refund(self, payload: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        order = self.orders.get(payload["out_trade_no"])
        if order is None or not order["paid"]:
            return self.answer(404, {"code": "RESOURCE_NOT_EXISTS", "message": "订单不存在"})
        if payload["out_refund_no"] in self.refunds:
            return self.answer(200, self.refunds[payload["out_refund_no"]])
        amount = payload["amount"]
        left = order["total"] - self.refunded_fen(payload["out_trade_no"])
        if amount["total"] != order["total"] or amount["refund"] > left:
            message = "申请退款金额超过订单可退金额"
            return self.answer(400, {"code": "INVALID_REQUEST", "message": message})
        answer = {
            "refund_id": "5000" + transaction_id_for(payload["out_refund_no"])[4:],
            "out_refund_no": payload["out_refund_no"],
            "transaction_id": order["transaction_id"],
            "out_trade_no": payload["out_trade_no"],
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": rfc3339(self.clock.now()),
            "status": self.refund_status,
            "amount": {"total": amount["total"], "refund": amount["refund"], "currency": "CNY"},
        }
        self.refunds[payload["out_refund_no"]] = answer
        return self.answer(200, answer)

    def answer(self, status: int, payload: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        headers = self.signed_headers(body, key=self.answer_key)
        return status, {"Content-Type": "application/json", **headers}, body

    # -- notifications ------------------------------------------------------------------------
    def signed_headers(
        self,
        body: bytes,
        *,
        key: RSAPrivateKey | None = None,
        serial: str | None = None,
        at: datetime | None = None,
    ) -> dict[str, str]:
        timestamp = str(int((at or self.clock.now()).timestamp()))
        nonce = secrets.token_hex(16)
        message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
        return {
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": sign(key or self.platform_key, message),
            "Wechatpay-Serial": serial or self.platform_serial,
        }

    def envelope(
        self, event_type: str, resource: Mapping[str, Any], *, associated_data: str
    ) -> bytes:
        """A notification body; the resource is encrypted as WeChat Pay does it."""
        nonce = secrets.token_hex(6)  # 12 characters
        plain = json.dumps(resource, ensure_ascii=False).encode("utf-8")
        sealed = AESGCM(API_V3_KEY).encrypt(nonce.encode(), plain, associated_data.encode())
        envelope = {
            "id": "EV-2018022511223320873",
            "create_time": rfc3339(self.clock.now()),
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功" if event_type.startswith("TRANSACTION") else "退款状态变更",
            "resource": {
                "original_type": "transaction" if event_type.startswith("TRANS") else "refund",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(sealed).decode(),
                "associated_data": associated_data,
                "nonce": nonce,
            },
        }
        return json.dumps(envelope, ensure_ascii=False).encode("utf-8")


@contextmanager
def wechatpay_vendor(
    clock: FixedClock, **config: Any
) -> Iterator[tuple[FakeWechatPay, WechatPayGateway]]:
    """A running fake WeChat Pay and a gateway configured against it."""
    fake = FakeWechatPay(clock)
    with serve(fake.handle, fake.errors) as base_url, httpx.Client(timeout=5) as client:
        settings = {
            "mch_id": MCH_ID,
            "app_id": APP_ID,
            "merchant_serial_no": MERCHANT_SERIAL,
            "merchant_private_key": rsa_key("wechat-merchant"),
            "api_v3_key": API_V3_KEY,
            "platform_keys": {PLATFORM_SERIAL: fake.platform_key.public_key()},
            "base_url": base_url,
            **config,
        }
        yield fake, WechatPayGateway(WechatPayConfig(**settings), clock=clock, http_client=client)
    assert not fake.errors, fake.errors
