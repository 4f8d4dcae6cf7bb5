"""The read tools: offers, suppliers, comparisons, the budget and order status, all
through marketplace read models and the companies' budget figures. Results are the
shapes of ``procurement_agent.tool_specs``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from marketplace.companies.domain import OverrunPolicy
from marketplace.companies.services import budget_of
from marketplace.procurement import queries as procurement
from marketplace.purchasing.domain import RuleKind
from marketplace.shared.money import Money
from marketplace.sourcing.queries.offers import OfferHit, OfferQuery, search_offers
from marketplace.sourcing.queries.suppliers import public_supplier
from procurement_agent.tool_specs import (
    CheckBudgetArgs,
    CompareOffersArgs,
    OrderStatusArgs,
    SearchOffersArgs,
    SupplierDetailsArgs,
    best_value_score,
)
from procurement_agent.tools.context import ToolContext, ToolInputError, decimal_text, money

FETCH = 50  # rows ranked by best value before the limit is applied


def search(ctx: ToolContext, args: SearchOffersArgs) -> dict[str, Any]:
    country, region = _place(ctx, args.country, args.region)
    # A currency filters offers only when the buyer named one or capped the unit price:
    # a supplier pricing in another currency (the demo's UK wholesaler, in GBP) is an offer.
    currency = args.currency or (ctx.currency() if args.max_unit_price else None)
    cap = Money.rounded(args.max_unit_price, currency) if args.max_unit_price and currency else None
    query = OfferQuery(
        text=" ".join([args.product, *args.specs]), quantity=args.quantity, max_unit_price=cap,
        currency=currency, country=country, region=region,
        max_lead_time_days=_days_left(ctx, args.deadline), verified_only=args.verified_only,
        sort="landed_price" if args.sort == "best_value" else args.sort,
        limit=FETCH if args.sort == "best_value" else args.limit, locale=ctx.locale,
    )  # fmt: skip
    relaxed: list[str] = []
    hits = _hits(ctx, query)
    if not hits and args.specs:  # specs are words of a title; try the product alone
        hits, relaxed = _hits(ctx, _with_text(query, args.product)), ["specs"]
    if args.sort == "best_value":
        scores = _scores(hits)
        hits = sorted(hits, key=lambda h: (-scores[h.offer_id], h.landed_total.amount))
    # Prices in different currencies do not rank against each other: the company's first.
    buys_in = ctx.currency()
    hits = sorted(hits, key=lambda h: h.unit_price.currency.code != buys_in)  # stable
    echo = args.model_dump(mode="json", exclude_none=True) | {"country": country, "region": region}
    return {
        "query": {**echo, "currency": currency, **({"relaxed": relaxed} if relaxed else {})},
        "offers": [_summary(h, buys_in) for h in hits[: args.limit]],
    }


def supplier_details(ctx: ToolContext, args: SupplierDetailsArgs) -> dict[str, Any]:
    with ctx.app.engine.connect() as conn:
        found = public_supplier(conn, args.supplier_id)
    if found is None:
        raise ToolInputError("No such supplier.", code="supplier_not_found")
    p = found.profile
    return {
        "supplier_id": p.merchant_id, "name": found.name, "is_verified": p.is_verified,
        "rating": decimal_text(p.metrics.rating),
        "on_time_rate": decimal_text(p.metrics.on_time_rate),
        "fulfilled_orders": p.metrics.fulfilled_orders, "active_offers": found.active_offers,
        "regions": [{"country": r.country, "region": r.region, "lead_time_days": r.lead_time_days}
                    for r in p.regions],
        "description": p.description,
    }  # fmt: skip


def compare(ctx: ToolContext, args: CompareOffersArgs) -> dict[str, Any]:
    country, region = _place(ctx, args.country, args.region)
    wanted = list(dict.fromkeys(args.offer_ids))
    hits = priced_offers(ctx, wanted, args.quantity, country=country, region=region)
    rows = [hits[i] for i in wanted if i in hits]
    scores = _scores(rows)
    return {
        "quantity": args.quantity,
        "deadline": args.deadline.isoformat() if args.deadline else None,
        "rows": [
            {
                **_summary(h, ctx.currency()),
                "meets_deadline": meets(ctx.today, h.lead_time_days, args.deadline),
                "moq_ok": args.quantity >= h.moq,
                "goods_total": money(h.unit_price * h.quantity),
                "best_value_score": str(scores[h.offer_id]),
            }
            for h in rows
        ],
        "missing": [i for i in wanted if i not in hits],
    }


def check_budget(ctx: ToolContext, args: CheckBudgetArgs) -> dict[str, Any]:
    """What the approval workflow would say of this amount now: over the cost centre's
    budget (blocked or an approval), over an amount rule or the buyer's order limit."""
    currency = ctx.currency()
    if args.currency != currency:
        raise ToolInputError(f"The company buys in {currency}.", code="currency_mismatch")
    amount = Money.rounded(args.amount, currency)
    location = ctx.location(location_id=_latest_location(ctx))
    reasons: list[str] = []
    blocked, remaining = False, None
    if location.cost_centre_id:
        period = budget_of(ctx.company_id, location.cost_centre_id, actor_id=ctx.buyer_id,
                           uow=ctx.app.uow())  # fmt: skip
        if period is not None:
            remaining = period.available
            if amount > remaining:
                with ctx.app.uow() as uow:
                    centre = uow.companies.get_cost_centre(location.cost_centre_id)
                blocked = centre is not None and centre.overrun is OverrunPolicy.BLOCK
                reasons.append("budget_exceeded" if blocked else "budget_overrun")
    with ctx.app.uow() as uow:
        rules = uow.purchase_requests.rules(ctx.company_id, active_only=True)
        member = uow.companies.get_member(ctx.buyer_id)
    reasons += [r.name for r in rules if r.kind is RuleKind.AMOUNT_OVER and r.threshold
                and r.threshold.currency.code == currency and amount > r.threshold]  # fmt: skip
    if member is not None and member.order_limit is not None and amount > member.order_limit:
        reasons.append("order_limit")
    status = "blocked" if blocked else "needs_approval" if reasons else "within_budget"
    return {"status": status, "amount": money(amount),
            "remaining": money(remaining) if remaining is not None else None,
            "reasons": reasons}  # fmt: skip


