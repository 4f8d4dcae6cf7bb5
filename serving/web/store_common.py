"""What the storefront's pages share: path ids, the reader's member level, and shelves of
product cards from the recommendation runtime (with their attribution id); the names of
merchants and the payment methods a buyer is offered."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Path

from marketplace.catalog import queries
from serving.api.schemas.recommendations import RecommendationsRead
from serving.api.security import resolve_principal
from serving.recs.service import Recommendations, RecsResult
from serving.web.frame import PageContext

_ID = r"^[A-Za-z0-9_-]{1,64}$"
_ID_RE = re.compile(_ID)
IdPath = Annotated[str, Path(max_length=64)]


def _recs(ctx: PageContext) -> Recommendations:
    return ctx.request.app.state.recs.get().service  # type: ignore[no-any-return]


def _shelf(ctx: PageContext, result: RecsResult) -> dict[str, Any]:
    """A recommendation or search answer as product cards, with its attribution id. Titles
    (in the reader's language) and prices come fresh from the catalogue, not from the
    recommender's copy, which may be minutes old; a product no longer on sale is left out."""
    read = RecommendationsRead.of(result)
    with queries.read_connection(ctx.container.engine) as conn:
        cards = queries.product_cards(conn, [i.product_id for i in read.items], locale=ctx.locale)
    items = [{"id": i.product_id, "title": cards[i.product_id]["title"] or i.title,
              "merchant_id": i.merchant_id, "price": cards[i.product_id]["price"]}
             for i in read.items if i.product_id in cards]  # fmt: skip
    return {"attribution_id": read.attribution_id, "model": read.model, "items": items}


def _user_id(ctx: PageContext) -> str | None:
    return ctx.viewer.user_id if ctx.viewer else None


async def _member_level(ctx: PageContext) -> str | None:
    """The signed-in buyer's member level (it prices SKUs), as the API reads it."""
    if ctx.viewer is None:
        return None
    principal = await resolve_principal(ctx.request, None, None)
    return principal.member_level if principal is not None else None


def _attribution(value: str | None) -> str | None:
    return value if value and _ID_RE.fullmatch(value) else None


def _methods(ctx: PageContext) -> list[str]:
    """Payment methods to offer; credit terms (账期) only to a company's buyers."""
    company = ctx.viewer is not None and ctx.viewer.company_id is not None
    return [m for m in sorted(ctx.container.gateways) if m != "credit_terms" or company]


def _merchant_names(uow: Any, ids: set[str]) -> dict[str, str]:
    names = {}
    for merchant_id in ids:
        merchant = uow.merchants.get(merchant_id)
        names[merchant_id] = merchant.name if merchant else merchant_id
    return names
