"""The storefront: home, categories, search and product pages; the cart, checkout and
payment (``store_cart``) and the buyer's orders and refunds (``store_orders``) are included.

Pages call the services the API routers call (catalog queries, the recommendation runtime,
cart, checkout, payments, refunds). Recommendation and search answers carry an attribution
id; product links echo it in their click event (``data-track``) and in ``?rec=``, so the
product page's view and add-to-cart events carry it too. Purchases are not sent from here:
the order path writes them when an order is paid (docs/data/behaviour-events.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from marketplace.bootstrap import Marketplace
from marketplace.catalog import queries
from marketplace.catalog.domain.errors import ProductNotFoundError
from marketplace.shared.money import Money
from serving.api.pagination import decode_cursor, encode_cursor
from serving.recs.service import RecsQuery
from serving.web import store_cart, store_orders
from serving.web.frame import Page, PageContext, render
from serving.web.store_common import (
    _ID_RE,
    IdPath,
    _attribution,
    _member_level,
    _recs,
    _shelf,
    _user_id,
)

router = APIRouter(include_in_schema=False, tags=["web"])
for _section in (store_cart, store_orders):
    router.include_router(_section.router)

PAGE_SIZE = 24
SORTS = ("newest", "popularity", "price_asc", "price_desc")


def _categories(container: Marketplace, locale: str) -> list[dict[str, Any]]:
    with queries.read_connection(container.engine) as conn:
        return queries.category_tree(conn, locale=locale)


# -- home, categories, search -----------------------------------------------------------
def _home_data(ctx: PageContext, sid: str | None) -> dict[str, Any]:
    container, recs, user_id = ctx.container, _recs(ctx), _user_id(ctx)
    q = RecsQuery(k=12, page="home", max_per_merchant=4)
    if user_id is not None:
        for_you = recs.for_user(user_id, q)
    elif sid and _ID_RE.fullmatch(sid) and len(sid) >= 8:
        for_you = recs.for_session(sid, q)
    else:
        for_you = None
    trending = recs.trending(RecsQuery(k=12, page="home"), user_id=user_id)
    with queries.read_connection(container.engine) as conn:
        newest = queries.list_products(
            conn, queries.ProductListQuery(limit=12, locale=ctx.locale), public=True
        ).items
    return {"tree": _categories(container, ctx.locale), "newest": newest,
            "for_you": _shelf(ctx, for_you) if for_you else None,
            "trending": _shelf(ctx, trending)}  # fmt: skip


@router.get("/", response_class=HTMLResponse)
async def home(ctx: Page) -> HTMLResponse:
    sid = ctx.request.cookies.get("agora_sid")
    data = await run_in_threadpool(_home_data, ctx, sid)
    return render(ctx, "store/home.html", data)


def _category_data(
    container: Marketplace, locale: str, category_id: str, sort: str, cursor: str | None
) -> dict[str, Any]:
    with queries.read_connection(container.engine) as conn:
        category = queries.category_detail(conn, category_id, locale=locale)
        page = queries.list_products(conn, queries.ProductListQuery(
            category_id=category_id, sort=sort, after=decode_cursor(cursor), limit=PAGE_SIZE,
            locale=locale), public=True)  # fmt: skip
    return {"category": category, "products": page.items,
            "next_cursor": encode_cursor(page.next_key),
            "tree": _categories(container, locale)}  # fmt: skip


@router.get("/c/{category_id}", response_class=HTMLResponse)
async def category_page(
    ctx: Page,
    category_id: IdPath,
    sort: Annotated[str, Query(pattern="^(newest|popularity|price_asc|price_desc)$")] = "newest",
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
) -> HTMLResponse:
    data = await run_in_threadpool(_category_data, ctx.container, ctx.locale, category_id, sort,
                                   cursor)  # fmt: skip
    return render(ctx, "store/category.html", {**data, "sort": sort, "sorts": SORTS,
                                               "cursor": cursor})  # fmt: skip


@router.get("/search", response_class=HTMLResponse)
async def search_page(ctx: Page, q: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    text = " ".join(q.split())
    found = None
    if text:

        def find() -> dict[str, Any]:
            query = RecsQuery(k=40, page="search")
            return _shelf(ctx, _recs(ctx).search(text, query, user_id=_user_id(ctx)))

        found = await run_in_threadpool(find)
    return render(ctx, "store/search.html", {"q": text, "found": found})


# -- the product page ----------------------------------------------------------------------
@dataclass(frozen=True)
class SkuOption:
    id: str
    label: str
    price: Money | None  # for this buyer, quantity 1
    list_price: Money | None
    tiers: list[dict[str, Any]]
    available: int


def _product_data(ctx: PageContext, product_id: str, level: str | None) -> dict[str, Any]:
    container = ctx.container
    with queries.read_connection(container.engine) as conn:
        product = queries.product_detail(conn, product_id, locale=ctx.locale)
    if product["status"] != "listed":
        raise ProductNotFoundError(product_id)
    currency = (product["price"] or {}).get("currency") or container.settings.default_currency
    ids = [s["id"] for s in product["skus"]]
    with container.uow() as uow:
        stock = {k: s.available for k, s in uow.sku_snapshots.snapshots(ids, locale=None).items()}
    options = []
    for sku in product["skus"]:
        prices = next((p for p in sku["prices"] if p["currency"] == currency), None)
        quote = None
        if prices is not None:
            with queries.read_connection(container.engine) as conn:
                quote = queries.sku_price_quote(conn, sku["id"], currency=currency, quantity=1,
                                                member_level=level)  # fmt: skip
        options.append(SkuOption(
            id=sku["id"],
            label=" / ".join(f"{v}" for v in sku["sales_attributes"].values()) or sku["sku_code"],
            price=Money.of(quote["unit_price"]["amount"], currency) if quote else None,
            list_price=Money.of(quote["list_price"]["amount"], currency) if quote else None,
            tiers=prices["tiers"] if prices else [], available=stock.get(sku["id"], 0),
        ))  # fmt: skip
    recs, user_id = _recs(ctx), _user_id(ctx)
    q = RecsQuery(k=6, page="product")
    similar = _shelf(ctx, recs.similar(product_id, q, user_id=user_id))
    together = _shelf(ctx, recs.bought_together(product_id, q, user_id=user_id))
    return {"product": product, "options": options, "similar": similar, "together": together}


@router.get("/p/{product_id}", response_class=HTMLResponse)
async def product_page(
    ctx: Page, product_id: IdPath, rec: Annotated[str | None, Query(max_length=64)] = None
) -> HTMLResponse:
    level = await _member_level(ctx)
    data = await run_in_threadpool(_product_data, ctx, product_id, level)
    options = data["options"]
    chosen = next((o for o in options if o.available > 0 and o.price), None)
    chosen = chosen or (options[0] if options else None)
    return render(ctx, "store/product.html", {**data, "rec": _attribution(rec), "chosen": chosen})
