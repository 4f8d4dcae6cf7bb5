"""Commands of ordering: what a caller asks for, already parsed, not yet validated."""

from __future__ import annotations

from dataclasses import dataclass, field

from marketplace.ordering.domain import Address, Channel
from marketplace.shared.money import Money


@dataclass(frozen=True, slots=True)
class LineRequest:
    sku_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class AgreedPrice:
    """A unit price agreed outside the list (a contract, a quantity break, a quote) that
    the caller has already resolved and checked; it replaces the catalog price."""

    sku_id: str
    unit_price: Money
    rule: str  # "contract:<id>", "tier:<min quantity>", "quote:<id>"


@dataclass(frozen=True, slots=True)
class PlaceCheckout:
    """Place one checkout: one group, one order per merchant.

    ``lines`` None takes every line of the buyer's cart (and removes them from it once
    placed); explicit lines (the procurement agent, API clients) leave the cart alone.
    ``expected_total``, when given, must equal the server's total, so a buyer never pays
    a price they were not shown (``price_changed``).
    """

    buyer_id: str
    address: Address
    delivery_option: str = "standard"
    channel: Channel = Channel.WEB
    currency: str | None = None  # None: the cart's currency, else CNY
    member_level: str | None = None
    locale: str | None = None
    lines: tuple[LineRequest, ...] | None = None
    expected_total: Money | None = None
    idempotency_key: str | None = None
    actor: str = field(default="")  # "user:<id>"; defaults to the buyer
    # B2B purchase orders (set by purchasing only, never from a request body): the
    # company whose credit and wallet pay, and the prices it agreed with the suppliers.
    company_id: str | None = None
    agreed_prices: tuple[AgreedPrice, ...] = ()


@dataclass(frozen=True, slots=True)
class ChangeOrderStatus:
    order_id: str
    target: str
    actor: str
    reason: str = ""
    merchant_id: str | None = None  # set when a merchant acts: must own the order
    buyer_id: str | None = None  # set when a buyer acts: must have placed it