def order_status(ctx: ToolContext, args: OrderStatusArgs) -> dict[str, Any]:
    with ctx.app.engine.connect() as conn:
        drafts = procurement.drafts_of(conn, ctx.conversation_id, buyer_id=ctx.buyer_id)
    ref = args.reference
    chosen = next((d for d in reversed(drafts) if ref in (d["id"], d["purchase_request_id"])),
                  None) if ref else (drafts[-1] if drafts else None)  # fmt: skip
    if chosen is None:
        return {"found": False, "reference": ref}
    with ctx.app.uow() as uow:
        draft = uow.procurement.get_draft(chosen["id"])
    content = (draft.content if draft else None) or {}
    result: dict[str, Any] = {"found": True, "updated_at": chosen["updated_at"]}
    if chosen["purchase_request_id"]:
        result |= {"reference": chosen["purchase_request_id"], "kind": "purchase_request",
                   "status": chosen["request_status"] or chosen["status"]}  # fmt: skip
    else:
        result |= {"reference": chosen["id"], "kind": "draft", "status": "draft"}
    if content:
        result["total"] = {"amount": content["total"], "currency": content["currency"]}
    return result


# -- shared -------------------------------------------------------------------------------
def priced_offers(
    ctx: ToolContext, offer_ids: Sequence[str], quantity: int, *, country: str | None,
    region: str | None,
) -> dict[str, OfferHit]:  # fmt: skip
    """The offers priced at ``quantity`` (with the company's contract prices), landed at
    the place; an offer whose MOQ is above the quantity is priced at its MOQ."""
    with ctx.app.uow() as uow:
        refs = uow.procurement.offer_refs(offer_ids)
    suppliers = sorted({r.merchant_id for r in refs.values()})
    if not suppliers:
        return {}
    found: dict[str, OfferHit] = {}
    for q in (quantity, None):
        query = OfferQuery(quantity=q, country=country, region=region, supplier_ids=suppliers,
                           limit=100, locale=ctx.locale)  # fmt: skip
        for hit in _hits(ctx, query):
            if hit.offer_id in refs and hit.offer_id not in found:
                found[hit.offer_id] = hit
    return found


def meets(today: date, lead: int | None, deadline: date | None) -> bool | None:
    if deadline is None or lead is None:
        return None
    return today + timedelta(days=lead) <= deadline


def _summary(h: OfferHit, buys_in: str) -> dict[str, Any]:
    return {
        "offer_id": h.offer_id, "supplier_id": h.merchant_id, "supplier_name": h.supplier_name,
        "title": h.title, "moq": h.moq, "quantity": h.quantity, "unit_price": money(h.unit_price),
        "landed_unit_price": money(h.landed_unit_price), "landed_total": money(h.landed_total),
        "lead_time_days": h.lead_time_days, "is_verified": h.is_verified,
        "rating": decimal_text(h.rating), "on_time_rate": decimal_text(h.on_time_rate),
        "fulfilled_orders": h.fulfilled_orders,
        "orderable": h.unit_price.currency.code == buys_in,
    }  # fmt: skip


def _hits(ctx: ToolContext, query: OfferQuery) -> list[OfferHit]:
    with ctx.app.engine.connect() as conn:
        return search_offers(conn, query, company_id=ctx.company_id, on=ctx.today).items


def _with_text(query: OfferQuery, text: str) -> OfferQuery:
    return replace(query, text=text)


def _scores(hits: Iterable[OfferHit]) -> dict[str, Decimal]:
    hits = list(hits)
    if not hits:
        return {}
    lowest = min(h.landed_unit_price.amount for h in hits)
    leads = [h.lead_time_days for h in hits if h.lead_time_days is not None]
    shortest = min(leads) if leads else None
    return {h.offer_id: best_value_score(h.landed_unit_price.amount, h.lead_time_days, h.rating,
                                         lowest_price=lowest, shortest_lead=shortest)
            for h in hits}  # fmt: skip


def _place(ctx: ToolContext, country: str | None, region: str | None) -> tuple[str, str | None]:
    """The delivery place asked for, else the company's first location's."""
    if country:
        return country, region
    address = ctx.location(region).address
    return address.country, address.region


def _days_left(ctx: ToolContext, deadline: date | None) -> int | None:
    return None if deadline is None else max((deadline - ctx.today).days, 0)


def _latest_location(ctx: ToolContext) -> str | None:
    """The location of the conversation's newest draft (what the budget is checked for)."""
    with ctx.app.engine.connect() as conn:
        drafts = procurement.drafts_of(conn, ctx.conversation_id, buyer_id=ctx.buyer_id)
    if not drafts:
        return None
    with ctx.app.uow() as uow:
        draft = uow.procurement.get_draft(drafts[-1]["id"])
    return draft.location_id if draft else None
