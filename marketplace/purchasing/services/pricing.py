"""Price a purchase request's lines when it is submitted: an agreed price (an accepted
quote's) first, then the company's contract price or the offer's quantity break, then the
catalog's list price; and check the member's category restrictions and each offer's MOQ."""

from __future__ import annotations

from collections.abc import Sequence

from marketplace.cart.pricing import PricedLine, price_lines
from marketplace.catalog.domain.categories import path_ids
from marketplace.companies.domain import Member
from marketplace.ordering.domain.errors import CheckoutLinesUnavailableError
from marketplace.ordering.services.checkout import effective_problem
from marketplace.purchasing import commands
from marketplace.purchasing.domain import (
    CategoryNotAllowedError,
    InvalidPurchaseRequestError,
    RequestLine,
)
from marketplace.purchasing.ports import PurchasingUnitOfWork
from marketplace.sourcing.services import agreed_unit_prices

MAX_LINES = 200
MAX_QUANTITY = 1_000_000


def check_lines(lines: Sequence[commands.RequestLine]) -> list[commands.RequestLine]:
    """Validate and merge lines of the same SKU (their agreed prices must agree)."""
    if not lines:
        raise InvalidPurchaseRequestError("A purchase request needs at least one line.")
    if len(lines) > MAX_LINES:
        raise InvalidPurchaseRequestError(f"At most {MAX_LINES} lines per request.")
    merged: dict[str, commands.RequestLine] = {}
    for line in lines:
        q = line.quantity
        if isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= MAX_QUANTITY:
            raise InvalidPurchaseRequestError(
                f"Quantities are whole numbers from 1 to {MAX_QUANTITY}.", sku_id=line.sku_id
            )
        if line.unit_price is not None and (line.unit_price.is_negative or line.unit_price.is_zero):
            raise InvalidPurchaseRequestError("An agreed price is positive.", sku_id=line.sku_id)
        seen = merged.get(line.sku_id)
        if seen is None:
            merged[line.sku_id] = line
        elif seen.unit_price != line.unit_price:
            raise InvalidPurchaseRequestError(
                "One SKU appears twice at different prices.", sku_id=line.sku_id
            )
        else:
            merged[line.sku_id] = commands.RequestLine(
                line.sku_id, seen.quantity + q, line.unit_price, line.price_source
            )
    return list(merged.values())


def price_request_lines(
    uow: PurchasingUnitOfWork,
    lines: Sequence[commands.RequestLine],
    *,
    company_id: str,
    currency: str,
    member: Member,
) -> list[RequestLine]:
    today = uow.clock.now().date()
    snapshots = uow.sku_snapshots.snapshots([ln.sku_id for ln in lines], locale=None)
    priced = {
        p.sku_id: p
        for p in price_lines(
            snapshots,
            [(ln.sku_id, ln.quantity) for ln in lines],
            currency=currency,
            member_level=None,
            rates=uow.fx_rates,
            on=today,
        )
    }
    deals = agreed_unit_prices(
        uow, company_id=company_id, lines=[(ln.sku_id, ln.quantity) for ln in lines], on=today
    )
    agreed = {ln.sku_id for ln in lines if ln.unit_price is not None} | set(deals)
    problems = [
        {"sku_id": ln.sku_id, "problem": problem}
        for ln in lines
        if (problem := _problem(priced.get(ln.sku_id), agreed))
    ]
    if problems:
        raise CheckoutLinesUnavailableError(
            "Some lines cannot be bought as they are.", lines=problems
        )
    _check_categories(
        uow,
        member,
        [priced[ln.sku_id].snapshot.category_id for ln in lines],
        [ln.sku_id for ln in lines],
    )
    out = []
    for ln in lines:
        p, deal = priced[ln.sku_id], deals.get(ln.sku_id)
        if deal is not None and ln.quantity < deal.moq:
            raise InvalidPurchaseRequestError(
                f"The supplier sells this SKU from {deal.moq} units.",
                code="below_minimum_order_quantity",
                sku_id=ln.sku_id,
                moq=deal.moq,
            )
        if ln.unit_price is not None:
            unit, source = ln.unit_price, ln.price_source or "agreed"
        elif deal is not None:
            unit, source = deal.unit_price, deal.rule
        else:
            unit, source = p.unit_price, str(p.price_rule)
        if unit.currency.code != currency:
            raise InvalidPurchaseRequestError(
                f"The agreed price is in {unit.currency.code}, the company buys in {currency}.",
                code="agreed_price_currency",
                sku_id=ln.sku_id,
            )
        out.append(
            RequestLine(
                sku_id=ln.sku_id,
                quantity=ln.quantity,
                merchant_id=p.snapshot.merchant_id,
                category_id=p.snapshot.category_id,
                title=p.snapshot.title,
                unit_price=unit,
                price_source=source[:60],
                line_total=unit * ln.quantity,
            )
        )
    return out


def _problem(line: PricedLine | None, agreed: set[str]) -> str | None:
    return "not_for_sale" if line is None else effective_problem(line, agreed)


def category_trails(uow: PurchasingUnitOfWork, category_ids: Sequence[str]) -> dict[str, set[str]]:
    """Each category with its ancestors (a rule or restriction on a parent covers it)."""
    found = uow.categories.get_many(set(category_ids))
    return {cid: set(path_ids(found[cid].path)) if cid in found else {cid} for cid in category_ids}


def _check_categories(
    uow: PurchasingUnitOfWork, member: Member, category_ids: list[str], sku_ids: list[str]
) -> None:
    if not member.allowed_category_ids:
        return
    allowed = set(member.allowed_category_ids)
    trails = category_trails(uow, category_ids)
    refused = [
        sku for sku, cid in zip(sku_ids, category_ids, strict=True) if not trails[cid] & allowed
    ]
    if refused:
        raise CategoryNotAllowedError(
            "You may not buy in the category of some lines.", sku_ids=refused
        )
