"""Inventory domain: warehouses, stock levels, reservations, ledger entries and the rules
that hold them together. Standard library only.

The arithmetic that decides whether stock may move lives here as pure functions; the
adapters repeat the same conditions inside single atomic SQL statements, so that two
concurrent callers can never both pass a check that only one of them should.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from marketplace.shared.errors import ConflictError, NotFoundError, ValidationError

MAX_QUANTITY = 1_000_000_000
MIN_RESERVATION_TTL = timedelta(seconds=1)
MAX_RESERVATION_TTL = timedelta(days=30)
DEFAULT_RESERVATION_TTL = timedelta(minutes=15)

_WAREHOUSE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


# -- errors ---------------------------------------------------------------------------
class WarehouseNotFoundError(NotFoundError):
    code = "warehouse_not_found"


class SkuNotFoundError(NotFoundError):
    code = "sku_not_found"


class ReservationNotFoundError(NotFoundError):
    code = "reservation_not_found"


class MerchantNotFoundError(NotFoundError):
    code = "merchant_not_found"


class InsufficientStockError(ConflictError):
    code = "insufficient_stock"


class AdjustmentBelowReservedError(ConflictError):
    code = "adjustment_below_reserved"


class WarehouseInactiveError(ConflictError):
    code = "warehouse_inactive"


class WarehouseCodeTakenError(ConflictError):
    code = "warehouse_code_taken"


class ReservationNotActiveError(ConflictError):
    code = "reservation_not_active"


class ReservationExpiredError(ConflictError):
    code = "reservation_expired"


class ReservationMismatchError(ConflictError):
    """Same (reference, SKU, warehouse) as an active reservation, but another quantity."""

    code = "reservation_mismatch"


class InvalidQuantityError(ValidationError):
    code = "invalid_quantity"


class InvalidWarehouseError(ValidationError):
    code = "invalid_warehouse"


class InvalidAdjustmentError(ValidationError):
    code = "invalid_adjustment"


class InvalidReferenceError(ValidationError):
    code = "invalid_reference"


class InvalidTtlError(ValidationError):
    code = "invalid_ttl"


class ConcurrentUpdateError(ConflictError):
    """A compare-and-set lost too many times in a row; the caller may retry."""

    code = "concurrent_update"


# -- enums ------------------------------------------------------------------------------
class ReservationStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"
    COMMITTED = "committed"
    EXPIRED = "expired"


class MovementKind(StrEnum):
    INBOUND = "inbound"
    ADJUSTMENT = "adjustment"
    RESERVE = "reserve"
    RELEASE = "release"
    COMMIT = "commit"
    EXPIRE = "expire"


class AdjustmentReason(StrEnum):
    STOCKTAKE = "stocktake"
    DAMAGE = "damage"
    LOSS = "loss"
    THEFT = "theft"
    EXPIRY = "expiry"
    FOUND = "found"
    CUSTOMER_RETURN = "customer_return"
    CORRECTION = "correction"


# Where a reservation goes when it stops being active, and what that does to the stock.
RESERVATION_EXIT: dict[ReservationStatus, MovementKind] = {
    ReservationStatus.RELEASED: MovementKind.RELEASE,
    ReservationStatus.COMMITTED: MovementKind.COMMIT,
    ReservationStatus.EXPIRED: MovementKind.EXPIRE,
}


# -- who acts -------------------------------------------------------------------------
@dataclass(frozen=True)
class Operator:
    """Who performs an inventory change: a merchant's member, or the platform (an admin,
    checkout, a background job). ``actor`` is what the ledger records."""

    actor: str
    merchant_id: str | None = None

    @property
    def is_platform(self) -> bool:
        return self.merchant_id is None

    @classmethod
    def platform(cls, actor: str = "system") -> Operator:
        return cls(actor=actor, merchant_id=None)

    @classmethod
    def merchant(cls, merchant_id: str, actor: str) -> Operator:
        return cls(actor=actor, merchant_id=merchant_id)


# -- aggregates and values ------------------------------------------------------------
@dataclass(frozen=True)
class Warehouse:
    id: str
    merchant_id: str | None  # None: a platform warehouse
    code: str
    name: str
    country: str
    region: str
    city: str | None
    address: str | None
    priority: int  # lower is tried first when a reservation names no warehouse
    is_active: bool
    created_at: datetime
    updated_at: datetime

    UPDATABLE = frozenset({"name", "country", "region", "city", "address", "priority", "is_active"})

    @property
    def is_platform(self) -> bool:
        return self.merchant_id is None

    def validate(self) -> None:
        if not _WAREHOUSE_CODE.match(self.code):
            raise InvalidWarehouseError(
                "Warehouse code: 1-50 letters, digits, '_', '.', '-'.", field="code"
            )
        if not self.name.strip():
            raise InvalidWarehouseError("Warehouse name must not be blank.", field="name")
        if not _COUNTRY.match(self.country):
            raise InvalidWarehouseError(
                "Country must be an ISO 3166-1 alpha-2 code such as 'CN'.", field="country"
            )
        if not self.region.strip():
            raise InvalidWarehouseError("Region must not be blank.", field="region")
        if self.priority < 0:
            raise InvalidWarehouseError("Priority must be zero or more.", field="priority")

    def with_changes(self, changes: dict[str, Any], *, now: datetime) -> Warehouse:
        unknown = set(changes) - self.UPDATABLE
        if unknown:
            raise InvalidWarehouseError(
                f"These fields cannot be changed: {', '.join(sorted(unknown))}."
            )
        if isinstance(changes.get("country"), str):
            changes = {**changes, "country": changes["country"].strip().upper()}
        updated = dataclasses.replace(self, **changes, updated_at=now)
        updated.validate()
        return updated

    def is_stockable_by(self, operator: Operator, *, has_access: bool) -> bool:
        """Merchants stock their own warehouses and platform ones they were granted;
        the platform stocks only platform warehouses."""
        if operator.is_platform:
            return self.is_platform
        if self.is_platform:
            return has_access
        return self.merchant_id == operator.merchant_id

    def is_visible_for_reserving_by(self, operator: Operator) -> bool:
        """A merchant reserves its SKUs in its own or in platform warehouses, never in
        another merchant's; the platform (checkout) may reserve anywhere."""
        return operator.is_platform or self.is_platform or self.merchant_id == operator.merchant_id


