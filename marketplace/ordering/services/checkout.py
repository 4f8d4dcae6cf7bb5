"""Place a checkout: price server-side, split by merchant (智能拆单), hold the stock.

Everything happens in one transaction: the group, its orders, their lines, the stock
reservations and the outbox events exist together or not at all. Reservations are
placed in (SKU, warehouse) order, so two checkouts never wait on each other's stock rows
in opposite orders (no deadlock). When a reservation is refused because stock moved
since it was read, the whole attempt rolls back and is allocated again from fresh
figures, a bounded number of times.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from marketplace.cart.pricing import NO_PRICE, PricedLine, price_lines, problem_of
from marketplace.catalog.domain.categories import path_ids
from marketplace.events.domain import DomainEvent, Topic
from marketplace.inventory.services.holds import place_hold
from marketplace.ordering.commands import AgreedPrice, LineRequest, PlaceCheckout
from marketplace.ordering.domain import (
    Allocation,
    CheckoutGroup,
    DiscountPolicy,
    FlatRateShipping,
    MerchantDraft,
    NoDiscounts,
    Order,
    OrderLine,
    OrderStatus,
    OutOfStockError,
    ShippingCalculator,
    StatusChange,
    TaxIncluded,
    TaxPolicy,
    allocate,
)
from marketplace.ordering.domain.errors import (
    CartChangedError,
    CheckoutLinesUnavailableError,
    DuplicateCheckoutError,
    EmptyCheckoutError,
    InvalidCheckoutError,
    PriceChangedError,
)
from marketplace.ordering.ports import OrderingUnitOfWork
from marketplace.ordering.services.views import order_event_payload
from marketplace.settlement.domain import CommissionInput, FrozenCommission
from marketplace.settlement.services import quote_commissions
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money, sum_money
from marketplace.shared.retry import retry_transient

DEFAULT_PAYMENT_TTL = timedelta(minutes=30)
# Reservations outlive their order's payment deadline a little: the order-expiry worker
# releases them first; the inventory sweeper is only the backstop.
HOLD_GRACE = timedelta(minutes=10)
MAX_LINES = 200
MAX_QUANTITY = 9_999
DEFAULT_CURRENCY = "CNY"


@dataclass(frozen=True, slots=True)
class Charges:
    """The breakdown's hooks (shipping, discounts, tax) and the payment deadline."""

    shipping: ShippingCalculator = field(default_factory=FlatRateShipping.default)
    discounts: DiscountPolicy = field(default_factory=NoDiscounts)
    taxes: TaxPolicy = field(default_factory=TaxIncluded)
    payment_ttl: timedelta = DEFAULT_PAYMENT_TTL


class _StockMovedError(Exception):
    """A reservation was refused after allocation: allocate again."""


def place_checkout(
    cmd: PlaceCheckout, *, uow: OrderingUnitOfWork, charges: Charges, attempts: int = 3
) -> CheckoutGroup:
    """Place the checkout, or return the group already placed with this idempotency key.
    A deadlock victim is placed again from scratch (nothing of it was kept)."""
    _check_command(cmd)
    return retry_transient(lambda: _place(cmd, uow=uow, charges=charges, attempts=attempts))


def _place(
    cmd: PlaceCheckout, *, uow: OrderingUnitOfWork, charges: Charges, attempts: int
) -> CheckoutGroup:
    for attempt in range(1, attempts + 1):
        with uow:
            existing = _existing(uow, cmd)
            if existing is not None:
                return existing
            requests, cart_id = _requested_lines(uow, cmd)
            group = _build_group(uow, cmd, requests, charges)
            try:
                _hold_stock(uow, group, final=attempt == attempts)
            except _StockMovedError:
                continue  # leaving the block rolls the attempt back
            try:
                uow.orders.add_group(group)
            except DuplicateCheckoutError:
                uow.rollback()  # a concurrent twin with the same key won
                found = _existing(uow, cmd)
                if found is None:
                    raise
                return found
            if cart_id is not None:
                uow.carts.remove_lines(cart_id, [r.sku_id for r in requests])
            for order in group.orders:
                uow.outbox.add(_placed_event(order, uow.clock.now()))
            uow.commit()
            return group
    raise AssertionError("unreachable: the last attempt raises instead of retrying")


