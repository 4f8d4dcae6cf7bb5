"""The fixture protocol of the gateway contract suite: a gateway plus its "vendor side".

To put a new payment method under the contract suite, write a class with these members and
a factory ``(request: pytest.FixtureRequest) -> ContextManager[harness]`` (it may pull other
fixtures with ``request.getfixturevalue``, e.g. ``clock`` or ``sqlite_engine``), and add the
factory to ``HARNESSES`` in ``tests/unit/payments/test_gateway_contract.py``.

Methods with no vendor notifications (wallet, credit terms) set ``notifies = False``: the
suite then checks that ``verify_notification`` refuses everything, and skips the
``notify*`` members (they may raise NotImplementedError).

The suite pays ``PAYMENT_ID`` for ``BUYER_ID``. Methods that keep their own books in our
database (wallet, credit terms) prepare that buyer (funds, a credit line) and that payment
row in their factory, as the payments core would have before calling ``start``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import pytest

from marketplace.payments.domain.gateway import (
    PaymentAction,
    RefundRequest,
    TransactionKind,
    TransactionPhase,
)
from marketplace.payments.ports import PaymentGateway
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money

PAYMENT_ID = "pay_01JD3XCONTRACT000000000001"
BUYER_ID = "usr_buyer"


@dataclass(frozen=True)
class Occurrence:
    """Something that happened at the vendor, which a notification is to tell us."""

    kind: TransactionKind
    phase: TransactionPhase
    payment_id: str
    amount: Money
    refund_id: str | None = None


@dataclass(frozen=True)
class Notice:
    """One notification as it arrives at our endpoint."""

    headers: dict[str, str]
    body: bytes
    reference: str  # the gateway_reference the gateway must report for it
    meta: Mapping[str, object] = field(default_factory=dict)  # what the harness needs to alter it


class GatewayHarness(Protocol):
    @property
    def gateway(self) -> PaymentGateway: ...

    @property
    def currency(self) -> str:
        """The currency the gateway collects."""
        ...

    @property
    def notifies(self) -> bool: ...

    def charged_by(self, action: PaymentAction) -> tuple[str, Money]:
        """(payment id, amount) the vendor collects when the buyer follows ``action``; the
        vendor side checks our signature on the way (a forged action raises)."""
        ...

    def vendor_state(self) -> object:
        """A comparable snapshot of everything the vendor holds (orders, refunds, balances)."""
        ...

    def occurrences(self, payment_id: str, amount: Money) -> list[Occurrence]:
        """Every kind of event this vendor notifies, for one payment."""
        ...

    def notify(self, occurrence: Occurrence) -> Notice:
        """The genuine notification of ``occurrence``."""
        ...

    def notify_as_stranger(self, occurrence: Occurrence) -> Notice:
        """The same content, signed with a key that is not the vendor's."""
        ...

    def tamper(self, notice: Notice) -> Notice:
        """Change what the notification says (the amount), keeping its signature."""
        ...

    def break_signature(self, notice: Notice) -> Notice:
        """The same content with a well-formed but wrong signature."""
        ...

    def strip_signature(self, notice: Notice) -> Notice:
        """The same content with the signature (header or field) removed."""
        ...

    def notify_unknown(self, payment_id: str, amount: Money) -> Notice:
        """A genuinely signed notification whose content the gateway cannot understand."""
        ...

    def refund_request(self, payment_id: str, amount: Money, *, granted: bool) -> RefundRequest:
        """Record a captured payment of ``amount`` at the vendor and return a refund request
        of it that the vendor will grant (``granted``) or decline."""
        ...

    def refunded(self, payment_id: str) -> Money | None:
        """What the vendor has paid back on the payment; None if it keeps no ledger."""
        ...


def request_clock(request: pytest.FixtureRequest) -> FixedClock:
    """The test's ``clock`` fixture, for harness factories."""
    clock = request.getfixturevalue("clock")
    assert isinstance(clock, FixedClock)
    return clock
