"""Ports of the cart: its repository, the SKU snapshot reader shared with checkout, and
the unit of work they live in.

Every method that changes a cart's lines is meant to run after ``touch`` locked the cart's
row in the same transaction (the services do this), so changes to one cart are serial.
The line changes themselves are single conditional statements: they return ``None`` (or
``False``) when their condition did not hold and then change nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from marketplace.cart.domain import Cart
from marketplace.cart.pricing import SkuSnapshot
from marketplace.fx.ports import FxRateRepository
from marketplace.shared.ports import UnitOfWork


class SkuSnapshotReader(Protocol):
    def snapshots(self, sku_ids: Collection[str], *, locale: str | None) -> dict[str, SkuSnapshot]:
        """The SKUs that exist among ``sku_ids``, by id (titles in ``locale``)."""
        ...


class CartRepository(Protocol):
    # -- reading ---------------------------------------------------------------------
    def get(self, cart_id: str) -> Cart | None:
        """Any cart (any status) with its lines, oldest line first."""
        ...

    def active_for_buyer(self, user_id: str) -> Cart | None:
        """The buyer's one active cart with its lines, or None."""
        ...

    def by_token_hash(self, token_hash: str) -> Cart | None:
        """The guest cart with this token hash (any status), or None."""
        ...

    def line_quantity(self, cart_id: str, sku_id: str) -> int | None: ...

    # -- creating --------------------------------------------------------------------
    def create_guest(self, cart: Cart, *, token_hash: str) -> None: ...

    def ensure_for_buyer(self, user_id: str, *, cart_id: str, currency: str, now: datetime) -> str:
        """The id of the buyer's active cart, inserting one (``cart_id``) if there is none;
        safe when two requests of one buyer race (one cart results)."""
        ...

    # -- changing (after ``touch``) --------------------------------------------------
    def touch(
        self, cart_id: str, *, now: datetime, expected_version: int | None = None
    ) -> int | None:
        """Lock an active cart's row and bump its version (and ``updated_at``); the new
        version, or None when the cart is not active (or not at ``expected_version``)."""
        ...

    def add_quantity(
        self, cart_id: str, sku_id: str, quantity: int, *, max_quantity: int, now: datetime
    ) -> int | None:
        """Insert the line, or add to its quantity, only if the result stays within
        ``max_quantity``; the line's quantity after, or None (nothing changed)."""
        ...

    def line_count(self, cart_id: str) -> int: ...

    def set_quantity(self, cart_id: str, sku_id: str, quantity: int, *, now: datetime) -> bool:
        """Set an existing line's quantity; False when there is no such line."""
        ...

    def remove_lines(self, cart_id: str, sku_ids: Collection[str]) -> int:
        """Delete these lines (checkout calls this for what it ordered); how many went."""
        ...

    def clear(self, cart_id: str) -> int: ...

    def set_currency(self, cart_id: str, currency: str) -> None: ...

    def mark_merged(self, cart_id: str, *, now: datetime) -> bool:
        """active -> merged, only if still active; False when someone merged it first."""
        ...

    def merge_lines(
        self,
        cart_id: str,
        lines: Sequence[tuple[str, int, datetime]],
        *,
        max_quantity: int,
        now: datetime,
    ) -> None:
        """Upsert ``(sku_id, quantity, added_at)``: quantities add, capped at the max."""
        ...


class CartUnitOfWork(UnitOfWork, Protocol):
    @property
    def carts(self) -> CartRepository: ...

    @property
    def sku_snapshots(self) -> SkuSnapshotReader: ...

    @property
    def fx_rates(self) -> FxRateRepository: ...