def _check_command(cmd: PlaceCheckout) -> None:
    key = cmd.idempotency_key
    if key is not None and not (0 < len(key) <= 200):
        raise InvalidCheckoutError("An idempotency key has 1-200 characters.")
    if cmd.lines is not None:
        if not cmd.lines:
            raise EmptyCheckoutError("Nothing to check out.")
        if len(cmd.lines) > MAX_LINES:
            raise InvalidCheckoutError(f"At most {MAX_LINES} lines per checkout.")
        for line in cmd.lines:
            q = line.quantity
            if isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= MAX_QUANTITY:
                raise InvalidCheckoutError(
                    f"Quantities are whole numbers from 1 to {MAX_QUANTITY}.", sku_id=line.sku_id
                )


def _existing(uow: OrderingUnitOfWork, cmd: PlaceCheckout) -> CheckoutGroup | None:
    if cmd.idempotency_key is None:
        return None
    group_id = uow.orders.group_id_for_key(cmd.buyer_id, cmd.idempotency_key)
    return uow.orders.get_group(group_id) if group_id else None


def _requested_lines(
    uow: OrderingUnitOfWork, cmd: PlaceCheckout
) -> tuple[list[LineRequest], str | None]:
    if cmd.lines is not None:
        merged: dict[str, int] = defaultdict(int)
        for line in cmd.lines:
            merged[line.sku_id] += line.quantity
        return [LineRequest(s, q) for s, q in merged.items()], None
    cart = uow.carts.active_for_buyer(cmd.buyer_id)
    if cart is None or not cart.lines:
        raise EmptyCheckoutError("The cart is empty.")
    # Lock the cart: a line added or removed meanwhile is not half taken.
    if uow.carts.touch(cart.id, now=uow.clock.now(), expected_version=cart.version) is None:
        raise CartChangedError("The cart changed while checking out; review it and retry.")
    return [LineRequest(line.sku_id, line.quantity) for line in cart.lines], cart.id


def _currency(uow: OrderingUnitOfWork, cmd: PlaceCheckout) -> str:
    if cmd.currency:
        return cmd.currency.strip().upper()
    if cmd.lines is not None:  # explicit lines: the cart plays no part
        return DEFAULT_CURRENCY
    cart = uow.carts.active_for_buyer(cmd.buyer_id)
    return (getattr(cart, "currency", None) or DEFAULT_CURRENCY) if cart else DEFAULT_CURRENCY


def _price(
    uow: OrderingUnitOfWork, cmd: PlaceCheckout, requests: Sequence[LineRequest], currency: str
) -> list[PricedLine]:
    snapshots = uow.sku_snapshots.snapshots([r.sku_id for r in requests], locale=cmd.locale)
    priced = price_lines(
        snapshots, {r.sku_id: r.quantity for r in requests}, currency=currency,
        member_level=cmd.member_level, rates=uow.fx_rates, on=uow.clock.now().date(),
    )  # fmt: skip
    unknown = {r.sku_id for r in requests} - {p.snapshot.sku_id for p in priced}
    problems = [{"sku_id": s, "problem": "not_for_sale"} for s in sorted(unknown)]
    agreed = {a.sku_id for a in cmd.agreed_prices}
    problems += [{"sku_id": p.snapshot.sku_id, "problem": problem}
                 for p in priced if (problem := effective_problem(p, agreed))]  # fmt: skip
    if problems:
        raise CheckoutLinesUnavailableError(
            "Some lines cannot be bought as they are.", lines=problems
        )
    return _with_agreed_prices(priced, cmd.agreed_prices) if cmd.agreed_prices else priced


