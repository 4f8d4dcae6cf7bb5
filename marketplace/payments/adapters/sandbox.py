"""The sandbox gateway: Agora's built-in stand-in for a real payment provider.

``start`` sends the buyer to our own pay page with a signed token that carries the payment
id, amount, currency, notify URL and expiry, so the page can show the amount and nobody can
forge a page for another amount. The page's buttons (built by the web layer) use
``SandboxSimulator`` to produce the notifications a real provider would send: JSON bodies
signed with HMAC-SHA256 in ``Sandbox-Signature: t=<unix>,v1=<hex>`` over ``"{t}.{body}"``,
refused when ``t`` is outside a tolerance window so that an old message cannot be replayed.

Refunds answer at once and are deterministic (no state, so any worker gives the same answer):
a refund whose amount in minor units ends in 13 (``12.13``) is declined, one ending in 14
stays pending until the simulator's refund notification settles it, anything else succeeds.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from marketplace.payments.adapters.common import check_payable, check_refundable
from marketplace.payments.adapters.sandbox_format import (
    EVENT_MEANING,
    parse_event,
    parse_signature_header,
)
from marketplace.payments.domain.gateway import (
    Acknowledgement,
    ActionKind,
    GatewayConfigurationError,
    GatewayNotification,
    InvalidNotificationError,
    PaymentAction,
    PaymentRequest,
    RefundRequest,
    RefundResult,
    TransactionPhase,
)
from marketplace.shared.clock import Clock
from marketplace.shared.errors import DomainError, ValidationError
from marketplace.shared.money import Money

NAME = "sandbox"
SIGNATURE_HEADER = "Sandbox-Signature"
DEFAULT_TOLERANCE = timedelta(minutes=5)
DECLINED_REFUND_ENDING = 13  # refund amounts whose minor units end in 13 are declined
PENDING_REFUND_ENDING = 14  # ... and those ending in 14 wait for a refund notification


class SandboxTokenError(ValidationError):
    """A pay-page token that was not made by this sandbox, was altered, or has expired."""

    code = "invalid_sandbox_token"


@dataclass(frozen=True, slots=True)
class SandboxCharge:
    """What a pay-page token says: which payment, how much, and where to notify."""

    payment_id: str
    reference: str  # the sandbox's transaction id for the payment
    amount: Money
    subject: str
    notify_url: str
    return_url: str | None
    expires_at: datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SandboxGateway:
    """The ``PaymentGateway`` for the sandbox; see the module docstring for the protocol."""

    def __init__(
        self, secret: str, base_url: str, clock: Clock, *, tolerance: timedelta = DEFAULT_TOLERANCE
    ) -> None:
        if len(secret) < 16:
            raise GatewayConfigurationError("The sandbox secret must have 16 characters or more.")
        # One key per purpose: a token's MAC can never pass as a notification's, or back.
        master = secret.encode("utf-8")
        self._token_key = hmac.digest(master, b"agora-sandbox-token", "sha256")
        self._notify_key = hmac.digest(master, b"agora-sandbox-notify", "sha256")
        self._reference_key = hmac.digest(master, b"agora-sandbox-reference", "sha256")
        self._base_url = base_url.rstrip("/")
        self._clock = clock
        self._tolerance = tolerance

    @property
    def name(self) -> str:
        return NAME

    @property
    def clock(self) -> Clock:
        return self._clock

    # -- references: stable per id, so repeated calls give the same answers --------------
    def payment_reference(self, payment_id: str) -> str:
        digest = hmac.digest(self._reference_key, b"pay:" + payment_id.encode(), "sha256")
        return "sbx_" + digest.hex()[:24]

    def refund_reference(self, refund_id: str) -> str:
        digest = hmac.digest(self._reference_key, b"refund:" + refund_id.encode(), "sha256")
        return "sbr_" + digest.hex()[:24]

    # -- start and the pay-page token ------------------------------------------------------
    def start(self, request: PaymentRequest) -> PaymentAction:
        """A redirect to the sandbox pay page; the same request always gives the same URL."""
        check_payable(request, self._clock.now())
        token = self._token(request)
        url = f"{self._base_url}/sandbox/pay/{quote(request.payment_id, safe='')}?t={token}"
        reference = self.payment_reference(request.payment_id)
        return PaymentAction(
            kind=ActionKind.REDIRECT, url=url, data={"reference": reference, "token": token}
        )

    def _token(self, request: PaymentRequest) -> str:
        claims = {
            "a": format(request.amount.amount, "f"),
            "c": request.amount.currency.code,
            "e": int(request.expires_at.timestamp()),
            "n": request.notify_url,
            "p": request.payment_id,
            "r": request.return_url,
            "s": request.subject,
        }
        payload = _b64(json.dumps(claims, sort_keys=True, separators=(",", ":")).encode())
        mac = hmac.digest(self._token_key, payload.encode("ascii"), "sha256")
        return f"{payload}.{_b64(mac)}"

    def read_token(self, token: str) -> SandboxCharge:
        """The charge a pay-page token stands for, once its MAC and expiry check out."""
        payload, _, mac = token.partition(".")
        expected = _b64(hmac.digest(self._token_key, payload.encode("ascii", "replace"), "sha256"))
        if not mac or not hmac.compare_digest(mac.encode("ascii", "replace"), expected.encode()):
            raise SandboxTokenError("This payment link is not valid.")
        try:
            claims = json.loads(_unb64(payload))
            charge = SandboxCharge(
                payment_id=str(claims["p"]),
                reference=self.payment_reference(str(claims["p"])),
                amount=Money.of(claims["a"], claims["c"]),
                subject=str(claims["s"]),
                notify_url=str(claims["n"]),
                return_url=claims["r"],
                expires_at=datetime.fromtimestamp(int(claims["e"]), UTC),
            )
        except (ValueError, KeyError, TypeError, binascii.Error, DomainError) as exc:
            raise SandboxTokenError("This payment link is not valid.") from exc
        if self._clock.now() >= charge.expires_at:
            raise SandboxTokenError("This payment link has expired.", code="sandbox_token_expired")
        return charge

    # -- notifications ------------------------------------------------------------------------
    def sign(self, body: bytes, *, at: datetime) -> dict[str, str]:
        """The headers that make ``body`` a genuine sandbox notification sent at ``at``."""
        timestamp = int(at.timestamp())
        return {SIGNATURE_HEADER: f"t={timestamp},v1={self._mac(timestamp, body)}"}

    def _mac(self, timestamp: int, body: bytes) -> str:
        return hmac.new(self._notify_key, f"{timestamp}.".encode() + body, "sha256").hexdigest()

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> GatewayNotification:
        """Check the HMAC and the time window, then parse the event (see the module doc)."""
        timestamp, signatures = parse_signature_header(headers, SIGNATURE_HEADER)
        sent_at = datetime.fromtimestamp(timestamp, UTC)
        if abs(self._clock.now() - sent_at) > self._tolerance:
            raise InvalidNotificationError(
                "The sandbox notification is outside the replay window.", reason="stale"
            )
        expected = self._mac(timestamp, body).encode()
        if not any(hmac.compare_digest(expected, s.encode()) for s in signatures):
            raise InvalidNotificationError("The sandbox notification signature does not match.")
        event = parse_event(body)
        kind, phase = EVENT_MEANING[event.type]
        return GatewayNotification(
            gateway=NAME,
            payment_id=event.payment_id,
            gateway_reference=event.reference,
            kind=kind,
            phase=phase,
            amount=event.amount,
            occurred_at=event.occurred_at,
            refund_id=event.refund_id,
            raw=event.raw,
        )

    def acknowledgement(self, *, accepted: bool) -> Acknowledgement:
        body = b'{"received":true}' if accepted else b'{"received":false}'
        return Acknowledgement(200 if accepted else 400, "application/json", body)

    # -- refunds ------------------------------------------------------------------------------
    def refund(self, request: RefundRequest) -> RefundResult:
        """Deterministic: declined when the minor units end in 13, pending for 14."""
        check_refundable(request.amount)
        reference = self.refund_reference(request.refund_id)
        total = request.payment_total
        if request.amount.currency != total.currency or request.amount > total:
            return RefundResult(
                TransactionPhase.FAILURE, reference, "The refund exceeds the payment."
            )
        ending = request.amount.minor % 100
        if ending == DECLINED_REFUND_ENDING:
            message = "The sandbox declines refunds whose amount ends in 13 minor units."
            return RefundResult(TransactionPhase.FAILURE, reference, message)
        if ending == PENDING_REFUND_ENDING:
            message = "Pending: the sandbox will notify the outcome."
            return RefundResult(TransactionPhase.REQUEST, reference, message)
        return RefundResult(TransactionPhase.SUCCESS, reference)
