"""Live pricing of cart lines: the one computation the cart view and checkout share.

For each line (``price_lines``):

* **Which prices.** When the SKU has a PriceSet in the requested currency, the unit price is
  resolved there (``resolve_unit_price``: lowest of list, reached tier and member price).
  Otherwise it is resolved in the SKU's *primary* currency, the first PriceSet of
  ``SkuSnapshot.prices``, and converted. The snapshot adapter puts first the product's
  price currency (``products.price_currency``, the merchant's currency the listing shows)
  when the SKU is priced in it, else the currency the SKU was first priced in.
* **Conversion.** At the latest FX rate on or before ``on`` (direct, inverse, or through
  the pivot currency; ``marketplace.fx.services.resolve_conversion``), rounded once,
  half-up, to the requested currency. The line states the rate and its date. The unit price
  is converted first and then multiplied by the quantity, so a line total is always
  ``unit_price x quantity`` in the currency shown, and lines add up the same way here and
  at checkout. The list price is converted at the same rate.
* **Problems** (first that applies): ``not_for_sale`` (SKU inactive, product not listed or
  merchant not approved), ``no_price`` (no PriceSet at all, or no FX rate to the requested
  currency: the prices are then zero and ``price_rule`` is ``"none"``), ``out_of_stock``
  (nothing available), ``insufficient_stock`` (less available than the quantity).

Totals (``summarize``): lines are grouped by merchant in the order they come; a group's
subtotal and the grand total add up only the lines without a problem, which is what
checkout could charge right now; ``problem_count`` says how many lines were left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from marketplace.cart.domain import SkuNotAvailableError
from marketplace.catalog.domain.errors import InvalidQuantityError
from marketplace.catalog.domain.pricing import (
    PriceRule,
    PriceSet,
    parse_member_level,
    resolve_unit_price,
)
from marketplace.fx.domain import FxRateNotFoundError, convert
from marketplace.fx.ports import FxRateRepository
from marketplace.fx.services import DEFAULT_PIVOT, resolve_conversion
from marketplace.shared.currency import Currency, get_currency
from marketplace.shared.money import Money, sum_money

NOT_FOR_SALE = "not_for_sale"
NO_PRICE = "no_price"
OUT_OF_STOCK = "out_of_stock"
INSUFFICIENT_STOCK = "insufficient_stock"
NO_RULE = "none"


@dataclass(frozen=True)
class SkuSnapshot:
    """A SKU as the cart and checkout need it, read from the catalog and inventory tables."""

    sku_id: str
    product_id: str
    merchant_id: str
    shop_id: str | None
    category_id: str
    title: str  # in the requested locale, by the catalog's fallback rule
    sku_code: str
    sales_attributes: dict[str, str]
    weight_grams: int | None
    is_sellable: bool  # SKU active, product listed, merchant approved
    prices: dict[str, PriceSet]  # by currency code, the primary currency first
    available: int  # on hand - reserved, over the active warehouses
    merchant_name: str = ""
    shop_name: str | None = None


@dataclass(frozen=True)
class PricedLine:
    snapshot: SkuSnapshot
    quantity: int
    unit_price: Money  # in the requested currency
    line_total: Money  # unit_price x quantity
    list_price: Money
    price_rule: str  # a PriceRule value, or "none" when there is no price
    source_currency: str  # the currency the price was resolved in
    fx_rate: Decimal | None  # 1 source_currency = fx_rate requested currency
    fx_rate_date: date | None
    problem: str | None

    @property
    def sku_id(self) -> str:
        return self.snapshot.sku_id

    @property
    def is_purchasable(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class MerchantGroup:
    merchant_id: str
    merchant_name: str
    lines: tuple[PricedLine, ...]
    subtotal: Money


@dataclass(frozen=True)
class CartTotals:
    currency: str
    groups: tuple[MerchantGroup, ...]
    total: Money
    quantity: int  # units over every line
    problem_count: int


@dataclass(frozen=True)
class _Rate:
    rate: Decimal | None  # None: no conversion (same currency)
    rate_date: date | None


def price_lines(
    snapshots: Mapping[str, SkuSnapshot],
    quantities: Mapping[str, int] | Sequence[tuple[str, int]],
    *,
    currency: str,
    member_level: str | None,
    rates: FxRateRepository,
    on: date,
    pivot: str = DEFAULT_PIVOT,
) -> list[PricedLine]:
    """Price ``quantities`` (``{sku_id: quantity}``, in order) with the rules above.

    A SKU missing from ``snapshots`` (it does not exist) is ``sku_not_available``.
    Each source currency's rate is looked up once per call."""
    pricer = _Pricer(get_currency(currency), parse_member_level(member_level).value, rates,
                     on, pivot)  # fmt: skip
    items = quantities.items() if isinstance(quantities, Mapping) else quantities
    priced: list[PricedLine] = []
    for sku_id, quantity in items:
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise InvalidQuantityError(quantity)
        snapshot = snapshots.get(sku_id)
        if snapshot is None:
            raise SkuNotAvailableError(sku_id)
        priced.append(pricer.line(snapshot, quantity))
    return priced


