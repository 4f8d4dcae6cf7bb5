"""Cart use cases. Each opens the unit of work, locks the cart's row (``touch``, which also
bumps its version) before changing lines, changes them with single conditional
statements, and commits; a refusal leaves the transaction uncommitted, so it changes
nothing. Merging follows the rule in ``marketplace.cart.domain``."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from marketplace.cart.domain import (
    DEFAULT_MAX_LINES,
    GUEST_TOKEN_PREFIX,
    MAX_QUANTITY,
    Cart,
    CartLineLimitError,
    CartLineNotFoundError,
    CartNotFoundError,
    CartOwner,
    CartQuantityLimitError,
    CartStatus,
    CartTokenRequiredError,
    MergeResult,
    SkuNotAvailableError,
    hash_cart_token,
    looks_like_cart_token,
    plan_merge,
    require_quantity,
)
from marketplace.cart.ports import CartUnitOfWork
from marketplace.fx.services import DEFAULT_PIVOT
from marketplace.shared.currency import get_currency
from marketplace.shared.ids import new_id


@dataclass(frozen=True)
class AddToCart:
    owner: CartOwner
    sku_id: str
    quantity: int


@dataclass(frozen=True)
class SetLineQuantity:
    owner: CartOwner
    sku_id: str
    quantity: int


@dataclass(frozen=True)
class RemoveLine:
    owner: CartOwner
    sku_id: str


@dataclass(frozen=True)
class SetCartCurrency:
    owner: CartOwner
    currency: str


@dataclass(frozen=True)
class CartChange:
    """Which cart changed; ``guest_token`` only when this call created a guest cart (the
    one time the token is ever shown)."""

    cart_id: str | None
    guest_token: str | None = None


def new_guest_token() -> str:
    """An opaque, unguessable guest token (256 random bits)."""
    return GUEST_TOKEN_PREFIX + secrets.token_urlsafe(32)


def find_cart(owner: CartOwner, *, uow: CartUnitOfWork) -> Cart | None:
    """The owner's active cart (inside the caller's transaction); a guest token that opens
    no active cart is ``cart_not_found``."""
    if owner.user_id is not None:
        return uow.carts.active_for_buyer(owner.user_id)
    if owner.guest_token is None:
        return None
    cart = (
        uow.carts.by_token_hash(hash_cart_token(owner.guest_token))
        if looks_like_cart_token(owner.guest_token)
        else None
    )
    if cart is None or not cart.is_active:
        raise CartNotFoundError("No cart for this cart token (it may have been merged).")
    return cart


def _open(uow: CartUnitOfWork, owner: CartOwner, *, currency: str) -> CartChange:
    """The owner's active cart, created if there is none, with its row locked."""
    now = uow.clock.now()
    token: str | None = None
    if owner.user_id is not None:
        cart_id = uow.carts.ensure_for_buyer(
            owner.user_id, cart_id=new_id("cart"), currency=currency, now=now
        )
    elif owner.guest_token is not None:
        cart = find_cart(owner, uow=uow)
        assert cart is not None
        cart_id = cart.id
    else:
        token, cart_id = new_guest_token(), new_id("cart")
        guest = Cart(cart_id, None, CartStatus.ACTIVE, currency, 1, now, now)
        uow.carts.create_guest(guest, token_hash=hash_cart_token(token))
    _lock(uow, cart_id)
    return CartChange(cart_id, token)


def _existing(uow: CartUnitOfWork, owner: CartOwner) -> str | None:
    """The owner's active cart with its row locked, or None (nothing is created)."""
    cart = find_cart(owner, uow=uow)
    if cart is None:
        return None
    _lock(uow, cart.id)
    return cart.id


def _lock(uow: CartUnitOfWork, cart_id: str) -> None:
    if uow.carts.touch(cart_id, now=uow.clock.now()) is None:
        # Merged (or replaced) between the lookup and the lock.
        raise CartNotFoundError("The cart is no longer active.")


