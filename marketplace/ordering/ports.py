"""Ports of ordering: its repository, and what it borrows from other areas."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Protocol

from marketplace.cart.ports import CartUnitOfWork
from marketplace.catalog.ports import CategoryRepository
from marketplace.events.ports import Outbox
from marketplace.fx.ports import FxRateRepository
from marketplace.inventory.ports import InventoryUnitOfWork
from marketplace.ordering.domain import (
    Allocation,
    CheckoutGroup,
    Order,
    OrderStatus,
    StatusChange,
    WarehouseStock,
)
from marketplace.settlement.ports import SettlementUnitOfWork


class OrderRepository(Protocol):
    def add_group(self, group: CheckoutGroup) -> None:
        """Insert the group and its orders; DuplicateCheckoutError if the key is used."""
        ...

    def record_history(self, changes: Sequence[StatusChange]) -> None: ...

    def add_allocations(self, allocations: Sequence[tuple[str, Allocation]]) -> None: ...

    def transition(
        self,
        order_id: str,
        *,
        expected: Collection[OrderStatus],
        target: OrderStatus,
        actor: str,
        reason: str,
        now: datetime,
        known: OrderStatus | None = None,
        **values: Any,
    ) -> OrderStatus | None: ...

    def add_refunded(self, order_id: str, minor: int, *, now: datetime) -> bool: ...

    def add_line_refund(self, line_id: str, quantity: int, minor: int) -> bool: ...

    def lock(self, order_ids: Sequence[str]) -> None: ...

    def get(self, order_id: str) -> Order | None: ...

    def get_many(self, order_ids: Sequence[str], *, for_update: bool = False) -> list[Order]: ...

    def of_group(self, group_id: str) -> list[Order]: ...

    def get_group(self, group_id: str) -> CheckoutGroup | None: ...

    def group_id_for_key(self, buyer_id: str, key: str) -> str | None: ...

    def overdue_ids(self, now: datetime, *, limit: int) -> list[str]: ...

    def history(self, order_id: str) -> list[StatusChange]: ...

    def warehouse_stock(self, sku_ids: Sequence[str]) -> dict[str, list[WarehouseStock]]: ...


class OrderingUnitOfWork(InventoryUnitOfWork, CartUnitOfWork, SettlementUnitOfWork, Protocol):
    @property
    def orders(self) -> OrderRepository: ...

    @property
    def categories(self) -> CategoryRepository: ...

    @property
    def fx_rates(self) -> FxRateRepository: ...

    @property
    def outbox(self) -> Outbox: ...