def effective_problem(line: PricedLine, agreed: set[str]) -> str | None:
    """A line's problem; a SKU without a list price is fine at an agreed price."""
    if line.problem == NO_PRICE and line.sku_id in agreed:
        return problem_of(line.snapshot, line.quantity, priced=True)
    return line.problem


def _with_agreed_prices(
    priced: list[PricedLine], agreed: Sequence[AgreedPrice]
) -> list[PricedLine]:
    """Lines at the prices a company agreed (contract, quantity break, quote), in the
    checkout's currency; the list price stays on the line for the record."""
    by_sku = {a.sku_id: a for a in agreed}
    out = []
    for line in priced:
        deal = by_sku.get(line.sku_id)
        if deal is None:
            out.append(line)
            continue
        if deal.unit_price.currency != line.unit_price.currency:
            raise InvalidCheckoutError(
                "An agreed price is in another currency than the checkout.", sku_id=line.sku_id
            )
        out.append(replace(line, unit_price=deal.unit_price, price_rule=deal.rule,
                           line_total=deal.unit_price * line.quantity))  # fmt: skip
    return out


def _build_group(
    uow: OrderingUnitOfWork, cmd: PlaceCheckout, requests: Sequence[LineRequest], charges: Charges
) -> CheckoutGroup:
    now = uow.clock.now()
    currency = _currency(uow, cmd)
    priced = _price(uow, cmd, requests, currency)
    by_merchant: dict[str, list[PricedLine]] = defaultdict(list)
    for line in priced:
        by_merchant[line.snapshot.merchant_id].append(line)
    group_id, expires_at = new_id("grp"), now + charges.payment_ttl
    commissions = _commissions(uow, priced)  # one lookup for the whole checkout
    orders = [
        _build_order(cmd, charges, group_id, lines, commissions, now=now, expires_at=expires_at)
        for _, lines in sorted(by_merchant.items())
    ]
    totals = CheckoutGroup.totals_of(orders, currency)
    if cmd.expected_total is not None and cmd.expected_total != totals["total"]:
        raise PriceChangedError(
            f"The total is now {totals['total']}, not {cmd.expected_total}.",
            total=totals["total"].to_dict(),
        )
    return CheckoutGroup(
        id=group_id, buyer_id=cmd.buyer_id, currency=currency, channel=cmd.channel,
        address=cmd.address, delivery_option=cmd.delivery_option,
        idempotency_key=cmd.idempotency_key, expires_at=expires_at, created_at=now,
        orders=orders, company_id=cmd.company_id, **totals,
    )  # fmt: skip


def _build_order(
    cmd: PlaceCheckout,
    charges: Charges,
    group_id: str,
    priced: list[PricedLine],
    commissions: dict[str, FrozenCommission],
    *,
    now: datetime,
    expires_at: datetime,
) -> Order:
    first = priced[0].snapshot
    currency = priced[0].line_total.currency.code
    order_id = new_id("ord")
    items = sum_money((p.line_total for p in priced), currency)
    draft = MerchantDraft(
        merchant_id=first.merchant_id, items_total=items,
        item_count=sum(p.quantity for p in priced),
        weight_grams=sum((p.snapshot.weight_grams or 0) * p.quantity for p in priced),
    )  # fmt: skip
    shipping = charges.shipping.quote(draft, option=cmd.delivery_option, address=cmd.address)
    discount = min(charges.discounts.discount(draft, buyer_id=cmd.buyer_id), items)
    tax = charges.taxes.tax(draft, address=cmd.address)
    lines = _lines(order_id, priced, commissions)
    order = Order(
        id=order_id, group_id=group_id, buyer_id=cmd.buyer_id, merchant_id=first.merchant_id,
        shop_id=first.shop_id, channel=cmd.channel, status=OrderStatus.PENDING_PAYMENT,
        currency=currency, items_total=items, shipping=shipping, discount=discount, tax=tax,
        total=items + shipping - discount + tax,
        commission=sum_money((line.commission for line in lines), currency),
        refunded=Money.zero(currency), delivery_option=cmd.delivery_option,
        address=cmd.address, expires_at=expires_at, created_at=now, updated_at=now,
        lines=lines, company_id=cmd.company_id,
    )  # fmt: skip
    order.history.append(_placed_change(order, cmd, now))
    return order


