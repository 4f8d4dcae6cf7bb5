"""Hooks of the price breakdown: shipping, discounts and tax, per merchant order.

Checkout computes every figure server-side; these policies are ports so that a
promotion engine or a tax service can replace the defaults without touching checkout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from marketplace.ordering.domain.orders import Address
from marketplace.shared.errors import ValidationError
from marketplace.shared.money import Money


class InvalidDeliveryOptionError(ValidationError):
    code = "invalid_delivery_option"


@dataclass(frozen=True, slots=True)
class MerchantDraft:
    """One merchant's part of a checkout before it is placed."""

    merchant_id: str
    items_total: Money
    item_count: int
    weight_grams: int


class ShippingCalculator(Protocol):
    def options(self) -> tuple[str, ...]: ...

    def quote(self, draft: MerchantDraft, *, option: str, address: Address) -> Money: ...


class DiscountPolicy(Protocol):
    def discount(self, draft: MerchantDraft, *, buyer_id: str) -> Money:
        """Money off this merchant order (never more than its items total)."""
        ...


class TaxPolicy(Protocol):
    def tax(self, draft: MerchantDraft, *, address: Address) -> Money:
        """Tax added on top of the items (zero where prices include tax, as in China)."""
        ...


@dataclass(frozen=True, slots=True)
class FlatRateShipping:
    """Per merchant order: a flat fee per option, free above a threshold (in the order's
    currency's major units; the same figures serve every currency until configured)."""

    fees: Mapping[str, Decimal]
    free_over: Decimal | None = None

    @classmethod
    def default(cls) -> FlatRateShipping:
        return cls(fees={"standard": Decimal("8"), "express": Decimal("18")},
                   free_over=Decimal("99"))  # fmt: skip

    def options(self) -> tuple[str, ...]:
        return tuple(self.fees)

    def quote(self, draft: MerchantDraft, *, option: str, address: Address) -> Money:
        if option not in self.fees:
            raise InvalidDeliveryOptionError(
                f"Delivery option must be one of {', '.join(self.fees)}.", option=option
            )
        currency = draft.items_total.currency
        free_over = self.free_over
        if (
            option == "standard"
            and free_over is not None
            and draft.items_total >= Money.of(free_over, currency)
        ):
            return Money.zero(currency)
        return Money.of(self.fees[option], currency)


class NoDiscounts:
    def discount(self, draft: MerchantDraft, *, buyer_id: str) -> Money:
        return Money.zero(draft.items_total.currency)


class TaxIncluded:
    def tax(self, draft: MerchantDraft, *, address: Address) -> Money:
        return Money.zero(draft.items_total.currency)
