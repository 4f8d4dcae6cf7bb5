"""Carts: one active cart per buyer, guest carts behind an opaque token, and the merge rule.

A cart holds lines (SKU, quantity 1..``MAX_QUANTITY``) from any number of merchants, at
most ``max_lines`` of them (a setting, ``DEFAULT_MAX_LINES`` by default), one per SKU. It
stores no prices: every view prices the lines live (``marketplace.cart.pricing``), so a
price, stock or listing change shows at once. Each change bumps the cart's ``version``
(and ``updated_at``), so that checkout can tell that a cart changed under it.

Guest carts: the guest receives a random token once, when the cart is created; only its
SHA-256 is stored, so a leaked table does not hand out carts.

Merge on login (a request carrying both a bearer token and ``X-Cart-Token``, or
``POST /api/v1/cart/merge``):

1. The guest cart flips ``active -> merged`` in one conditional update (``... WHERE
   status = 'active'``). Only the caller whose update changed the row goes on, so two
   concurrent merges of one guest cart merge it once, and merging again is a no-op. From
   then on the token no longer opens the cart (guests get ``cart_not_found``).
2. Each guest line adds its quantity to the buyer's line of the same SKU, capped at
   ``MAX_QUANTITY`` (such lines are reported as *capped*). A SKU the buyer's cart lacks
   becomes a new line, keeping the guest's ``added_at``, while the buyer's cart has room
   under its line limit; the lines that do not fit (the guest's most recently added
   ones) are left out and reported as *skipped*.
3. The buyer's cart keeps its currency; a buyer without a cart gets one in the guest
   cart's currency. An empty guest cart is marked merged and creates nothing.
4. Locks are taken in a fixed order, the guest cart's row before the buyer's, so merges
   and edits never deadlock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from marketplace.shared.errors import ConflictError, NotFoundError, ValidationError

MIN_QUANTITY = 1
MAX_QUANTITY = 999
DEFAULT_MAX_LINES = 200
GUEST_TOKEN_PREFIX = "gct_"
MAX_TOKEN_LENGTH = 200


# -- errors ---------------------------------------------------------------------------
class SkuNotAvailableError(ValidationError):
    """Unknown SKU, inactive SKU, unlisted product or a merchant that may not sell."""

    code = "sku_not_available"

    def __init__(self, sku_id: str) -> None:
        super().__init__(f"SKU {sku_id!r} is not available for sale.", sku_id=sku_id)


class InvalidCartQuantityError(ValidationError):
    code = "invalid_quantity"

    def __init__(self, quantity: object) -> None:
        super().__init__(
            f"A cart quantity is a whole number from {MIN_QUANTITY} to {MAX_QUANTITY}, "
            f"not {quantity!r}.",
            quantity=quantity if isinstance(quantity, int) else None,
        )


class CartQuantityLimitError(ConflictError):
    """Adding would take a line beyond ``MAX_QUANTITY`` (nothing is added)."""

    code = "cart_quantity_limit"

    def __init__(self, sku_id: str, in_cart: int, adding: int) -> None:
        super().__init__(
            f"The cart holds {in_cart} of {sku_id}; adding {adding} would pass the "
            f"{MAX_QUANTITY} a line may hold.",
            sku_id=sku_id,
            in_cart=in_cart,
            max_quantity=MAX_QUANTITY,
        )


class CartLineLimitError(ConflictError):
    code = "cart_line_limit"

    def __init__(self, max_lines: int) -> None:
        super().__init__(f"A cart holds at most {max_lines} different SKUs.", max_lines=max_lines)


class CartNotFoundError(NotFoundError):
    """No cart for this token (unknown, or already merged into a buyer's cart)."""

    code = "cart_not_found"


class CartLineNotFoundError(NotFoundError):
    code = "cart_line_not_found"

    def __init__(self, sku_id: str) -> None:
        super().__init__(f"The cart has no line for SKU {sku_id!r}.", sku_id=sku_id)


class CartTokenRequiredError(ValidationError):
    code = "cart_token_required"


def require_quantity(quantity: object) -> int:
    """A line quantity within ``MIN_QUANTITY..MAX_QUANTITY`` (bools are not numbers)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidCartQuantityError(quantity)
    if not MIN_QUANTITY <= quantity <= MAX_QUANTITY:
        raise InvalidCartQuantityError(quantity)
    return quantity


def hash_cart_token(token: str) -> str:
    """What is stored of a guest token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_cart_token(token: str) -> bool:
    return token.startswith(GUEST_TOKEN_PREFIX) and len(token) <= MAX_TOKEN_LENGTH


# -- the cart -------------------------------------------------------------------------
class CartStatus(StrEnum):
    ACTIVE = "active"
    MERGED = "merged"  # a guest cart whose lines moved into a buyer's cart


@dataclass(frozen=True, slots=True)
class CartLine:
    sku_id: str
    quantity: int
    added_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Cart:
    id: str
    user_id: str | None  # None for a guest cart
    status: CartStatus
    currency: str
    version: int
    created_at: datetime
    updated_at: datetime
    lines: tuple[CartLine, ...] = ()

    @property
    def is_guest(self) -> bool:
        return self.user_id is None

    @property
    def is_active(self) -> bool:
        return self.status is CartStatus.ACTIVE

    def quantities(self) -> dict[str, int]:
        """``{sku_id: quantity}`` in the lines' order (oldest added first)."""
        return {line.sku_id: line.quantity for line in self.lines}

    def line(self, sku_id: str) -> CartLine | None:
        return next((line for line in self.lines if line.sku_id == sku_id), None)


@dataclass(frozen=True, slots=True)
class CartOwner:
    """Whose cart a request is about: a signed-in buyer, or a guest (with a token or not)."""

    user_id: str | None = None
    guest_token: str | None = None

    @classmethod
    def buyer(cls, user_id: str) -> CartOwner:
        return cls(user_id=user_id)

    @classmethod
    def guest(cls, token: str | None) -> CartOwner:
        return cls(guest_token=token or None)

    @property
    def is_buyer(self) -> bool:
        return self.user_id is not None


# -- merging ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MergePlan:
    """What a merge writes: ``(sku_id, quantity to add, added_at)`` and what it reports."""

    lines: tuple[tuple[str, int, datetime], ...] = ()
    capped: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MergeResult:
    merged: bool  # False: the guest cart was merged before (a no-op)
    cart_id: str | None = None  # the buyer's cart
    lines: int = 0  # guest lines merged in
    capped: tuple[str, ...] = ()
    skipped: tuple[str, ...] = field(default=())


def plan_merge(
    guest_lines: Sequence[CartLine],
    buyer_quantities: Mapping[str, int],
    *,
    max_lines: int,
) -> MergePlan:
    """Apply rule 2 of the module docstring to the lines as they are under the locks."""
    room = max(max_lines - len(buyer_quantities), 0)
    lines: list[tuple[str, int, datetime]] = []
    capped: list[str] = []
    skipped: list[str] = []
    for line in sorted(guest_lines, key=lambda g: (g.added_at, g.sku_id)):
        held = buyer_quantities.get(line.sku_id)
        if held is None:
            if room == 0:
                skipped.append(line.sku_id)
                continue
            room -= 1
        elif held + line.quantity > MAX_QUANTITY:
            capped.append(line.sku_id)
        lines.append((line.sku_id, line.quantity, line.added_at))
    return MergePlan(tuple(lines), tuple(capped), tuple(skipped))
