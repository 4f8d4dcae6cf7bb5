"""The storefront's cart, checkout and payment.

A guest's cart lives behind the ``agora_cart`` cookie (the API's ``X-Cart-Token``); it is
merged into the buyer's cart the first time a signed-in page reads the cart.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError as PydanticValidationError

from marketplace.cart import queries as cart_queries
from marketplace.cart import services as cart
from marketplace.cart.domain import CartNotFoundError, CartOwner
from marketplace.cart.queries import CartView
from marketplace.ordering.commands import PlaceCheckout
from marketplace.ordering.domain import Channel
from marketplace.ordering.domain.errors import CheckoutNotFoundError
from marketplace.ordering.services import place_checkout
from marketplace.payments.services import StartPayment, start_payment
from marketplace.shared.errors import DomainError
from serving.api.schemas.orders import AddressIn
from serving.recs.service import RecsQuery
from serving.web.frame import Page, PageContext, SignedIn, redirect, render
from serving.web.store_common import (
    _ID_RE,
    IdPath,
    _attribution,
    _member_level,
    _merchant_names,
    _methods,
    _recs,
    _shelf,
    _user_id,
)

router = APIRouter(include_in_schema=False, tags=["web"])

CART_COOKIE = "agora_cart"


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
