"""The ordering domain. Standard library only."""

from marketplace.ordering.domain.allocation import (
    OutOfStockError,
    Part,
    WarehouseStock,
    allocate,
)
from marketplace.ordering.domain.charges import (
    DiscountPolicy,
    FlatRateShipping,
    MerchantDraft,
    NoDiscounts,
    ShippingCalculator,
    TaxIncluded,
    TaxPolicy,
)
from marketplace.ordering.domain.orders import (
    Address,
    Allocation,
    CheckoutGroup,
    Order,
    OrderLine,
    StatusChange,
)
from marketplace.ordering.domain.status import (
    PAID_STATUSES,
    UNPAID_STATUSES,
    Channel,
    IllegalTransitionError,
    OrderStatus,
    can_transition,
    check_transition,
)

__all__ = [
    "PAID_STATUSES", "UNPAID_STATUSES", "Address", "Allocation", "Channel", "CheckoutGroup",
    "DiscountPolicy", "FlatRateShipping", "IllegalTransitionError", "MerchantDraft",
    "NoDiscounts", "Order", "OrderLine", "OrderStatus", "OutOfStockError", "Part",
    "ShippingCalculator", "StatusChange", "TaxIncluded", "TaxPolicy", "WarehouseStock",
    "allocate", "can_transition", "check_transition",
]  # fmt: skip
