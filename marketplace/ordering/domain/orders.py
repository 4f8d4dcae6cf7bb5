"""Checkout groups, sub-orders (one per merchant), their lines and stock allocations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from marketplace.ordering.domain.status import Channel, OrderStatus, check_transition
from marketplace.shared.money import Money, sum_money


@dataclass(frozen=True, slots=True)
class Address:
    """Where the goods go. ``country`` (ISO 3166 alpha-2) and ``region`` (province or
    state) drive warehouse allocation."""

    name: str
    phone: str
    country: str
    region: str
    city: str
    line1: str
    line2: str | None = None
    postal_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "phone": self.phone, "country": self.country,
            "region": self.region, "city": self.city, "line1": self.line1,
            "line2": self.line2, "postal_code": self.postal_code,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Address:
        return cls(**{k: data.get(k) for k in cls.__slots__})  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Allocation:
    """Part of a line held in one warehouse by one inventory reservation."""

    warehouse_id: str
    quantity: int
    reservation_id: str


@dataclass(slots=True)
class OrderLine:
    id: str
    order_id: str
    sku_id: str
    product_id: str
    category_id: str
    title: str
    sku_code: str
    sales_attributes: dict[str, str]
    quantity: int
    unit_price: Money
    list_price: Money
    price_rule: str
    line_total: Money
    commission_rule_id: str | None
    commission_rate: Decimal
    commission: Money
    allocations: list[Allocation] = field(default_factory=list)
    refunded_quantity: int = 0
    refunded: Money | None = None

    @property
    def refunded_amount(self) -> Money:
        return self.refunded if self.refunded is not None else Money.zero(self.line_total.currency)


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One line of an order's history: who moved it, when, from where to where, and why."""

    order_id: str
    from_status: OrderStatus | None
    to_status: OrderStatus
    actor: str
    reason: str
    at: datetime


@dataclass(slots=True)
class Order:
    """A merchant's part of a checkout (子订单): its lines, totals and status."""

    id: str
    group_id: str
    buyer_id: str
    merchant_id: str
    shop_id: str | None
    channel: Channel
    status: OrderStatus
    currency: str
    items_total: Money
    shipping: Money
    discount: Money
    tax: Money
    total: Money
    commission: Money
    refunded: Money
    delivery_option: str
    address: Address
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None = None
    payment_id: str | None = None
    version: int = 1
    lines: list[OrderLine] = field(default_factory=list)
    history: list[StatusChange] = field(default_factory=list)
    company_id: str | None = None  # a B2B purchase order's company (its credit and budget)

    def move_to(self, target: OrderStatus, *, actor: str, reason: str, now: datetime) -> None:
        """Change status (refusing illegal moves) and record it in the history."""
        check_transition(self.status, target)
        self.history.append(StatusChange(self.id, self.status, target, actor, reason, now))
        self.status = target
        self.updated_at = now
        if target is OrderStatus.PAID:
            self.paid_at = now

    @property
    def refundable(self) -> Money:
        return self.total - self.refunded


@dataclass(slots=True)
class CheckoutGroup:
    """What one checkout placed: the merchant orders and the totals one payment covers."""

    id: str
    buyer_id: str
    currency: str
    channel: Channel
    items_total: Money
    shipping: Money
    discount: Money
    tax: Money
    total: Money
    address: Address
    delivery_option: str
    idempotency_key: str | None
    expires_at: datetime
    created_at: datetime
    orders: list[Order] = field(default_factory=list)
    company_id: str | None = None

    @classmethod
    def totals_of(cls, orders: list[Order], currency: str) -> dict[str, Money]:
        return {
            "items_total": sum_money((o.items_total for o in orders), currency),
            "shipping": sum_money((o.shipping for o in orders), currency),
            "discount": sum_money((o.discount for o in orders), currency),
            "tax": sum_money((o.tax for o in orders), currency),
            "total": sum_money((o.total for o in orders), currency),
        }
