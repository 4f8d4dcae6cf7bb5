"""Use cases of ordering."""

from marketplace.ordering.services.checkout import Charges, place_checkout
from marketplace.ordering.services.lifecycle import (
    PaidOutcome,
    change_status,
    expire_orders,
    pay_orders,
)

__all__ = ["Charges", "PaidOutcome", "change_status", "expire_orders", "pay_orders",
           "place_checkout"]  # fmt: skip
