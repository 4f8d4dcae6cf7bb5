"""The storefront: home, categories, search, product pages, cart, checkout, orders.

Pages call the services the API routers call (catalog queries, the recommendation runtime,
cart, checkout, payments, refunds). Recommendation and search answers carry an attribution
id; product links echo it in their click event (``data-track``) and in ``?rec=``, so the
product page's view and add-to-cart events carry it too. Purchases are not sent from here:
the order path writes them when an order is paid (docs/data/behaviour-events.md).

A guest's cart lives behind the ``agora_cart`` cookie (the API's ``X-Cart-Token``); it is
merged into the buyer's cart the first time a signed-in page reads the cart.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError as PydanticValidationError

from marketplace.bootstrap import Marketplace
from marketplace.cart import queries as cart_queries
from marketplace.cart import services as cart
from marketplace.cart.domain import CartNotFoundError, CartOwner
from marketplace.cart.queries import CartView
from marketplace.catalog import queries
from marketplace.catalog.domain.errors import ProductNotFoundError
from marketplace.ordering import queries as order_queries
from marketplace.ordering.commands import PlaceCheckout
from marketplace.ordering.domain import Channel, Order
from marketplace.ordering.domain.errors import CheckoutNotFoundError, OrderNotFoundError
from marketplace.ordering.services import place_checkout
from marketplace.payments.services import RequestRefund, StartPayment, request_refund, start_payment
from marketplace.shared.errors import DomainError
from marketplace.shared.money import Money
from serving.api.pagination import decode_cursor, encode_cursor
from serving.api.schemas.orders import AddressIn
from serving.api.schemas.recommendations import RecommendationsRead
from serving.api.security import resolve_principal
from serving.recs.service import Recommendations, RecsQuery, RecsResult
from serving.web.frame import Page, PageContext, SignedIn, redirect, render

router = APIRouter(include_in_schema=False, tags=["web"])

CART_COOKIE = "agora_cart"
PAGE_SIZE = 24
_ID = r"^[A-Za-z0-9_-]{1,64}$"
_ID_RE = re.compile(_ID)
IdPath = Annotated[str, Path(max_length=64)]
SORTS = ("newest", "popularity", "price_asc", "price_desc")


# -- shared -------------------------------------------------------------------------------
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


# -- the cart ------------------------------------------------------------------------------
def _owner(ctx: PageContext) -> tuple[CartOwner, bool]:
    """Whose cart; a signed-in buyer's guest cart is merged first (True: drop the cookie)."""
    token = ctx.request.cookies.get(CART_COOKIE)
    if ctx.viewer is None:
        return CartOwner.guest(token), False
    if token:
        with contextlib.suppress(CartNotFoundError):  # merged already, or gone
            cart.merge_guest_cart(ctx.viewer.user_id, token, uow=ctx.container.uow(),
                                  max_lines=ctx.container.settings.cart_max_lines)  # fmt: skip
    return CartOwner.buyer(ctx.viewer.user_id), bool(token)


def _view(ctx: PageContext, owner: CartOwner, level: str | None) -> CartView:
    s = ctx.container.settings
    try:
        return cart_queries.view_cart(
            owner, uow=ctx.container.uow(), locale=ctx.locale, member_level=level,
            on=ctx.container.clock.now().date(), default_currency=s.default_currency,
            pivot=s.default_currency,
        )  # fmt: skip
    except CartNotFoundError:  # a stale guest cookie: an empty cart
        return _view(ctx, CartOwner.guest(None), level)


def _cart_data(ctx: PageContext, level: str | None) -> tuple[dict[str, Any], bool]:
    owner, merged = _owner(ctx)
    view = _view(ctx, owner, level)
    complements = None
    if view.priced:
        products = list(dict.fromkeys(line.snapshot.product_id for line in view.priced))
        complements = _shelf(ctx, _recs(ctx).cart_complements(
            products, RecsQuery(k=6, page="cart"), user_id=_user_id(ctx)))  # fmt: skip
    return {"view": view, "complements": complements}, merged


def _with_cookie(response: Response, ctx: PageContext, *, token: str | None, drop: bool) -> None:
    if token is not None:
        secure = ctx.container.settings.env == "production"
        response.set_cookie(CART_COOKIE, token, max_age=30 * 24 * 3600, httponly=True,
                            samesite="lax", secure=secure, path="/")  # fmt: skip
    elif drop:
        response.delete_cookie(CART_COOKIE, path="/")


@router.get("/cart", response_class=HTMLResponse)
async def cart_page(ctx: Page) -> HTMLResponse:
    level = await _member_level(ctx)
    data, merged = await run_in_threadpool(_cart_data, ctx, level)
    response = render(ctx, "store/cart.html", data)
    _with_cookie(response, ctx, token=None, drop=merged)
    return response


