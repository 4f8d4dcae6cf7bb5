"""Ports of payments: the gateway every payment method implements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from marketplace.ordering.ports import OrderingUnitOfWork
from marketplace.payments.domain import (
    Payment,
    PaymentState,
    Refund,
    RefundStatus,
    Transaction,
)
from marketplace.payments.domain.gateway import (
    Acknowledgement,
    GatewayNotification,
    PaymentAction,
    PaymentRequest,
    RefundRequest,
    RefundResult,
)


class PaymentGateway(Protocol):
    """One payment method. Adapters: sandbox, alipay, wechatpay, wallet, credit_terms.

    Every adapter passes the shared contract suite (tests/unit/payments/test_gateway_contract.py).
    """

    @property
    def name(self) -> str: ...

    def start(self, request: PaymentRequest) -> PaymentAction:
        """Begin collecting a payment. Calling it again for the same payment id returns an
        equivalent action and never charges twice."""
        ...

    def verify_notification(self, headers: Mapping[str, str], body: bytes) -> GatewayNotification:
        """Check a notification's signature and parse it. Raises InvalidNotificationError
        for anything not genuine or not understood. Header names are case-insensitive."""
        ...

    def acknowledgement(self, *, accepted: bool) -> Acknowledgement:
        """The answer the vendor expects (Alipay: ``success``; WeChat Pay: 200/204)."""
        ...

    def refund(self, request: RefundRequest) -> RefundResult:
        """Ask for money back. Idempotent on ``request.refund_id``."""
        ...


class PaymentRepository(Protocol):
    def add(self, payment: Payment) -> None: ...

    def get(self, payment_id: str, *, for_update: bool = False) -> Payment | None: ...

    def open_for_orders(self, order_ids: Sequence[str], method: str) -> str | None: ...

    def pending_ids(
        self, methods: Sequence[str], *, older_than: datetime, limit: int
    ) -> list[str]: ...

    def record(self, tx: Transaction, *, gateway: str, dedup: tuple[str, str, str]) -> bool:
        """Append to the log; False (nothing written) when the dedup key exists."""
        ...

    def transactions(self, payment_id: str) -> list[Transaction]: ...

    def save_state(
        self, payment_id: str, state: PaymentState, *, now: datetime,
        gateway_reference: str | None = None,
    ) -> None: ...  # fmt: skip

    def log_notification(
        self, *, gateway: str, outcome: str, reason: str | None, payment_id: str | None,
        body: bytes, at: datetime,
    ) -> None: ...  # fmt: skip


class RefundRepository(Protocol):
    def add(self, refund: Refund) -> None: ...

    def get(self, refund_id: str) -> Refund | None: ...

    def of_order(self, order_id: str) -> list[Refund]: ...

    def of_payment(self, payment_id: str) -> list[Refund]: ...

    def finish(
        self, refund_id: str, status: RefundStatus, *, now: datetime,
        gateway_reference: str | None = None, failure: str | None = None,
    ) -> bool: ...  # fmt: skip

    def move(
        self, refund_id: str, *, expected: RefundStatus, target: RefundStatus, now: datetime,
        note: str | None = None, restock: bool | None = None,
    ) -> bool: ...  # fmt: skip

    def retry(self, refund_id: str, *, now: datetime) -> bool: ...

    def pending_ids(self, *, older_than: datetime, limit: int) -> list[str]: ...


class PaymentsUnitOfWork(OrderingUnitOfWork, Protocol):
    @property
    def payments(self) -> PaymentRepository: ...

    @property
    def refunds(self) -> RefundRepository: ...


class CollectingGateway(PaymentGateway, Protocol):
    """A method that moves the money itself (wallet, credit terms): it can tell, without
    side effects, whether a payment's money was collected."""

    def collected(self, payment_id: str) -> GatewayNotification | None: ...