def _placed_change(order: Order, cmd: PlaceCheckout, now: datetime) -> StatusChange:
    actor = cmd.actor or f"user:{cmd.buyer_id}"
    return StatusChange(order.id, None, OrderStatus.PENDING_PAYMENT, actor, "placed", now)


def _commissions(uow: OrderingUnitOfWork, priced: list[PricedLine]) -> dict[str, FrozenCommission]:
    """The commission of every line, frozen now, by SKU."""
    categories = uow.categories.get_many({p.snapshot.category_id for p in priced})
    inputs = []
    for p in priced:
        category = categories.get(p.snapshot.category_id)
        trail = tuple(reversed(path_ids(category.path))) if category else (p.snapshot.category_id,)
        inputs.append(CommissionInput(p.snapshot.merchant_id, trail, p.line_total))
    frozen = quote_commissions(inputs, uow=uow)
    return {p.snapshot.sku_id: c for p, c in zip(priced, frozen, strict=True)}


def _lines(
    order_id: str, priced: list[PricedLine], commissions: dict[str, FrozenCommission]
) -> list[OrderLine]:
    return [
        OrderLine(
            id=new_id("oln"),
            order_id=order_id,
            sku_id=p.snapshot.sku_id,
            product_id=p.snapshot.product_id,
            category_id=p.snapshot.category_id,
            title=p.snapshot.title,
            sku_code=p.snapshot.sku_code,
            sales_attributes=dict(p.snapshot.sales_attributes),
            quantity=p.quantity,
            unit_price=p.unit_price,
            list_price=p.list_price,
            price_rule=str(p.price_rule),
            line_total=p.line_total,
            commission_rule_id=c.rule_id,
            commission_rate=c.rate,
            commission=c.amount,
        )
        for p in priced
        for c in [commissions[p.snapshot.sku_id]]
    ]


def _hold_stock(uow: OrderingUnitOfWork, group: CheckoutGroup, *, final: bool) -> None:
    """Allocate every line and place its reservations, in (SKU, warehouse) order."""
    address = group.address
    lines = [line for order in group.orders for line in order.lines]
    stock = uow.orders.warehouse_stock([line.sku_id for line in lines])
    parts = []
    for line in lines:
        for part in allocate(line.sku_id, line.quantity, stock.get(line.sku_id, []),
                             country=address.country, region=address.region):  # fmt: skip
            parts.append((line, part))
    now = uow.clock.now()
    sellers = {o.id: o.merchant_id for o in group.orders}
    for line, part in sorted(parts, key=lambda lp: (lp[0].sku_id, lp[1].warehouse_id)):
        held = place_hold(
            uow, sku_id=line.sku_id, warehouse_id=part.warehouse_id, quantity=part.quantity,
            reference=line.order_id, expires_at=group.expires_at + HOLD_GRACE,
            actor=f"user:{group.buyer_id}", now=now, merchant_id=sellers[line.order_id],
        )  # fmt: skip
        if held is None:
            if final:
                raise OutOfStockError(
                    "The stock changed while checking out; not enough is left.",
                    sku_id=line.sku_id,
                )
            raise _StockMovedError
        line.allocations.append(Allocation(part.warehouse_id, part.quantity, held.id))


def _placed_event(order: Order, now: datetime) -> DomainEvent:
    return DomainEvent(
        topic=Topic.ORDER_PLACED, key=order.id, payload=order_event_payload(order),
        occurred_at=now, merchant_id=order.merchant_id,
    )  # fmt: skip
