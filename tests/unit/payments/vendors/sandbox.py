"""The sandbox's vendor side for the contract suite: its own simulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from marketplace.payments.adapters.sandbox import SIGNATURE_HEADER, SandboxGateway
from marketplace.payments.adapters.sandbox_format import SandboxEvent, event_body
from marketplace.payments.adapters.sandbox_sim import SandboxOutcome, SandboxSimulator
from marketplace.payments.domain.gateway import (
    PaymentAction,
    PaymentRequest,
    RefundRequest,
    TransactionKind,
    TransactionPhase,
)
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from tests.unit.payments.vendors.harness import Notice, Occurrence, request_clock

SECRET = "sandbox-test-secret-0123456789abcdef"
BASE_URL = "https://agora.test"
NOTIFY_URL = "https://agora.test/payments/notify/sandbox"

_OUTCOMES = {
    (TransactionKind.CAPTURE, TransactionPhase.SUCCESS): SandboxOutcome.SUCCEED,
    (TransactionKind.CAPTURE, TransactionPhase.FAILURE): SandboxOutcome.FAIL,
    (TransactionKind.CANCEL, TransactionPhase.SUCCESS): SandboxOutcome.CANCEL,
}


def _refund_id(kind: TransactionKind, payment_id: str) -> str | None:
    return f"rfd_{payment_id}" if kind is TransactionKind.REFUND else None


def payment_request(payment_id: str, amount: Money, clock: FixedClock) -> PaymentRequest:
    return PaymentRequest(
        payment_id=payment_id,
        amount=amount,
        subject="Agora order",
        buyer_id="usr_buyer",
        expires_at=clock.now() + timedelta(minutes=30),
        notify_url=NOTIFY_URL,
        return_url="https://agora.test/orders",
    )


class SandboxHarness:
    currency = "CNY"
    notifies = True

    def __init__(self, clock: FixedClock) -> None:
        self.clock = clock
        self.gateway = SandboxGateway(SECRET, BASE_URL, clock)
        self.simulator = SandboxSimulator(self.gateway)
        self._stranger = SandboxGateway("another-secret-0123456789", BASE_URL, clock)

    def charged_by(self, action: PaymentAction) -> tuple[str, Money]:
        assert action.url is not None
        token = parse_qs(urlsplit(action.url).query)["t"][0]
        charge = self.gateway.read_token(token)  # what the pay page shows and charges
        return charge.payment_id, charge.amount

    def vendor_state(self) -> object:
        return ()  # the sandbox keeps no state: every answer is derived from its input

    def occurrences(self, payment_id: str, amount: Money) -> list[Occurrence]:
        kinds = [*_OUTCOMES, (TransactionKind.REFUND, TransactionPhase.SUCCESS)]
        kinds.append((TransactionKind.REFUND, TransactionPhase.FAILURE))
        return [
            Occurrence(kind, phase, payment_id, amount, _refund_id(kind, payment_id))
            for kind, phase in kinds
        ]

    def notify(self, occurrence: Occurrence) -> Notice:
        if occurrence.kind is TransactionKind.REFUND:
            assert occurrence.refund_id is not None
            delivery = self.simulator.refund(
                payment_id=occurrence.payment_id,
                refund_id=occurrence.refund_id,
                amount=occurrence.amount,
                notify_url=NOTIFY_URL,
                succeeded=occurrence.phase is TransactionPhase.SUCCESS,
            )
            reference = self.gateway.refund_reference(occurrence.refund_id)
        else:
            request = payment_request(occurrence.payment_id, occurrence.amount, self.clock)
            token = str(self.gateway.start(request).data["token"])
            outcome = _OUTCOMES[(occurrence.kind, occurrence.phase)]
            [delivery] = self.simulator.pay(token, outcome)
            reference = self.gateway.payment_reference(occurrence.payment_id)
        assert delivery.url == NOTIFY_URL
        return Notice(dict(delivery.headers), delivery.body, reference)

    def notify_as_stranger(self, occurrence: Occurrence) -> Notice:
        genuine = self.notify(occurrence)
        headers = self._stranger.sign(genuine.body, at=self.clock.now())
        return Notice(headers, genuine.body, genuine.reference)

    def tamper(self, notice: Notice) -> Notice:
        fields = json.loads(notice.body)
        fields["amount"] = "0.01"
        body = json.dumps(fields, separators=(",", ":")).encode()
        return Notice(notice.headers, body, notice.reference)

    def break_signature(self, notice: Notice) -> Notice:
        value = notice.headers[SIGNATURE_HEADER]
        flipped = value[:-1] + ("0" if value[-1] != "0" else "1")
        return Notice({SIGNATURE_HEADER: flipped}, notice.body, notice.reference)

    def strip_signature(self, notice: Notice) -> Notice:
        return Notice({}, notice.body, notice.reference)

    def notify_unknown(self, payment_id: str, amount: Money) -> Notice:
        body = event_body(
            SandboxEvent.PAYMENT_SUCCEEDED,
            payment_id=payment_id,
            reference="sbx_x",
            amount=amount,
            occurred_at=self.clock.now(),
        ).replace(b"payment.succeeded", b"payment.exploded")
        return Notice(self.gateway.sign(body, at=self.clock.now()), body, "sbx_x")

    def refund_request(self, payment_id: str, amount: Money, *, granted: bool) -> RefundRequest:
        # The sandbox's documented trigger: minor units ending in 13 are declined.
        this = amount if granted else Money.of("12.13", amount.currency)
        return RefundRequest(
            refund_id=f"rfd_{payment_id}",
            payment_id=payment_id,
            gateway_reference=self.gateway.payment_reference(payment_id),
            amount=this,
            payment_total=max(amount, this),
            reason="contract suite",
        )

    def refunded(self, payment_id: str) -> Money | None:
        return None


@contextmanager
def sandbox_harness(request: pytest.FixtureRequest) -> Iterator[SandboxHarness]:
    yield SandboxHarness(request_clock(request))
