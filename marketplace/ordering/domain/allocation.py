"""Which warehouses a line ships from: nearest region with stock first; a line may span
warehouses when no single one holds enough.

Pure functions over a snapshot of availability. The snapshot may be stale by the time the
reservations are placed: the service places each part with an atomic conditional
statement and, when one is refused, allocates again from fresh figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from marketplace.shared.errors import ConflictError


class OutOfStockError(ConflictError):
    code = "insufficient_stock"


@dataclass(frozen=True, slots=True)
class WarehouseStock:
    warehouse_id: str
    country: str
    region: str
    priority: int  # lower ships first among equally near warehouses
    available: int


@dataclass(frozen=True, slots=True)
class Part:
    warehouse_id: str
    quantity: int


def distance_rank(stock: WarehouseStock, country: str, region: str) -> int:
    """0: same region, 1: same country, 2: elsewhere (a proxy for shipping distance)."""
    if stock.country == country:
        return 0 if stock.region.casefold() == region.casefold() else 1
    return 2


def allocate(
    sku_id: str,
    quantity: int,
    candidates: Sequence[WarehouseStock],
    *,
    country: str,
    region: str,
) -> list[Part]:
    """Split ``quantity`` over the nearest warehouses. One warehouse that holds it all is
    preferred over splitting, within the same distance rank; then nearer before larger."""
    usable = [c for c in candidates if c.available > 0]
    order = sorted(
        usable,
        key=lambda c: (distance_rank(c, country, region), c.priority, -c.available, c.warehouse_id),
    )
    for rank in sorted({distance_rank(c, country, region) for c in order}):
        # The nearest rank that can ship everything from a single warehouse wins outright.
        whole = [c for c in order if distance_rank(c, country, region) <= rank]
        single = next((c for c in whole if c.available >= quantity), None)
        if single is not None and distance_rank(single, country, region) == rank:
            return [Part(single.warehouse_id, quantity)]
        if sum(c.available for c in whole) >= quantity:
            return _greedy(whole, quantity)
    raise OutOfStockError(
        f"Only {sum(c.available for c in usable)} available; {quantity} requested.",
        sku_id=sku_id,
        available=sum(c.available for c in usable),
        requested=quantity,
    )


def _greedy(order: Sequence[WarehouseStock], quantity: int) -> list[Part]:
    parts: list[Part] = []
    left = quantity
    for stock in order:
        take = min(stock.available, left)
        if take:
            parts.append(Part(stock.warehouse_id, take))
            left -= take
        if not left:
            break
    return parts
