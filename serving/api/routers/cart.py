"""The cart: buyers by bearer token, guests by ``X-Cart-Token``; every answer is the cart
priced live (``CartRead``).

- A guest's first change (adding a line, choosing a currency) creates the guest cart and
  returns its token once, in the body (``guest_token``) and the ``X-Cart-Token`` header.
- A request with both a bearer token and ``X-Cart-Token`` first merges the guest cart into
  the buyer's (on its own, committed before the request's own change, so a refused
  change still leaves the carts merged); ``POST /cart/merge`` does only that.
- API keys act for merchants, not buyers: 403 ``api_key_not_allowed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Response

from marketplace.cart import queries, services
from marketplace.cart.domain import CartOwner, MergeResult
from serving.api.deps import App
from serving.api.routers.catalog.common import AcceptLanguage, LocaleParam, requested_locale
from serving.api.schemas.cart import (
    CartCurrencyUpdate,
    CartLineCreate,
    CartLineUpdate,
    CartRead,
)
from serving.api.security import ApiKeyNotAllowedError, CurrentUser, OptionalUser, Principal

router = APIRouter(prefix="/cart", tags=["cart"])

CART_TOKEN_HEADER = "X-Cart-Token"
CartToken = Annotated[
    str | None,
    Header(
        alias=CART_TOKEN_HEADER,
        max_length=200,
        description="A guest cart's token, as returned when the guest cart was created",
    ),
]
SkuPath = Annotated[str, Path(max_length=64)]
_Responses = dict[int | str, dict[str, Any]]
_COMMON: _Responses = {
    401: {"description": "not_authenticated (a bad bearer token)"},
    403: {"description": "api_key_not_allowed"},
    404: {"description": "cart_not_found (unknown or merged X-Cart-Token)"},
}


@dataclass(frozen=True)
class _Caller:
    owner: CartOwner
    member_level: str | None
    merge: MergeResult | None = None


def _caller(container: App, principal: Principal | None, token: str | None) -> _Caller:
    """Whose cart this is; a buyer who also sends a guest token gets it merged first."""
    if principal is not None and principal.is_api_key:
        raise ApiKeyNotAllowedError("API keys act for merchants; carts belong to buyers.")
    if principal is None or principal.user_id is None:
        return _Caller(CartOwner.guest(token), None)
    merge = None
    if token:
        merge = services.merge_guest_cart(
            principal.user_id, token, uow=container.uow(),
            max_lines=container.settings.cart_max_lines,
        )  # fmt: skip
    return _Caller(CartOwner.buyer(principal.user_id), principal.member_level, merge)


def _answer(
    container: App,
    caller: _Caller,
    response: Response,
    *,
    locale: str | None,
    accept_language: str | None,
    change: services.CartChange | None = None,
) -> CartRead:
    """The cart as it is now, priced; a newly issued guest token goes in the header too."""
    owner, token = caller.owner, change.guest_token if change else None
    if token is not None:
        owner = CartOwner.guest(token)
        response.headers[CART_TOKEN_HEADER] = token
    settings = container.settings
    view = queries.view_cart(
        owner, uow=container.uow(), locale=requested_locale(locale, accept_language),
        member_level=caller.member_level, on=container.clock.now().date(),
        default_currency=settings.default_currency, pivot=settings.default_currency,
    )  # fmt: skip
    return CartRead.of(view, guest_token=token, merge=caller.merge)


@router.get("", summary="The cart, priced now (reading creates nothing)", responses=_COMMON)
def get_cart(
    container: App,
    principal: OptionalUser,
    response: Response,
    token: CartToken = None,
    locale: LocaleParam = None,
    accept_language: AcceptLanguage = None,
) -> CartRead:
    caller = _caller(container, principal, token)
    return _answer(container, caller, response, locale=locale, accept_language=accept_language)


@router.post(
    "/lines",
    summary="Add a SKU (to its line's quantity); a guest's first add creates the guest cart",
    responses=_COMMON | {
        409: {"description": "cart_quantity_limit / cart_line_limit"},
        422: {"description": "sku_not_available / invalid_quantity"},
    },
)  # fmt: skip
def add_line(
    body: CartLineCreate,
    container: App,
    principal: OptionalUser,
    response: Response,
    token: CartToken = None,
    locale: LocaleParam = None,
    accept_language: AcceptLanguage = None,
) -> CartRead:
    caller = _caller(container, principal, token)
    change = services.add_to_cart(
        services.AddToCart(caller.owner, body.sku_id, body.quantity),
        uow=container.uow(),
        max_lines=container.settings.cart_max_lines,
        currency=container.settings.default_currency,
    )
    return _answer(
        container, caller, response, locale=locale, accept_language=accept_language,
        change=change,
    )  # fmt: skip


@router.patch(
    "/lines/{sku_id}",
    summary="Set a line's quantity",
    responses=_COMMON | {404: {"description": "cart_line_not_found / cart_not_found"},
                         422: {"description": "invalid_quantity"}},
)  # fmt: skip
def update_line(
    sku_id: SkuPath,
    body: CartLineUpdate,
    container: App,
    principal: OptionalUser,
    response: Response,
    token: CartToken = None,
    locale: LocaleParam = None,
    accept_language: AcceptLanguage = None,
) -> CartRead:
    caller = _caller(container, principal, token)
    cmd = services.SetLineQuantity(caller.owner, sku_id, body.quantity)
    services.set_line_quantity(cmd, uow=container.uow())
    return _answer(container, caller, response, locale=locale, accept_language=accept_language)


@router.delete(
    "/lines/{sku_id}",
    summary="Remove a line",
    responses=_COMMON | {404: {"description": "cart_line_not_found / cart_not_found"}},
)
def remove_line(
    sku_id: SkuPath,
    container: App,
    principal: OptionalUser,
    response: Response,
    token: CartToken = None,
    locale: LocaleParam = None,
    accept_language: AcceptLanguage = None,
) -> CartRead:
    caller = _caller(container, principal, token)
    services.remove_line(services.RemoveLine(caller.owner, sku_id), uow=container.uow())
    return _answer(container, caller, response, locale=locale, accept_language=accept_language)


@router.delete("", summary="Remove every line (the cart itself stays)", responses=_COMMON)
def clear_cart(
    container: App,
    principal: OptionalUser,
    response: Response,
    token: CartToken = None,
    locale: LocaleParam = None,
    accept_language: AcceptLanguage = None,
) -> CartRead:
    caller = _caller(container, principal, token)
    services.clear_cart(caller.owner, uow=container.uow())
    return _answer(container, caller, response, locale=locale, accept_language=accept_language)


@router.put(
    "/currency",
    summary="The currency the cart is priced in (converted at the day's FX rate when needed)",
    responses=_COMMON | {422: {"description": "unsupported_currency"}},
)
def set_currency(
    body: CartCurrencyUpdate,
    container: App,
    principal: OptionalUser,
    response: Response,
    token: CartToken = None,
    locale: LocaleParam = None,
    accept_language: AcceptLanguage = None,
) -> CartRead:
    caller = _caller(container, principal, token)
    cmd = services.SetCartCurrency(caller.owner, body.currency)
    change = services.set_cart_currency(cmd, uow=container.uow())
    return _answer(
        container, caller, response, locale=locale, accept_language=accept_language,
        change=change,
    )  # fmt: skip


@router.post(
    "/merge",
    summary="Merge the guest cart in X-Cart-Token into the signed-in buyer's cart (once)",
    responses=_COMMON | {422: {"description": "cart_token_required"}},
)
def merge_cart(
    container: App,
    principal: CurrentUser,
    response: Response,
    token: CartToken = None,
    locale: LocaleParam = None,
    accept_language: AcceptLanguage = None,
) -> CartRead:
    user_id = principal.user_id
    assert user_id is not None  # CurrentUser is a user, never an API key
    result = services.merge_guest_cart(
        user_id, token, uow=container.uow(), max_lines=container.settings.cart_max_lines
    )
    caller = _Caller(CartOwner.buyer(user_id), principal.member_level, result)
    return _answer(container, caller, response, locale=locale, accept_language=accept_language)
