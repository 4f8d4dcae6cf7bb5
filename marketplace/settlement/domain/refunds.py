"""Refunds against a captured payment: the proportional commission refund, and the checks
that keep refunds within what was captured. Standard library only.

The commission refunded is proportional to the gross refunded and computed on the
*running* total: after refunds summing to R of a gross G carrying commission C, exactly
round_half_up(C x R / G) has been refunded. Each refund's part is the difference between
two such totals, so the parts never go negative, their sum never exceeds C, and it is
exactly C once R reaches G, however the refund was split.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from marketplace.settlement.domain.errors import (
    CommissionRefundError,
    InvalidShareError,
    RefundExceedsCaptureError,
)
from marketplace.settlement.domain.ledger import (
    PLATFORM_COMMISSION,
    JournalEntry,
    MerchantShare,
    payable_merchant,
)
from marketplace.shared.money import Money

ShareKey = tuple[str, str]  # (merchant_id, order_id)


@dataclass(frozen=True)
class ShareTotals:
    """Gross and commission, in minor units, of one merchant's order in some entries."""

    gross: int = 0
    commission: int = 0

    def __add__(self, other: ShareTotals) -> ShareTotals:
        return ShareTotals(self.gross + other.gross, self.commission + other.commission)


def share_totals(entries: Iterable[JournalEntry]) -> dict[ShareKey, ShareTotals]:
    """Per (merchant, order): the gross and commission that these entries moved."""
    totals: dict[ShareKey, ShareTotals] = {}
    for entry in entries:
        for posting in entry.postings:
            if posting.merchant_id is None or posting.order_id is None:
                continue
            minor = abs(posting.amount.minor)
            if posting.account == PLATFORM_COMMISSION:
                moved = ShareTotals(gross=minor, commission=minor)
            elif payable_merchant(posting.account) == posting.merchant_id:
                moved = ShareTotals(gross=minor)
            else:
                continue
            key = (posting.merchant_id, posting.order_id)
            totals[key] = totals.get(key, ShareTotals()) + moved
    return totals


def _half_up(value: Fraction) -> int:
    """Round a non-negative fraction half-up to an integer (ADR 0002)."""
    return int(value + Fraction(1, 2))


def _same_currency(*amounts: Money) -> None:
    if len({a.currency for a in amounts}) != 1:
        raise InvalidShareError("Commission and refund amounts share one currency.",
                                code="mixed_currencies")  # fmt: skip


def refundable_commission(
    *,
    commission: Money,
    gross: Money,
    refund: Money,
    already_refunded_commission: Money,
    already_refunded: Money | None = None,
) -> Money:
    """The commission to give back with ``refund`` of an order's captured ``gross``.

    Pass ``already_refunded`` (the gross refunded before) so that the running total ends
    exactly at ``commission`` when the whole gross has been refunded; without it, a
    refund of the whole gross returns the rest, and a partial one its own rounded share,
    capped so the running total never exceeds ``commission``.
    """
    before = already_refunded if already_refunded is not None else Money.zero(gross.currency)
    _same_currency(commission, gross, refund, already_refunded_commission, before)
    if commission.is_negative or commission > gross or refund.is_negative:
        raise InvalidShareError("Need 0 <= commission <= gross and a non-negative refund.")
    remaining = commission - already_refunded_commission
    if remaining.is_negative or already_refunded_commission.is_negative:
        raise CommissionRefundError("More commission was refunded than charged.")
    if before.is_negative or before + refund > gross:
        raise RefundExceedsCaptureError(f"A refund of {refund} exceeds what is left of {gross}.")
    if gross.is_zero:
        return Money.zero(gross.currency)
    if already_refunded is None:
        if refund == gross:
            return remaining
        own = _half_up(Fraction(commission.minor * refund.minor, gross.minor))
        return min(Money.from_minor(own, gross.currency), remaining)
    target = _half_up(Fraction(commission.minor * (before + refund).minor, gross.minor))
    part = Money.from_minor(target, gross.currency) - already_refunded_commission
    return max(Money.zero(gross.currency), min(part, remaining))


def check_refund(
    shares: Sequence[MerchantShare],
    *,
    captured: Mapping[ShareKey, ShareTotals],
    refunded: Mapping[ShareKey, ShareTotals],
) -> None:
    """Refuse a refund beyond the capture, a commission refund beyond the commission, and
    a final refund that leaves commission behind (the order's payable must end at zero)."""
    for share in shares:
        key = (share.merchant_id, share.order_id)
        if key not in captured:
            raise RefundExceedsCaptureError(
                f"Order {share.order_id} of merchant {share.merchant_id} was not captured "
                "in this payment.",
                order_id=share.order_id,
            )
        cap, done = captured[key], refunded.get(key, ShareTotals())
        gross, commission = done.gross + share.gross.minor, done.commission + share.commission.minor
        if gross > cap.gross:
            raise RefundExceedsCaptureError(
                f"Order {share.order_id}: refunds would exceed the captured amount.",
                order_id=share.order_id,
            )
        if commission > cap.commission:
            raise CommissionRefundError(
                f"Order {share.order_id}: commission refunds would exceed the commission.",
                order_id=share.order_id,
            )
        if gross == cap.gross and commission != cap.commission:
            raise CommissionRefundError(
                f"Order {share.order_id} is fully refunded, so its whole commission must be "
                "too (pass already_refunded to refundable_commission).",
                code="commission_refund_incomplete",
                order_id=share.order_id,
            )
