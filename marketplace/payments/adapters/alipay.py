"""Alipay (支付宝) open platform: page/WAP pay, asynchronous notifications, refunds.

RSA2 (SHA256withRSA) in public-key mode: we sign requests with the app private key and
verify notifications and responses with the Alipay platform public key. The exact signing
rules are in ``alipay_format``; the verification steps in docs/payments/gateways.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from marketplace.payments.adapters.alipay_format import (
    PRODUCTION_GATEWAY,
    SignedNode,
    beijing_time,
    notification_sign_content,
    parse_form,
    response_node,
    sign_content,
    trade_event,
)
from marketplace.payments.adapters.common import (
    check_payable,
    check_refundable,
    require_currency,
    send,
    yuan,
)
from marketplace.payments.adapters.signing import sign_sha256_rsa, verify_sha256_rsa
from marketplace.payments.domain.gateway import (
    Acknowledgement,
    ActionKind,
    GatewayError,
    GatewayNotification,
    InvalidNotificationError,
    PaymentAction,
    PaymentRequest,
    RefundRequest,
    RefundResult,
    TransactionPhase,
)
from marketplace.shared.clock import Clock

NAME = "alipay"
_PRODUCTS = {
    "page": ("alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"),
    "wap": ("alipay.trade.wap.pay", "QUICK_WAP_WAY"),
}
# Only 40004 ("business failed") is Alipay deciding against the request. Other codes mean it
# was not decided at all: 20000 unavailable, 40001/40002 missing or bad parameters or
# signature, 40006 no permission; some 40004 sub-codes ask for a retry with the same
# out_request_no. Those raise GatewayError: the refund may be tried again.
_BUSINESS_FAILURE = "40004"
_RETRY_SUB_CODES = {"ACQ.SYSTEM_ERROR", "ACQ.REASON_TRADE_REFUND_FEE_ERR_RETRY"}
_SUBJECT_FORBIDDEN = str.maketrans({"/": " ", "=": " ", "&": " "})


@dataclass(frozen=True, slots=True)
class AlipayConfig:
    app_id: str
    app_private_key: RSAPrivateKey  # ours: signs requests
    alipay_public_key: RSAPublicKey  # Alipay's: verifies notifications and responses
    gateway_url: str = PRODUCTION_GATEWAY
    product: Literal["page", "wap"] = "page"
    seller_id: str | None = None  # when set, notifications for another seller are refused
    timeout_seconds: float = 10.0


class AlipayGateway:
    """The ``PaymentGateway`` for Alipay (CNY only)."""

    def __init__(
        self, config: AlipayConfig, *, clock: Clock, http_client: httpx.Client | None = None
    ) -> None:
        self._config = config
        self._clock = clock
        self._http = http_client or httpx.Client(timeout=config.timeout_seconds)

    @property
    def name(self) -> str:
        return NAME

    # -- requests -------------------------------------------------------------------------------
    def _signed(self, method: str, biz: Mapping[str, Any], **extra: str | None) -> dict[str, str]:
        params = {
            "app_id": self._config.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": beijing_time(self._clock.now()),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        }
        params.update({k: v for k, v in extra.items() if v})
        content = sign_content(params).encode("utf-8")
        params["sign"] = sign_sha256_rsa(self._config.app_private_key, content)
        return params

    def start(self, request: PaymentRequest) -> PaymentAction:
        """The signed page-pay (or WAP-pay) URL. Same request and clock, same URL; Alipay
        itself keys the trade on out_trade_no, so following either URL charges once."""
        check_payable(request, self._clock.now())
        require_currency(request.amount, "CNY", NAME)
        method, product_code = _PRODUCTS[self._config.product]
        biz = {
            "out_trade_no": request.payment_id,
            "total_amount": yuan(request.amount),
            "subject": request.subject.translate(_SUBJECT_FORBIDDEN)[:256],
            "product_code": product_code,
            "time_expire": beijing_time(request.expires_at),
        }
        params = self._signed(
            method, biz, notify_url=request.notify_url, return_url=request.return_url
        )
        url = f"{self._config.gateway_url}?{urlencode(params)}"
        return PaymentAction(
            kind=ActionKind.REDIRECT, url=url, data={"out_trade_no": request.payment_id}
        )

    def _call(self, method: str, biz: Mapping[str, Any]) -> dict[str, Any]:
        """POST one API call and return its response member once its signature checks out."""
        params = self._signed(method, biz)
        request = self._http.build_request("POST", self._config.gateway_url, data=params)
        response = send(self._http, request, gateway=NAME)
        if response.status_code != 200:
            raise GatewayError(f"Alipay answered HTTP {response.status_code}.", gateway=NAME)
        try:
            node: SignedNode = response_node(response.content.decode("utf-8"), method)
        except ValueError as exc:
            raise GatewayError(f"Alipay's answer cannot be read: {exc}.", gateway=NAME) from exc
        if node.sign is None or not verify_sha256_rsa(
            self._config.alipay_public_key, node.raw.encode("utf-8"), node.sign
        ):
            raise GatewayError("Alipay's answer is not signed by Alipay.", gateway=NAME)
        return dict(node.value)

    # -- notifications --------------------------------------------------------------------------
    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> GatewayNotification:
        """Verify RSA2 over the sorted fields (without sign and sign_type), then our app id."""
        params = parse_form(body)
        signature = params.get("sign")
        if not signature:
            raise InvalidNotificationError(
                "The Alipay notification is unsigned.", reason="unsigned"
            )
        if params.get("sign_type", "RSA2") != "RSA2":
            raise InvalidNotificationError("Only RSA2 notifications are accepted.")
        if params.get("charset", "utf-8").lower() not in {"utf-8", "utf8"}:
            raise InvalidNotificationError("Only utf-8 notifications are accepted.")
        content = notification_sign_content(params).encode("utf-8")
        if not verify_sha256_rsa(self._config.alipay_public_key, content, signature):
            raise InvalidNotificationError("The Alipay notification signature does not match.")
        self._check_ours(params)
        event = trade_event(params)
        return GatewayNotification(
            gateway=NAME,
            payment_id=params["out_trade_no"],
            gateway_reference=params["trade_no"],
            kind=event.kind,
            phase=event.phase,
            amount=event.amount,
            occurred_at=event.occurred_at,
            refund_id=event.refund_id,
            raw=params,
        )

    def _check_ours(self, params: Mapping[str, str]) -> None:
        """A genuine notification for another app or seller is not ours to apply."""
        if params.get("app_id") != self._config.app_id:
            raise InvalidNotificationError(
                "The Alipay notification is for another app.", reason="not_ours"
            )
        seller = self._config.seller_id
        if seller is not None and params.get("seller_id") != seller:
            raise InvalidNotificationError(
                "The Alipay notification is for another seller.", reason="not_ours"
            )
        if not params.get("out_trade_no") or not params.get("trade_no"):
            raise InvalidNotificationError("The Alipay notification names no trade.")

    def acknowledgement(self, *, accepted: bool) -> Acknowledgement:
        """Alipay stops retrying only on the exact text ``success``."""
        if accepted:
            return Acknowledgement(200, "text/plain", b"success")
        return Acknowledgement(400, "text/plain", b"failure")

    # -- refunds --------------------------------------------------------------------------------
    def refund(self, request: RefundRequest) -> RefundResult:
        """``alipay.trade.refund``; idempotent on out_request_no (our refund id)."""
        check_refundable(request.amount)
        require_currency(request.amount, "CNY", NAME)
        biz = {
            "out_trade_no": request.payment_id,
            "refund_amount": yuan(request.amount),
            "out_request_no": request.refund_id,
            "refund_reason": request.reason[:256],
        }
        if request.gateway_reference:
            biz["trade_no"] = request.gateway_reference
        answer = self._call("alipay.trade.refund", biz)
        if answer.get("code") == "10000":
            if answer.get("fund_change") == "Y":
                return RefundResult(TransactionPhase.SUCCESS, _str(answer, "trade_no"))
            # "N": no money moved by *this* call, e.g. a repeat of a refund already made.
            # Only the refund query tells whether the refund exists.
            return self._query_refund(request)
        _raise_unless_decided(answer)
        return RefundResult(TransactionPhase.FAILURE, None, _describe(answer))

    def _query_refund(self, request: RefundRequest) -> RefundResult:
        answer = self._call(
            "alipay.trade.fastpay.refund.query",
            {"out_trade_no": request.payment_id, "out_request_no": request.refund_id},
        )
        if answer.get("code") != "10000":
            raise GatewayError(f"Alipay refund query failed: {_describe(answer)}", gateway=NAME)
        if answer.get("refund_status") == "REFUND_SUCCESS":
            return RefundResult(TransactionPhase.SUCCESS, _str(answer, "trade_no"))
        return RefundResult(
            TransactionPhase.REQUEST, _str(answer, "trade_no"), "Alipay has not refunded yet."
        )


def _str(answer: Mapping[str, Any], key: str) -> str | None:
    value = answer.get(key)
    return value if isinstance(value, str) and value else None


def _describe(answer: Mapping[str, Any]) -> str:
    parts = [answer.get(k) for k in ("code", "msg", "sub_code", "sub_msg")]
    return " ".join(str(p) for p in parts if p)


def _raise_unless_decided(answer: Mapping[str, Any]) -> None:
    if answer.get("code") != _BUSINESS_FAILURE or answer.get("sub_code") in _RETRY_SUB_CODES:
        raise GatewayError(f"Alipay did not decide: {_describe(answer)}", gateway=NAME)
