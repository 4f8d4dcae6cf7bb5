"""Read side of the cart: the priced view (lines grouped by merchant, totals, problems).

Reading never creates a cart: a buyer or guest without one sees an empty view in the
default currency. Prices, availability and listing state are read live on every view,
through the same snapshot reader and ``price_lines`` that checkout uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from marketplace.cart.domain import Cart, CartLine, CartOwner
from marketplace.cart.ports import CartUnitOfWork, SkuSnapshotReader
from marketplace.cart.pricing import CartTotals, PricedLine, price_lines, summarize
from marketplace.cart.services import find_cart
from marketplace.fx.ports import FxRateRepository
from marketplace.fx.services import DEFAULT_PIVOT


@dataclass(frozen=True)
class CartView:
    cart: Cart | None  # None: the owner has no cart yet
    totals: CartTotals

    @property
    def currency(self) -> str:
        return self.totals.currency

    def line(self, sku_id: str) -> CartLine | None:
        return self.cart.line(sku_id) if self.cart else None

    @property
    def priced(self) -> list[PricedLine]:
        return [line for group in self.totals.groups for line in group.lines]


def price_cart(
    cart: Cart | None,
    *,
    snapshots: SkuSnapshotReader,
    rates: FxRateRepository,
    locale: str | None,
    member_level: str | None,
    on: date,
    default_currency: str = DEFAULT_PIVOT,
    pivot: str = DEFAULT_PIVOT,
) -> CartView:
    """Price a cart's lines in its currency (``default_currency`` without a cart)."""
    currency = cart.currency if cart else default_currency
    quantities = cart.quantities() if cart else {}
    found = snapshots.snapshots(list(quantities), locale=locale) if quantities else {}
    # A line whose SKU vanished between the two reads is left out, not an error.
    present = {sku: q for sku, q in quantities.items() if sku in found}
    lines = price_lines(
        found, present, currency=currency, member_level=member_level, rates=rates, on=on,
        pivot=pivot,
    )  # fmt: skip
    return CartView(cart, summarize(lines, currency=currency))


def view_cart(
    owner: CartOwner,
    *,
    uow: CartUnitOfWork,
    locale: str | None,
    member_level: str | None,
    on: date,
    default_currency: str = DEFAULT_PIVOT,
    pivot: str = DEFAULT_PIVOT,
) -> CartView:
    """The owner's cart, priced now; ``cart_not_found`` for a guest token that opens none."""
    with uow:
        cart = find_cart(owner, uow=uow)
        return price_cart(
            cart, snapshots=uow.sku_snapshots, rates=uow.fx_rates, locale=locale,
            member_level=member_level, on=on, default_currency=default_currency, pivot=pivot,
        )  # fmt: skip
