"""The sandbox's "provider side": the notifications a real provider would send, on demand.

Pure: it builds signed deliveries and sends nothing. The sandbox pay page (web layer) reads
the buyer's choice, calls ``pay`` and POSTs each delivery to its ``url`` in order; a test
can do the same, or feed them to ``SandboxGateway.verify_notification`` directly. Each
delivery is signed at the clock's current time, so build it when it is to be sent: a
delivery kept longer than the gateway's tolerance window is refused as a replay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from marketplace.payments.adapters.sandbox import SandboxGateway
from marketplace.payments.adapters.sandbox_format import SandboxEvent, event_body
from marketplace.shared.money import Money


class SandboxOutcome(StrEnum):
    """What the buyer (or a test) makes happen on the sandbox pay page."""

    SUCCEED = "succeed"  # one capture notification
    FAIL = "fail"  # one failed-capture notification
    CANCEL = "cancel"  # the payment is closed unpaid
    TIMEOUT = "timeout"  # nothing at all: the payment must expire on our side
    NOTIFY_TWICE = "notify_twice"  # the same capture notification, byte for byte, twice
    OUT_OF_ORDER = "out_of_order"  # a cancel, then a capture that happened after all


@dataclass(frozen=True, slots=True)
class SandboxDelivery:
    """One HTTP POST the provider makes: to ``url``, with these headers and body."""

    url: str
    headers: Mapping[str, str]
    body: bytes


class SandboxSimulator:
    """Builds the signed notifications for a pay-page outcome or a refund."""

    def __init__(self, gateway: SandboxGateway) -> None:
        self._gateway = gateway

    def pay(self, token: str, outcome: SandboxOutcome | str) -> list[SandboxDelivery]:
        """The deliveries for ``outcome`` on the payment behind ``token``, in sending order.

        Raises SandboxTokenError for a forged, altered or expired token, as the pay page
        of a real provider refuses to take money for a link it did not issue.
        """
        charge = self._gateway.read_token(token)
        outcome = SandboxOutcome(outcome)

        def delivery(event: SandboxEvent) -> SandboxDelivery:
            return self._deliver(
                event, charge.notify_url, charge.payment_id, charge.reference, charge.amount
            )

        if outcome is SandboxOutcome.TIMEOUT:
            return []
        if outcome is SandboxOutcome.NOTIFY_TWICE:
            once = delivery(SandboxEvent.PAYMENT_SUCCEEDED)
            return [once, once]
        if outcome is SandboxOutcome.OUT_OF_ORDER:
            return [
                delivery(SandboxEvent.PAYMENT_CANCELLED),
                delivery(SandboxEvent.PAYMENT_SUCCEEDED),
            ]
        single = {
            SandboxOutcome.SUCCEED: SandboxEvent.PAYMENT_SUCCEEDED,
            SandboxOutcome.FAIL: SandboxEvent.PAYMENT_FAILED,
            SandboxOutcome.CANCEL: SandboxEvent.PAYMENT_CANCELLED,
        }
        return [delivery(single[outcome])]

    def refund(
        self,
        *,
        payment_id: str,
        refund_id: str,
        amount: Money,
        notify_url: str,
        succeeded: bool = True,
    ) -> SandboxDelivery:
        """The notification settling a refund (a pending one, or one sent out of order)."""
        event = SandboxEvent.REFUND_SUCCEEDED if succeeded else SandboxEvent.REFUND_FAILED
        reference = self._gateway.refund_reference(refund_id)
        return self._deliver(event, notify_url, payment_id, reference, amount, refund_id)

    def _deliver(
        self,
        event: SandboxEvent,
        url: str,
        payment_id: str,
        reference: str,
        amount: Money,
        refund_id: str | None = None,
    ) -> SandboxDelivery:
        now = self._gateway.clock.now()
        body = event_body(
            event,
            payment_id=payment_id,
            reference=reference,
            amount=amount,
            occurred_at=now,
            refund_id=refund_id,
        )
        return SandboxDelivery(url=url, headers=self._gateway.sign(body, at=now), body=body)
