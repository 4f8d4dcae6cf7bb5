"""Payouts: money the platform sends to a merchant's bank account. Standard library only.

A payout is posted when it is created (Dr merchant_payable / Cr bank:payouts), so the
merchant's payable balance is always what is still available to pay out and no second
"reserved" figure is needed; a payout that fails is reversed by a second entry, never
edited away. States: ``pending -> processing -> paid | failed`` (a pending payout may also
be marked paid or failed directly, e.g. a manual transfer or a cancellation).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from marketplace.settlement.domain.errors import InvalidPayoutError, PayoutTransitionError
from marketplace.shared.money import Money

MAX_EXTERNAL_REFERENCE = 200
MAX_TEXT = 500


class PayoutStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    PAID = "paid"
    FAILED = "failed"

    @property
    def is_final(self) -> bool:
        return self in (PayoutStatus.PAID, PayoutStatus.FAILED)


# Target state -> the states it may be reached from.
ALLOWED_FROM: dict[PayoutStatus, frozenset[PayoutStatus]] = {
    PayoutStatus.PROCESSING: frozenset({PayoutStatus.PENDING}),
    PayoutStatus.PAID: frozenset({PayoutStatus.PENDING, PayoutStatus.PROCESSING}),
    PayoutStatus.FAILED: frozenset({PayoutStatus.PENDING, PayoutStatus.PROCESSING}),
}


@dataclass(frozen=True)
class Payout:
    id: str
    merchant_id: str
    amount: Money
    status: PayoutStatus
    created_at: datetime
    updated_at: datetime
    created_by: str | None = None
    memo: str | None = None
    external_reference: str | None = None  # the bank's or payment provider's transfer id
    failure_reason: str | None = None
    processing_at: datetime | None = None
    paid_at: datetime | None = None
    failed_at: datetime | None = None

    def validate(self) -> None:
        if self.amount.is_negative or self.amount.is_zero:
            raise InvalidPayoutError("A payout amount must be positive.", field="amount")
        check_text("memo", self.memo, MAX_TEXT)
        check_text("external_reference", self.external_reference, MAX_EXTERNAL_REFERENCE)

    def moved_to(
        self,
        status: PayoutStatus,
        *,
        now: datetime,
        external_reference: str | None = None,
        failure_reason: str | None = None,
    ) -> Payout:
        """The payout in ``status``; refuses a move the state machine does not allow."""
        if self.status not in ALLOWED_FROM[status]:
            raise PayoutTransitionError(
                f"A {self.status} payout cannot become {status}.",
                payout_id=self.id,
                payout_status=str(self.status),
            )
        check_text("external_reference", external_reference, MAX_EXTERNAL_REFERENCE)
        check_text("failure_reason", failure_reason, MAX_TEXT)
        changed = dataclasses.replace(
            self,
            status=status,
            updated_at=now,
            external_reference=external_reference or self.external_reference,
            failure_reason=failure_reason if status is PayoutStatus.FAILED else None,
        )
        stamp = {
            PayoutStatus.PROCESSING: "processing_at",
            PayoutStatus.PAID: "paid_at",
            PayoutStatus.FAILED: "failed_at",
        }[status]
        object.__setattr__(changed, stamp, now)
        return changed


def check_text(field: str, value: str | None, limit: int) -> None:
    if value is not None and (not value.strip() or len(value) > limit):
        raise InvalidPayoutError(f"{field} must be 1..{limit} characters.", field=field)
