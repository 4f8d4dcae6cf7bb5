"""The storefront: home, categories, search, product pages, cart, checkout, orders."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from marketplace.bootstrap import Marketplace
from marketplace.catalog import queries
from serving.web.frame import Page, render

router = APIRouter(include_in_schema=False, tags=["web"])


def _home_data(container: Marketplace, locale: str, category_id: str | None) -> dict[str, Any]:
    with queries.read_connection(container.engine) as conn:
        tree = queries.category_tree(conn, locale=locale)
        page = queries.list_products(
            conn,
            queries.ProductListQuery(category_id=category_id, limit=24, locale=locale),
            public=True,
        )
    return {"tree": tree, "products": page.items}


@router.get("/", response_class=HTMLResponse)
async def home(
    ctx: Page, category: Annotated[str | None, Query(max_length=64)] = None
) -> HTMLResponse:
    data = await run_in_threadpool(_home_data, ctx.container, ctx.locale, category)
    return render(ctx, "store/home.html", {"category": category, **data})
