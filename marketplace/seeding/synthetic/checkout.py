"""The end of a session that buys: one checkout of the cart, paid a little later, and one
purchase event per line (the writer files each line under its merchant's order)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from marketplace.seeding.synthetic.model import Order, OrderLine

if TYPE_CHECKING:
    from marketplace.seeding.synthetic.sessions import _Session

PAYMENT_METHODS = ("alipay", "wechatpay")


def checkout(session: _Session) -> None:
    rng = session.rng
    placed_at = min(session.now + timedelta(seconds=rng.randrange(20, 120)), session.last)
    paid_at = min(placed_at + timedelta(seconds=rng.randrange(5, 300)), session.last)
    order = Order(
        key=session.id,
        day=session.day.index,
        user=session.user.index,
        channel=session.channel,
        placed_at=placed_at,
        paid_at=paid_at,
        payment_method=PAYMENT_METHODS[0 if rng.random() < 0.55 else 1],
    )
    # Sorted so that lines and events come out in one order for one seed.
    for (product, variant), (quantity, price, promo) in sorted(session.cart.items()):
        order.lines.append(OrderLine(product, variant, quantity, price, bool(promo)))
    session.day.orders.append(order)
    session.now = paid_at
    for line in order.lines:
        session.emit(
            "purchase",
            product=line.product,
            variant=line.variant,
            quantity=line.quantity,
            price=line.unit_price,
            order_key=order.key,
        )
    session.cart.clear()