def add_to_cart(
    cmd: AddToCart,
    *,
    uow: CartUnitOfWork,
    max_lines: int = DEFAULT_MAX_LINES,
    currency: str = DEFAULT_PIVOT,
) -> CartChange:
    """Add a sellable SKU (to its line's quantity); ``currency`` is a new cart's currency.

    Availability is not checked here: a line beyond the stock is accepted and flagged in
    the view, since stock is live and may come back before checkout."""
    quantity = require_quantity(cmd.quantity)
    with uow:
        snapshot = uow.sku_snapshots.snapshots([cmd.sku_id], locale=None).get(cmd.sku_id)
        if snapshot is None or not snapshot.is_sellable:
            raise SkuNotAvailableError(cmd.sku_id)
        change = _open(uow, cmd.owner, currency=currency)
        cart_id = change.cart_id
        assert cart_id is not None
        held = uow.carts.line_quantity(cart_id, cmd.sku_id)
        # The row lock makes this count exact: every writer of this cart holds it first.
        if held is None and uow.carts.line_count(cart_id) >= max_lines:
            raise CartLineLimitError(max_lines)
        now = uow.clock.now()
        after = uow.carts.add_quantity(
            cart_id, cmd.sku_id, quantity, max_quantity=MAX_QUANTITY, now=now
        )
        if after is None:
            raise CartQuantityLimitError(cmd.sku_id, held or 0, quantity)
        uow.commit()
    return change


def set_line_quantity(cmd: SetLineQuantity, *, uow: CartUnitOfWork) -> CartChange:
    """Set a line's quantity (1..999); use ``remove_line`` to take it out."""
    quantity = require_quantity(cmd.quantity)
    with uow:
        cart_id = _existing(uow, cmd.owner)
        now = uow.clock.now()
        if cart_id is None or not uow.carts.set_quantity(cart_id, cmd.sku_id, quantity, now=now):
            raise CartLineNotFoundError(cmd.sku_id)
        uow.commit()
    return CartChange(cart_id)


def remove_line(cmd: RemoveLine, *, uow: CartUnitOfWork) -> CartChange:
    with uow:
        cart_id = _existing(uow, cmd.owner)
        if cart_id is None or uow.carts.remove_lines(cart_id, [cmd.sku_id]) == 0:
            raise CartLineNotFoundError(cmd.sku_id)
        uow.commit()
    return CartChange(cart_id)


def clear_cart(owner: CartOwner, *, uow: CartUnitOfWork) -> CartChange:
    """Remove every line; the cart stays (and a missing cart stays missing)."""
    with uow:
        cart_id = _existing(uow, owner)
        if cart_id is None:
            return CartChange(None)
        uow.carts.clear(cart_id)
        uow.commit()
    return CartChange(cart_id)


def set_cart_currency(cmd: SetCartCurrency, *, uow: CartUnitOfWork) -> CartChange:
    """The currency the cart is priced in; a buyer or guest without a cart gets one."""
    code = get_currency(cmd.currency).code
    with uow:
        change = _open(uow, cmd.owner, currency=code)
        assert change.cart_id is not None
        uow.carts.set_currency(change.cart_id, code)
        uow.commit()
    return change


def merge_guest_cart(
    user_id: str,
    guest_token: str | None,
    *,
    uow: CartUnitOfWork,
    max_lines: int = DEFAULT_MAX_LINES,
) -> MergeResult:
    """Move a guest cart's lines into the buyer's cart, once (rule in the domain module)."""
    if not guest_token:
        raise CartTokenRequiredError("Send the guest cart's token in X-Cart-Token.")
    with uow:
        guest = (
            uow.carts.by_token_hash(hash_cart_token(guest_token))
            if looks_like_cart_token(guest_token)
            else None
        )
        if guest is None:
            raise CartNotFoundError("No cart for this cart token.")
        # The guest row first (fixed lock order); only one caller flips it.
        if not guest.is_active or not uow.carts.mark_merged(guest.id, now=uow.clock.now()):
            return MergeResult(merged=False)
        locked = uow.carts.get(guest.id)  # its lines can no longer change
        result = _merge_into_buyer(uow, user_id, locked, max_lines=max_lines)
        uow.commit()
    return result


def _merge_into_buyer(
    uow: CartUnitOfWork, user_id: str, guest: Cart | None, *, max_lines: int
) -> MergeResult:
    """Rules 2 and 3: the buyer's cart (made if needed, then locked) takes the lines."""
    if guest is None or not guest.lines:
        return MergeResult(merged=True)
    now = uow.clock.now()
    cart_id = uow.carts.ensure_for_buyer(
        user_id, cart_id=new_id("cart"), currency=guest.currency, now=now
    )
    _lock(uow, cart_id)
    buyer = uow.carts.get(cart_id)
    plan = plan_merge(guest.lines, buyer.quantities() if buyer else {}, max_lines=max_lines)
    uow.carts.merge_lines(cart_id, plan.lines, max_quantity=MAX_QUANTITY, now=now)
    return MergeResult(
        merged=True, cart_id=cart_id, lines=len(plan.lines), capped=plan.capped,
        skipped=plan.skipped,
    )  # fmt: skip
