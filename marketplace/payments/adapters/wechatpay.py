"""WeChat Pay (微信支付) API v3, direct merchant: Native (QR code) payments, notifications,
refunds. Formats are in ``wechatpay_format``; verification steps in docs/payments/gateways.md.

Several platform keys may be configured at once, each under its serial number (a platform
certificate serial, or a ``PUB_KEY_ID_...`` WeChat Pay public key id): during a key rotation
WeChat Pay signs with the new key while messages signed with the old one still arrive.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from marketplace.payments.adapters.common import (
    check_payable,
    check_refundable,
    header,
    json_object,
    require_currency,
    send,
)
from marketplace.payments.adapters.signing import sign_sha256_rsa, verify_sha256_rsa
from marketplace.payments.adapters.wechatpay_format import (
    PRODUCTION_BASE_URL,
    SERIAL_HEADER,
    SIGNED_HEADERS,
    authorization,
    decrypt_resource,
    refund_event,
    request_message,
    response_message,
    rfc3339,
    transaction_event,
)
from marketplace.payments.domain.gateway import (
    Acknowledgement,
    ActionKind,
    GatewayConfigurationError,
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

NAME = "wechatpay"
NOTIFICATION_WINDOW = timedelta(minutes=5)
_REFUND_STATUS = {
    "SUCCESS": TransactionPhase.SUCCESS,
    "PROCESSING": TransactionPhase.REQUEST,
    "CLOSED": TransactionPhase.FAILURE,
    "ABNORMAL": TransactionPhase.FAILURE,
}
# Error codes that mean the request was not decided (unavailable, throttled, or refused as
# a request: bad signature, parameters or permissions). Others (INVALID_REQUEST, NOT_ENOUGH,
# RESOURCE_NOT_EXISTS, USER_ACCOUNT_ABNORMAL, ...) are WeChat Pay declining the refund.
_NOT_DECIDED = {
    "SYSTEM_ERROR",
    "FREQUENCY_LIMITED",
    "SIGN_ERROR",
    "PARAM_ERROR",
    "NO_AUTH",
    "MCH_NOT_EXISTS",
}


@dataclass(frozen=True, slots=True)
class WechatPayConfig:
    mch_id: str
    app_id: str
    merchant_serial_no: str  # our API certificate's serial number
    merchant_private_key: RSAPrivateKey
    api_v3_key: bytes  # 32 bytes: decrypts notification resources
    platform_keys: Mapping[str, RSAPublicKey] = field(default_factory=dict)
    base_url: str = PRODUCTION_BASE_URL
    timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        if len(self.api_v3_key) != 32:
            raise GatewayConfigurationError("The WeChat Pay APIv3 key must be 32 bytes.")
        if not self.platform_keys:
            raise GatewayConfigurationError("At least one WeChat Pay platform key is needed.")


class WechatPayGateway:
    """The ``PaymentGateway`` for WeChat Pay Native payments (CNY only)."""

    def __init__(
        self, config: WechatPayConfig, *, clock: Clock, http_client: httpx.Client | None = None
    ) -> None:
        self._config = config
        self._clock = clock
        self._http = http_client or httpx.Client(timeout=config.timeout_seconds)

    @property
    def name(self) -> str:
        return NAME

    # -- signatures -----------------------------------------------------------------------------
    def _check_signature(self, headers: Mapping[str, str], body: bytes) -> datetime:
        """Verify a WeChat Pay signature; returns the signed time. InvalidNotificationError."""
        timestamp, nonce, signature = (header(headers, name) for name in SIGNED_HEADERS)
        serial = header(headers, SERIAL_HEADER)
        if not (timestamp and nonce and signature and serial):
            raise InvalidNotificationError(
                "WeChat Pay signature headers missing.", reason="unsigned"
            )
        key = self._config.platform_keys.get(serial)
        if key is None:
            raise InvalidNotificationError(f"Unknown WeChat Pay platform serial {serial!r}.")
        if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 10:
            raise InvalidNotificationError("Wechatpay-Timestamp is not a unix time.")
        if not verify_sha256_rsa(key, response_message(timestamp, nonce, body), signature):
            raise InvalidNotificationError("The WeChat Pay signature does not match.")
        return datetime.fromtimestamp(int(timestamp), UTC)

    # -- API calls ------------------------------------------------------------------------------
    def _call(self, path: str, payload: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST one signed API request; returns (status, JSON) once the answer's signature
        checks out. 5xx, unreachable and unverifiable answers are GatewayError."""
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        url = httpx.URL(self._config.base_url.rstrip("/") + path)
        timestamp, nonce = int(self._clock.now().timestamp()), secrets.token_hex(16)
        message = request_message("POST", url.raw_path.decode("ascii"), timestamp, nonce, body)
        auth = authorization(
            mch_id=self._config.mch_id,
            serial_no=self._config.merchant_serial_no,
            nonce=nonce,
            timestamp=timestamp,
            sig=sign_sha256_rsa(self._config.merchant_private_key, message),
        )
        headers = {
            "Authorization": auth,
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": "agora-payments/1.0",
        }
        request = self._http.build_request("POST", url, content=body.encode(), headers=headers)
        response = send(self._http, request, gateway=NAME)
        if response.status_code >= 500:
            raise GatewayError(f"WeChat Pay answered HTTP {response.status_code}.", gateway=NAME)
        try:
            self._check_signature(response.headers, response.content)
        except InvalidNotificationError as exc:
            raise GatewayError(f"WeChat Pay's answer is not genuine: {exc}", gateway=NAME) from exc
        if not response.content:
            return response.status_code, {}
        return response.status_code, json_object(response.content, "WeChat Pay", GatewayError)

    def start(self, request: PaymentRequest) -> PaymentAction:
        """A Native order; its ``code_url`` is shown as a QR code. WeChat Pay answers the
        same order (and code) again for a repeated out_trade_no with the same fields."""
        check_payable(request, self._clock.now())
        require_currency(request.amount, "CNY", NAME)
        payload = {
            "appid": self._config.app_id,
            "mchid": self._config.mch_id,
            "description": request.subject[:127],
            "out_trade_no": request.payment_id,
            "time_expire": rfc3339(request.expires_at),
            "notify_url": request.notify_url,
            "amount": {"total": request.amount.minor, "currency": "CNY"},
        }
        status, answer = self._call("/v3/pay/transactions/native", payload)
        code_url = answer.get("code_url")
        if status != 200 or not isinstance(code_url, str) or not code_url:
            raise GatewayError(f"WeChat Pay refused the order: {_describe(answer)}", gateway=NAME)
        data = {"out_trade_no": request.payment_id}
        return PaymentAction(kind=ActionKind.QR_CODE, url=code_url, data=data)

    # -- notifications --------------------------------------------------------------------------
    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> GatewayNotification:
        """Signature by a known platform key, a fresh timestamp, then decrypt and map."""
        signed_at = self._check_signature(headers, body)
        if abs(self._clock.now() - signed_at) > NOTIFICATION_WINDOW:
            raise InvalidNotificationError(
                "The WeChat Pay notification is outside the replay window.", reason="stale"
            )
        envelope = json_object(body, "The WeChat Pay notification", InvalidNotificationError)
        resource = envelope.get("resource")
        event_type = envelope.get("event_type")
        if envelope.get("resource_type") != "encrypt-resource" or not isinstance(resource, dict):
            raise InvalidNotificationError("The notification carries no encrypted resource.")
        data = decrypt_resource(resource, self._config.api_v3_key)
        if data.get("mchid") != self._config.mch_id:
            raise InvalidNotificationError("The notification is for another merchant.")
        if isinstance(event_type, str) and event_type.startswith("TRANSACTION."):
            if data.get("appid") != self._config.app_id:
                raise InvalidNotificationError("The notification is for another app.")
            event = transaction_event(data)
        elif isinstance(event_type, str) and event_type.startswith("REFUND."):
            event = refund_event(event_type, data)
        else:
            raise InvalidNotificationError(
                f"Unknown event_type {event_type!r}.", reason="unknown_event"
            )
        return GatewayNotification(
            gateway=NAME,
            payment_id=event.payment_id,
            gateway_reference=event.reference,
            kind=event.kind,
            phase=event.phase,
            amount=event.amount,
            occurred_at=event.occurred_at,
            refund_id=event.refund_id,
            raw={"id": envelope.get("id"), "event_type": event_type, "resource": data},
        )

    def acknowledgement(self, *, accepted: bool) -> Acknowledgement:
        """204 and no body on success; otherwise 4xx with ``{"code":"FAIL",...}`` (retried)."""
        if accepted:
            return Acknowledgement(204, "application/json", b"")
        body = b'{"code":"FAIL","message":"not accepted"}'
        return Acknowledgement(400, "application/json", body)

    # -- refunds --------------------------------------------------------------------------------
    def refund(self, request: RefundRequest) -> RefundResult:
        """``POST /v3/refund/domestic/refunds``; idempotent on out_refund_no (our refund id)."""
        check_refundable(request.amount)
        require_currency(request.amount, "CNY", NAME)
        require_currency(request.payment_total, "CNY", NAME)
        payload: dict[str, Any] = {
            "out_trade_no": request.payment_id,
            "out_refund_no": request.refund_id,
            "reason": request.reason[:80],
            "amount": {
                "refund": request.amount.minor,
                "total": request.payment_total.minor,
                "currency": "CNY",
            },
        }
        if request.notify_url:
            payload["notify_url"] = request.notify_url
        status, answer = self._call("/v3/refund/domestic/refunds", payload)
        if status == 200:
            phase = _REFUND_STATUS.get(str(answer.get("status")))
            if phase is None:
                raise GatewayError(f"Unknown refund status {answer.get('status')!r}.", gateway=NAME)
            reference = answer.get("refund_id")
            return RefundResult(phase, reference if isinstance(reference, str) else None)
        if answer.get("code") in _NOT_DECIDED or status == 429:
            raise GatewayError(f"WeChat Pay did not decide: {_describe(answer)}", gateway=NAME)
        return RefundResult(TransactionPhase.FAILURE, None, _describe(answer))


def _describe(answer: Mapping[str, Any]) -> str:
    return " ".join(str(answer[k]) for k in ("code", "message") if answer.get(k)) or "no reason"