def _quantity(raw: str) -> int | None:
    raw = raw.strip()
    if not raw.isdigit() or not 1 <= int(raw) <= 9999:
        return None
    return int(raw)


def _add(ctx: PageContext, sku_id: str, quantity: int, level: str | None) -> dict[str, Any]:
    owner, merged = _owner(ctx)
    s = ctx.container.settings
    change = cart.add_to_cart(cart.AddToCart(owner, sku_id, quantity), uow=ctx.container.uow(),
                              max_lines=s.cart_max_lines, currency=s.default_currency)  # fmt: skip
    if change.guest_token is not None:
        owner = CartOwner.guest(change.guest_token)
    view = _view(ctx, owner, level)
    return {"view": view, "line": next((p for p in view.priced if p.sku_id == sku_id), None),
            "token": change.guest_token, "merged": merged}  # fmt: skip


@router.post("/cart/add", response_class=HTMLResponse)
async def add_to_cart(
    ctx: Page,
    sku_id: Annotated[str, Form(max_length=64)],
    quantity: Annotated[str, Form(max_length=10)] = "1",
    attribution_id: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    count = _quantity(quantity)
    if count is None:
        return render(ctx, "store/_added.html", {"error": ctx.t("store.cart.bad_quantity")},
                      status_code=422)  # fmt: skip
    level = await _member_level(ctx)
    try:
        data = await run_in_threadpool(_add, ctx, sku_id, count, level)
    except DomainError as exc:
        return render(ctx, "store/_added.html", {"error": _cart_error(ctx, exc)},
                      status_code=422 if exc.code != "cart_quantity_limit" else 409)  # fmt: skip
    response = render(ctx, "store/_added.html", {**data, "quantity": count,
                                                 "rec": _attribution(attribution_id)})  # fmt: skip
    _with_cookie(response, ctx, token=data["token"], drop=data["merged"])
    return response


def _cart_error(ctx: PageContext, exc: DomainError) -> str:
    known = {"sku_not_available", "invalid_quantity", "cart_quantity_limit", "cart_line_limit",
             "cart_line_not_found", "cart_not_found"}  # fmt: skip
    return ctx.t(f"store.cart.error.{exc.code}") if exc.code in known else exc.message


def _change_line(ctx: PageContext, sku_id: str, quantity: int | None) -> None:
    owner, _ = _owner(ctx)
    uow = ctx.container.uow()
    if quantity is None:
        cart.remove_line(cart.RemoveLine(owner, sku_id), uow=uow)
    else:
        cart.set_line_quantity(cart.SetLineQuantity(owner, sku_id, quantity), uow=uow)


async def _cart_fragment(
    ctx: PageContext, *, error: str | None = None, removed: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    level = await _member_level(ctx)
    data, _ = await run_in_threadpool(_cart_data, ctx, level)
    return render(ctx, "store/_cart.html", {**data, "error": error, "removed": removed},
                  status_code=status_code)  # fmt: skip


@router.post("/cart/lines/{sku_id}", response_class=HTMLResponse)
async def set_quantity(
    ctx: Page, sku_id: IdPath, quantity: Annotated[str, Form(max_length=10)]
) -> HTMLResponse:
    count = _quantity(quantity)
    if count is None:
        return await _cart_fragment(ctx, error=ctx.t("store.cart.bad_quantity"), status_code=422)
    try:
        await run_in_threadpool(_change_line, ctx, sku_id, count)
    except DomainError as exc:
        return await _cart_fragment(ctx, error=_cart_error(ctx, exc), status_code=422)
    return await _cart_fragment(ctx)


@router.post("/cart/lines/{sku_id}/remove", response_class=HTMLResponse)
async def remove_line(
    ctx: Page,
    sku_id: IdPath,
    product_id: Annotated[str, Form(max_length=64)] = "",
    merchant_id: Annotated[str, Form(max_length=64)] = "",
    quantity: Annotated[str, Form(max_length=10)] = "1",
) -> HTMLResponse:
    try:
        await run_in_threadpool(_change_line, ctx, sku_id, None)
    except DomainError as exc:
        return await _cart_fragment(ctx, error=_cart_error(ctx, exc), status_code=404)
    removed = {"type": "remove_from_cart", "sku_id": sku_id,
               "quantity": _quantity(quantity) or 1}  # fmt: skip
    for key, value in (("product_id", product_id), ("merchant_id", merchant_id)):
        if _ID_RE.fullmatch(value):
            removed[key] = value
    return await _cart_fragment(ctx, removed=removed)


# -- checkout and payment ------------------------------------------------------------------
ADDRESS_FIELDS = ("name", "phone", "country", "region", "city", "line1", "line2", "postal_code")


async def _checkout_form(
    ctx: PageContext, *, address: dict[str, str] | None = None, error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    level = await _member_level(ctx)
    data, merged = await run_in_threadpool(_cart_data, ctx, level)
    view: CartView = data["view"]
    response = render(ctx, "store/checkout.html", {
        "view": view, "address": address or {"country": "CN"}, "error": error,
        "options": ctx.container.charges.shipping.options(), "key": uuid.uuid4().hex,
    }, status_code=status_code)  # fmt: skip
    _with_cookie(response, ctx, token=None, drop=merged)
    return response


@router.get("/checkout", response_class=HTMLResponse)
async def checkout_page(ctx: SignedIn) -> HTMLResponse:
    return await _checkout_form(ctx)


def _place(ctx: PageContext, address: AddressIn, option: str, key: str, level: str | None) -> str:
    """Place the cart's checkout at the prices of now; the buyer sees the split, shipping
    included, before paying (unpaid orders close at their deadline)."""
    assert ctx.viewer is not None
    cmd = PlaceCheckout(
        buyer_id=ctx.viewer.user_id, address=address.to_domain(), delivery_option=option,
        channel=Channel.WEB, member_level=level, locale=ctx.locale, idempotency_key=key,
    )  # fmt: skip
    return place_checkout(cmd, uow=ctx.container.uow(), charges=ctx.container.charges).id


@router.post("/checkout", response_class=HTMLResponse)
async def place_order(
    ctx: SignedIn,
    key: Annotated[str, Form(min_length=8, max_length=64)],
    delivery_option: Annotated[str, Form(max_length=30)] = "standard",
    name: Annotated[str, Form(max_length=100)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    country: Annotated[str, Form(max_length=2)] = "",
    region: Annotated[str, Form(max_length=100)] = "",
    city: Annotated[str, Form(max_length=100)] = "",
    line1: Annotated[str, Form(max_length=300)] = "",
    line2: Annotated[str, Form(max_length=300)] = "",
    postal_code: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    values = {"name": name, "phone": phone, "country": country.upper(), "region": region,
              "city": city, "line1": line1, "line2": line2, "postal_code": postal_code}  # fmt: skip
    try:
        address = AddressIn(**{k: v.strip() or None if k in ("line2", "postal_code")
                               else v.strip() for k, v in values.items()})  # fmt: skip
    except PydanticValidationError:
        return await _checkout_form(ctx, address=values, status_code=422,
                                    error=ctx.t("store.checkout.bad_address"))  # fmt: skip
    level = await _member_level(ctx)
    try:
        group_id = await run_in_threadpool(_place, ctx, address, delivery_option, key, level)
    except DomainError as exc:
        known = {"cart_empty", "price_changed", "checkout_lines_unavailable", "cart_changed",
                 "insufficient_stock", "invalid_delivery_option"}  # fmt: skip
        text = ctx.t(f"store.checkout.error.{exc.code}") if exc.code in known else exc.message
        status = 422 if exc.code == "cart_empty" else 409
        return await _checkout_form(ctx, address=values, error=text, status_code=status)
    return redirect(f"/checkout/{group_id}", ctx.request)


def _group_data(ctx: PageContext, group_id: str) -> dict[str, Any]:
    with ctx.container.uow() as uow:
        group = uow.orders.get_group(group_id)
        if group is None or ctx.viewer is None or group.buyer_id != ctx.viewer.user_id:
            raise CheckoutNotFoundError("No such checkout.", group_id=group_id)
        names = _merchant_names(uow, {o.merchant_id for o in group.orders})
    return {"group": group, "names": names,
            "methods": _methods(ctx), "now": ctx.container.clock.now()}  # fmt: skip


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


@router.get("/checkout/{group_id}", response_class=HTMLResponse)
async def checkout_group(ctx: SignedIn, group_id: IdPath) -> HTMLResponse:
    data = await run_in_threadpool(_group_data, ctx, group_id)
    return render(ctx, "store/placed.html", data)


def _pay(ctx: PageContext, method: str, *, group_id: str | None = None,
         order_ids: tuple[str, ...] = (), back: str) -> str:  # fmt: skip
    assert ctx.viewer is not None
    return_url = str(ctx.request.base_url).rstrip("/") + back
    cmd = StartPayment(buyer_id=ctx.viewer.user_id, method=method, group_id=group_id,
                       order_ids=order_ids, return_url=return_url)  # fmt: skip
    container = ctx.container
    _, action = start_payment(cmd, uow=container.uow(), gateways=container.gateways,
                              notify_url=container.notify_url)  # fmt: skip
    if action.url is None:  # paid at once (wallet, credit terms)
        return back
    if method == "sandbox":
        # The sandbox cashier is this app's own page (serving/web/sandbox.py): stay on the
        # host the buyer is on, whatever base URL the gateway was configured with.
        return "/sandbox/" + action.url.split("/sandbox/", 1)[1]
    return action.url


@router.post("/checkout/{group_id}/pay")
async def pay_group(
    ctx: SignedIn, group_id: IdPath, method: Annotated[str, Form(max_length=20)] = "sandbox"
) -> Response:
    await run_in_threadpool(_group_data, ctx, group_id)  # the buyer's own, else 404
    url = await run_in_threadpool(lambda: _pay(ctx, method, group_id=group_id,
                                               back=f"/orders?group={group_id}"))  # fmt: skip
    return redirect(url, ctx.request)


# -- orders ----------------------------------------------------------------------------------
def _orders_data(ctx: PageContext, cursor: str | None, group: str | None) -> dict[str, Any]:
    assert ctx.viewer is not None
    with ctx.container.engine.connect() as conn:
        items, key = order_queries.list_orders(conn, buyer_id=ctx.viewer.user_id,
                                               after=decode_cursor(cursor), limit=20)  # fmt: skip
    with ctx.container.uow() as uow:
        names = _merchant_names(uow, {o["merchant_id"] for o in items})
    return {"orders": items, "names": names, "next_cursor": encode_cursor(key),
            "group": group if group and _ID_RE.fullmatch(group) else None}  # fmt: skip


@router.get("/orders", response_class=HTMLResponse)
async def orders_page(
    ctx: SignedIn,
    cursor: Annotated[str | None, Query(max_length=2048)] = None,
    group: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    data = await run_in_threadpool(_orders_data, ctx, cursor, group)
    return render(ctx, "store/orders.html", {**data, "cursor": cursor})


def _tracking(history: list[Any]) -> str | None:
    shipped = [h for h in history if str(h.to_status) == "shipped"]
    return shipped[-1].reason or None if shipped else None


def _order_data(ctx: PageContext, order_id: str) -> dict[str, Any]:
    with ctx.container.uow() as uow:
        order: Order | None = uow.orders.get(order_id)
        if order is None or ctx.viewer is None or order.buyer_id != ctx.viewer.user_id:
            raise OrderNotFoundError("No such order.", order_id=order_id)
        history = uow.orders.history(order_id)
        refunds = uow.refunds.of_order(order_id)
        siblings = [o for o in uow.orders.of_group(order.group_id) if o.id != order_id]
        names = _merchant_names(uow, {order.merchant_id} | {o.merchant_id for o in siblings})
    now = ctx.container.clock.now()
    return {"order": order, "history": history, "refunds": refunds, "siblings": siblings,
            "names": names, "tracking": _tracking(history), "methods": _methods(ctx),
            "payable": str(order.status) == "pending_payment" and order.expires_at > now,
            "refundable": str(order.status) in REFUNDABLE
            and order.refunded < order.total}  # fmt: skip


REFUNDABLE = ("paid", "fulfilling", "shipped", "delivered", "completed")


@router.get("/orders/{order_id}", response_class=HTMLResponse)
async def order_page(ctx: SignedIn, order_id: IdPath) -> HTMLResponse:
    data = await run_in_threadpool(_order_data, ctx, order_id)
    return render(ctx, "store/order.html", data)


@router.post("/orders/{order_id}/pay")
async def pay_order(
    ctx: SignedIn, order_id: IdPath, method: Annotated[str, Form(max_length=20)] = "sandbox"
) -> Response:
    await run_in_threadpool(_order_data, ctx, order_id)  # the buyer's own, else 404
    url = await run_in_threadpool(lambda: _pay(ctx, method, order_ids=(order_id,),
                                               back=f"/orders/{order_id}"))  # fmt: skip
    return redirect(url, ctx.request)


@router.post("/orders/{order_id}/refunds", response_class=HTMLResponse)
async def ask_refund(
    ctx: SignedIn, order_id: IdPath, reason: Annotated[str, Form(max_length=300)] = ""
) -> HTMLResponse:
    error = None
    if not reason.strip():
        error = ctx.t("store.refund.reason_required")
    else:
        assert ctx.viewer is not None
        cmd = RequestRefund(order_id=order_id, reason=reason.strip(), buyer_id=ctx.viewer.user_id)
        try:
            await run_in_threadpool(lambda: request_refund(cmd, uow=ctx.container.uow()))
        except OrderNotFoundError:
            raise
        except DomainError as exc:
            error = exc.message
    data = await run_in_threadpool(_order_data, ctx, order_id)
    return render(ctx, "store/_refunds.html", {**data, "error": error},
                  status_code=422 if error else 200)  # fmt: skip