@dataclass(frozen=True)
class StockLevel:
    sku_id: str
    warehouse_id: str
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


@dataclass(frozen=True)
class Reservation:
    id: str
    sku_id: str
    warehouse_id: str
    quantity: int
    status: ReservationStatus
    reference: str
    expires_at: datetime
    created_at: datetime
    updated_at: datetime

    @property
    def is_active(self) -> bool:
        return self.status is ReservationStatus.ACTIVE

    def is_past_expiry(self, now: datetime) -> bool:
        return now >= self.expires_at


@dataclass(frozen=True)
class Movement:
    """One ledger line: what changed, the row after the change, why, and who did it."""

    sku_id: str
    warehouse_id: str
    kind: MovementKind
    delta_on_hand: int
    delta_reserved: int
    on_hand_after: int
    reserved_after: int
    reason: str
    reference: str | None
    reservation_id: str | None
    actor: str | None
    created_at: datetime
    id: int | None = None

    @classmethod
    def of(
        cls,
        level: StockLevel,
        kind: MovementKind,
        *,
        delta_on_hand: int,
        delta_reserved: int,
        reason: str,
        at: datetime,
        actor: str | None,
        reference: str | None = None,
        reservation_id: str | None = None,
    ) -> Movement:
        return cls(
            sku_id=level.sku_id,
            warehouse_id=level.warehouse_id,
            kind=kind,
            delta_on_hand=delta_on_hand,
            delta_reserved=delta_reserved,
            on_hand_after=level.on_hand,
            reserved_after=level.reserved,
            reason=reason,
            reference=reference,
            reservation_id=reservation_id,
            actor=actor,
            created_at=at,
        )


# -- rules ------------------------------------------------------------------------------
def require_quantity(quantity: int, *, field: str = "quantity") -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise InvalidQuantityError("Quantity must be a whole number.", field=field)
    if not 0 < quantity <= MAX_QUANTITY:
        raise InvalidQuantityError(f"Quantity must be between 1 and {MAX_QUANTITY}.", field=field)
    return quantity


def reservation_ttl(ttl_seconds: int | None, default: timedelta) -> timedelta:
    ttl = default if ttl_seconds is None else timedelta(seconds=ttl_seconds)
    if not MIN_RESERVATION_TTL <= ttl <= MAX_RESERVATION_TTL:
        raise InvalidTtlError(
            f"A reservation lives between {int(MIN_RESERVATION_TTL.total_seconds())} s "
            f"and {int(MAX_RESERVATION_TTL.total_seconds())} s.",
            field="ttl_seconds",
        )
    return ttl


def adjustment_error(level: StockLevel | None, new_on_hand: int) -> ConflictError:
    """Why an adjustment to ``new_on_hand`` is refused (the row refused it atomically)."""
    on_hand = level.on_hand if level else 0
    reserved = level.reserved if level else 0
    if new_on_hand < 0:
        return InsufficientStockError(
            f"Only {on_hand} on hand; the adjustment would go below zero.",
            on_hand=on_hand,
            reserved=reserved,
        )
    return AdjustmentBelowReservedError(
        f"{reserved} units are reserved; on hand cannot drop to {new_on_hand}.",
        on_hand=on_hand,
        reserved=reserved,
    )


def ledger_totals(movements: list[Movement]) -> tuple[int, int]:
    """(sum of on-hand deltas, sum of reserved deltas): what the row must hold."""
    return (
        sum(m.delta_on_hand for m in movements),
        sum(m.delta_reserved for m in movements),
    )