class _Pricer:
    """One pricing run: the target currency, the buyer's level and the rates found so far."""

    def __init__(
        self, target: Currency, level: str, rates: FxRateRepository, on: date, pivot: str
    ) -> None:
        self.target, self.level, self.rates, self.on, self.pivot = target, level, rates, on, pivot
        self.found: dict[str, _Rate | None] = {}  # by source currency; None: no rate

    def line(self, snapshot: SkuSnapshot, quantity: int) -> PricedLine:
        target = self.target
        prices = snapshot.prices.get(target.code) or next(iter(snapshot.prices.values()), None)
        if prices is None:
            return _unpriced(snapshot, quantity, target, target.code)
        resolved = resolve_unit_price(prices, quantity=quantity, member_level=self.level)
        source = prices.currency.code
        rate = self.rate(resolved.unit_price)
        if rate is None:
            return _unpriced(snapshot, quantity, target, source)
        unit, listed = resolved.unit_price, resolved.list_price
        if rate.rate is not None:
            unit, listed = convert(unit, target, rate.rate), convert(listed, target, rate.rate)
        return PricedLine(
            snapshot=snapshot,
            quantity=quantity,
            unit_price=unit,
            line_total=unit * quantity,
            list_price=listed,
            price_rule=resolved.rule.value,
            source_currency=source,
            fx_rate=rate.rate,
            fx_rate_date=rate.rate_date,
            problem=_problem(snapshot, quantity, priced=True),
        )

    def rate(self, sample: Money) -> _Rate | None:
        """The rate from ``sample``'s currency to the target (None: there is none)."""
        source = sample.currency.code
        if source == self.target.code:
            return _Rate(None, None)
        if source not in self.found:
            try:
                conversion = resolve_conversion(
                    sample, self.target, on=self.on, rates=self.rates, pivot=self.pivot
                )
            except FxRateNotFoundError:
                self.found[source] = None
            else:
                self.found[source] = _Rate(conversion.rate, conversion.rate_date)
        return self.found[source]


def _unpriced(snapshot: SkuSnapshot, quantity: int, target: Currency, source: str) -> PricedLine:
    zero = Money.zero(target)
    return PricedLine(
        snapshot=snapshot,
        quantity=quantity,
        unit_price=zero,
        line_total=zero,
        list_price=zero,
        price_rule=NO_RULE,
        source_currency=source,
        fx_rate=None,
        fx_rate_date=None,
        problem=_problem(snapshot, quantity, priced=False),
    )


def problem_of(snapshot: SkuSnapshot, quantity: int, *, priced: bool) -> str | None:
    """Why a line cannot be bought as it is (None: it can)."""
    return _problem(snapshot, quantity, priced=priced)


def _problem(snapshot: SkuSnapshot, quantity: int, *, priced: bool) -> str | None:
    if not snapshot.is_sellable:
        return NOT_FOR_SALE
    if not priced:
        return NO_PRICE
    if snapshot.available <= 0:
        return OUT_OF_STOCK
    if snapshot.available < quantity:
        return INSUFFICIENT_STOCK
    return None


def summarize(lines: Sequence[PricedLine], *, currency: str) -> CartTotals:
    """Merchant groups (in the lines' order), subtotals and the total of purchasable lines."""
    code = get_currency(currency).code
    by_merchant: dict[str, list[PricedLine]] = {}
    for line in lines:
        by_merchant.setdefault(line.snapshot.merchant_id, []).append(line)
    groups = tuple(
        MerchantGroup(
            merchant_id=merchant_id,
            merchant_name=members[0].snapshot.merchant_name,
            lines=tuple(members),
            subtotal=sum_money((m.line_total for m in members if m.is_purchasable), code),
        )
        for merchant_id, members in by_merchant.items()
    )
    return CartTotals(
        currency=code,
        groups=groups,
        total=sum_money((g.subtotal for g in groups), code),
        quantity=sum(line.quantity for line in lines),
        problem_count=sum(1 for line in lines if line.problem is not None),
    )


__all__ = [
    "INSUFFICIENT_STOCK",
    "NOT_FOR_SALE",
    "NO_PRICE",
    "NO_RULE",
    "OUT_OF_STOCK",
    "CartTotals",
    "MerchantGroup",
    "PriceRule",
    "PricedLine",
    "SkuSnapshot",
    "price_lines",
    "summarize",
]
