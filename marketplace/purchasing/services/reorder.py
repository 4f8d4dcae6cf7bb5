"""Reorder: a new purchase request from a past order of the company."""

from __future__ import annotations

from marketplace.companies.services import member_of
from marketplace.ordering.domain.errors import OrderNotFoundError
from marketplace.purchasing import commands
from marketplace.purchasing.ports import PurchasingUnitOfWork


def reorder_lines(
    order_id: str, *, company_id: str, actor_id: str, uow: PurchasingUnitOfWork
) -> tuple[commands.RequestLine, ...]:
    """The lines of one of the company's orders, to submit again (priced anew: today's
    contract, tier or list price, not the old order's)."""
    with uow:
        member_of(uow.companies, company_id, actor_id)
        order = uow.orders.get(order_id)
        if order is None or order.company_id != company_id:
            raise OrderNotFoundError("No such order.")
        return tuple(commands.RequestLine(line.sku_id, line.quantity) for line in order.lines)
