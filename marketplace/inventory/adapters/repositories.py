"""SQL repositories of inventory (SQLAlchemy Core), bound to one unit-of-work connection.

Every stock change is ONE conditional statement with RETURNING: the condition that
protects the invariant (enough available, enough reserved, not below reserved) sits in
the WHERE clause, so the database evaluates it on the locked, current row. There is no
read-then-write anywhere here; reads exist only to explain a refusal afterwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    Connection,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from marketplace.catalog.adapters.tables import skus
from marketplace.inventory.adapters.tables import (
    reservations,
    stock_levels,
    stock_movements,
    warehouse_access,
    warehouses,
)
from marketplace.inventory.domain import (
    Movement,
    MovementKind,
    Reservation,
    ReservationStatus,
    StockLevel,
    Warehouse,
    WarehouseCodeTakenError,
)
from marketplace.inventory.ports import PlaceOutcome
from marketplace.parties.adapters.tables import merchants

_LEVEL_COLUMNS = (
    stock_levels.c.sku_id,
    stock_levels.c.warehouse_id,
    stock_levels.c.on_hand,
    stock_levels.c.reserved,
)


def warehouse_from_row(row: Row[Any]) -> Warehouse:
    m = row._mapping
    return Warehouse(
        id=m["id"], merchant_id=m["merchant_id"], code=m["code"], name=m["name"],
        country=m["country"], region=m["region"], city=m["city"], address=m["address"],
        priority=m["priority"], is_active=bool(m["is_active"]),
        created_at=m["created_at"], updated_at=m["updated_at"],
    )  # fmt: skip


def reservation_from_row(row: Row[Any]) -> Reservation:
    m = row._mapping
    return Reservation(
        id=m["id"], sku_id=m["sku_id"], warehouse_id=m["warehouse_id"],
        quantity=int(m["quantity"]), status=ReservationStatus(m["status"]),
        reference=m["reference"], expires_at=m["expires_at"],
        created_at=m["created_at"], updated_at=m["updated_at"],
    )  # fmt: skip


def movement_from_row(row: Row[Any]) -> Movement:
    m = row._mapping
    return Movement(
        id=int(m["id"]), sku_id=m["sku_id"], warehouse_id=m["warehouse_id"],
        kind=MovementKind(m["kind"]), delta_on_hand=int(m["delta_on_hand"]),
        delta_reserved=int(m["delta_reserved"]), on_hand_after=int(m["on_hand_after"]),
        reserved_after=int(m["reserved_after"]), reason=m["reason"], reference=m["reference"],
        reservation_id=m["reservation_id"], actor=m["actor"], created_at=m["created_at"],
    )  # fmt: skip


def _level(row: Row[Any] | None) -> StockLevel | None:
    if row is None:
        return None
    m = row._mapping
    return StockLevel(
        sku_id=m["sku_id"],
        warehouse_id=m["warehouse_id"],
        on_hand=int(m["on_hand"]),
        reserved=int(m["reserved"]),
    )


class SqlWarehouseRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    def add(self, warehouse: Warehouse) -> None:
        values = _warehouse_values(warehouse)
        try:
            # A savepoint, so that a taken code does not poison the outer transaction.
            with self._conn.begin_nested():
                self._conn.execute(insert(warehouses).values(id=warehouse.id, **values))
        except IntegrityError as exc:
            if _is_unique_violation(exc) and self._code_taken(
                warehouse.merchant_id, warehouse.code
            ):
                raise WarehouseCodeTakenError(
                    f"Warehouse code {warehouse.code!r} is already used.",
                    warehouse_code=warehouse.code,
                ) from exc
            raise

    def _code_taken(self, merchant_id: str | None, code: str) -> bool:
        owner = (
            warehouses.c.merchant_id.is_(None)
            if merchant_id is None
            else warehouses.c.merchant_id == merchant_id
        )
        query = select(exists().where(owner, warehouses.c.code == code))
        return bool(self._conn.execute(query).scalar())

    def get(self, warehouse_id: str) -> Warehouse | None:
        row = self._conn.execute(select(warehouses).where(warehouses.c.id == warehouse_id)).first()
        return warehouse_from_row(row) if row else None

    def update(self, warehouse: Warehouse) -> None:
        values = _warehouse_values(warehouse)
        del values["created_at"], values["code"], values["merchant_id"]
        self._conn.execute(
            update(warehouses).where(warehouses.c.id == warehouse.id).values(**values)
        )

    def has_access(self, warehouse_id: str, merchant_id: str) -> bool:
        query = select(
            exists().where(
                warehouse_access.c.warehouse_id == warehouse_id,
                warehouse_access.c.merchant_id == merchant_id,
            )
        )
        return bool(self._conn.execute(query).scalar())

    def grant_access(self, warehouse_id: str, merchant_id: str, *, now: datetime) -> None:
        stmt = _dialect_insert(self._conn, warehouse_access).values(
            warehouse_id=warehouse_id, merchant_id=merchant_id, created_at=now
        )
        self._conn.execute(stmt.on_conflict_do_nothing())

    def revoke_access(self, warehouse_id: str, merchant_id: str) -> bool:
        result = self._conn.execute(
            delete(warehouse_access).where(
                warehouse_access.c.warehouse_id == warehouse_id,
                warehouse_access.c.merchant_id == merchant_id,
            )
        )
        return result.rowcount > 0

    def merchant_exists(self, merchant_id: str) -> bool:
        query = select(exists().where(merchants.c.id == merchant_id))
        return bool(self._conn.execute(query).scalar())


def _warehouse_values(warehouse: Warehouse) -> dict[str, Any]:
    return {
        "merchant_id": warehouse.merchant_id,
        "code": warehouse.code,
        "name": warehouse.name,
        "country": warehouse.country,
        "region": warehouse.region,
        "city": warehouse.city,
        "address": warehouse.address,
        "priority": warehouse.priority,
        "is_active": warehouse.is_active,
        "created_at": warehouse.created_at,
        "updated_at": warehouse.updated_at,
    }


def _dialect_insert(conn: Connection, table: Any) -> Any:
    """INSERT with ON CONFLICT, spelled for the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


class SqlStockRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection
        self._movements: list[dict[str, Any]] = []

    # -- lookups ---------------------------------------------------------------------
    def sku_owner(self, sku_id: str) -> str | None:
        owner = self._conn.execute(
            select(skus.c.merchant_id).where(skus.c.id == sku_id)
        ).scalar_one_or_none()
        return None if owner is None else str(owner)

    def level(self, sku_id: str, warehouse_id: str) -> StockLevel | None:
        row = self._conn.execute(
            select(*_LEVEL_COLUMNS).where(
                stock_levels.c.sku_id == sku_id, stock_levels.c.warehouse_id == warehouse_id
            )
        ).first()
        return _level(row)

    def reservable_warehouses(self, sku_id: str, quantity: int) -> list[str]:
        query = (
            select(warehouses.c.id)
            .join(stock_levels, stock_levels.c.warehouse_id == warehouses.c.id)
            .where(
                stock_levels.c.sku_id == sku_id,
                warehouses.c.is_active.is_(True),
                stock_levels.c.on_hand - stock_levels.c.reserved >= quantity,
            )
            .order_by(warehouses.c.priority, warehouses.c.code, warehouses.c.id)
        )
        return list(self._conn.execute(query).scalars())

    # -- atomic stock changes ------------------------------------------------------------
    def receive(
        self, sku_id: str, warehouse_id: str, quantity: int, *, now: datetime
    ) -> StockLevel:
        stmt = _dialect_insert(self._conn, stock_levels).values(
            sku_id=sku_id, warehouse_id=warehouse_id, on_hand=quantity, reserved=0, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[stock_levels.c.sku_id, stock_levels.c.warehouse_id],
            set_={
                "on_hand": stock_levels.c.on_hand + stmt.excluded.on_hand,
                "updated_at": stmt.excluded.updated_at,
            },
        ).returning(*_LEVEL_COLUMNS)
        level = _level(self._conn.execute(stmt).first())
        assert level is not None  # an upsert always returns its row
        return level

    def change_on_hand(
        self, sku_id: str, warehouse_id: str, delta: int, *, now: datetime
    ) -> StockLevel | None:
        new_on_hand = stock_levels.c.on_hand + delta
        return self._update(
            sku_id, warehouse_id, {"on_hand": new_on_hand}, new_on_hand >= stock_levels.c.reserved,
            now=now,
        )  # fmt: skip

    def set_on_hand(
        self, sku_id: str, warehouse_id: str, *, expected: int, count: int, now: datetime
    ) -> StockLevel | None:
        if expected != 0:
            return self._update(
                sku_id, warehouse_id, {"on_hand": literal(count)},
                and_(stock_levels.c.on_hand == expected, stock_levels.c.reserved <= count),
                now=now,
            )  # fmt: skip
        # A missing row counts as zero on hand: create it, or set it if it is still zero.
        stmt = _dialect_insert(self._conn, stock_levels).values(
            sku_id=sku_id, warehouse_id=warehouse_id, on_hand=count, reserved=0, updated_at=now
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[stock_levels.c.sku_id, stock_levels.c.warehouse_id],
            set_={"on_hand": stmt.excluded.on_hand, "updated_at": stmt.excluded.updated_at},
            where=and_(stock_levels.c.on_hand == 0, stock_levels.c.reserved <= count),
        ).returning(*_LEVEL_COLUMNS)
        return _level(self._conn.execute(stmt).first())

    def reserve(
        self, sku_id: str, warehouse_id: str, quantity: int, *, now: datetime
    ) -> StockLevel | None:
        return self._run(_RESERVE, sku_id, warehouse_id, quantity, now)

    def unreserve(
        self, sku_id: str, warehouse_id: str, quantity: int, *, now: datetime
    ) -> StockLevel | None:
        return self._run(_UNRESERVE, sku_id, warehouse_id, quantity, now)

    def ship(
        self, sku_id: str, warehouse_id: str, quantity: int, *, now: datetime
    ) -> StockLevel | None:
        return self._run(_SHIP, sku_id, warehouse_id, quantity, now)

    def _update(
        self,
        sku_id: str,
        warehouse_id: str,
        values: dict[str, Any],
        condition: Any,
        *,
        now: datetime,
    ) -> StockLevel | None:
        stmt = _level_update(values, condition)
        params = {"b_sku": sku_id, "b_wh": warehouse_id, "b_now": now}
        return _level(self._conn.execute(stmt, params).first())

    def _run(
        self, stmt: Any, sku_id: str, warehouse_id: str, quantity: int, now: datetime
    ) -> StockLevel | None:
        """One of the prebuilt quantity statements (reserve, unreserve, ship)."""
        params = {"b_sku": sku_id, "b_wh": warehouse_id, "b_qty": quantity, "b_now": now}
        return _level(self._conn.execute(stmt, params).first())

    def record(self, movement: Movement) -> None:
        """Buffered; written by ``flush`` when the unit of work commits (one multi-row
        INSERT per transaction), in the order recorded."""
        self._movements.append({
            "sku_id": movement.sku_id, "warehouse_id": movement.warehouse_id,
            "kind": str(movement.kind), "delta_on_hand": movement.delta_on_hand,
            "delta_reserved": movement.delta_reserved, "on_hand_after": movement.on_hand_after,
            "reserved_after": movement.reserved_after, "reason": movement.reason[:200],
            "reference": movement.reference, "reservation_id": movement.reservation_id,
            "actor": movement.actor[:100] if movement.actor else None,
            "created_at": movement.created_at,
        })  # fmt: skip

    def flush(self) -> None:
        if self._movements:
            rows, self._movements = self._movements, []
            self._conn.execute(_INSERT_MOVEMENTS, rows)

    def discard(self) -> None:
        self._movements = []

    # -- reservations ----------------------------------------------------------------
    def place(self, reservation: Reservation) -> tuple[PlaceOutcome, StockLevel | None]:
        """Reserve, then insert the reservation, inside a savepoint: both or neither."""
        try:
            with self._conn.begin_nested() as savepoint:
                level = self.reserve(
                    reservation.sku_id, reservation.warehouse_id, reservation.quantity,
                    now=reservation.created_at,
                )  # fmt: skip
                if level is None:
                    savepoint.rollback()
                    return PlaceOutcome.INSUFFICIENT, None
                self._conn.execute(_INSERT_RESERVATION, _reservation_values(reservation))
        except IntegrityError as exc:
            if not _is_unique_violation(exc):
                raise
            # The partial unique index: a twin of this reservation is already active.
            return PlaceOutcome.DUPLICATE, None
        return PlaceOutcome.PLACED, level

    def get_reservation(self, reservation_id: str) -> Reservation | None:
        row = self._conn.execute(_GET_RESERVATION, {"b_id": reservation_id}).first()
        return reservation_from_row(row) if row else None

    def find_active(
        self, reference: str, sku_id: str, warehouse_id: str | None
    ) -> Reservation | None:
        query = select(reservations).where(
            reservations.c.reference == reference,
            reservations.c.sku_id == sku_id,
            reservations.c.status == ReservationStatus.ACTIVE.value,
        )
        if warehouse_id is not None:
            query = query.where(reservations.c.warehouse_id == warehouse_id)
        row = self._conn.execute(query.order_by(reservations.c.created_at).limit(1)).first()
        return reservation_from_row(row) if row else None

    def finish_reservation(
        self, reservation_id: str, status: ReservationStatus, *, now: datetime
    ) -> Reservation | None:
        params = {"b_id": reservation_id, "b_status": status.value, "b_now": now}
        row = self._conn.execute(_FINISH_RESERVATION, params).first()
        return reservation_from_row(row) if row else None

    def overdue_reservation_ids(self, now: datetime, *, limit: int) -> list[str]:
        query = (
            select(reservations.c.id)
            .where(
                reservations.c.status == ReservationStatus.ACTIVE.value,
                reservations.c.expires_at <= now,
            )
            .order_by(reservations.c.expires_at, reservations.c.id)
            .limit(limit)
        )
        return list(self._conn.execute(query).scalars())


# Hot statements, built once: executed with parameters, their cache keys are memoized.
def _level_update(values: dict[str, Any], condition: Any) -> Any:
    """UPDATE one stock row (:b_sku, :b_wh) if ``condition`` holds, RETURNING it."""
    return (
        update(stock_levels)
        .where(
            stock_levels.c.sku_id == bindparam("b_sku"),
            stock_levels.c.warehouse_id == bindparam("b_wh"),
            condition,
        )
        .values(**values, updated_at=bindparam("b_now"))
        .returning(*_LEVEL_COLUMNS)
    )


_QTY: BindParameter[Any] = bindparam("b_qty")
_RESERVE = _level_update(
    {"reserved": stock_levels.c.reserved + _QTY},
    and_(stock_levels.c.on_hand - stock_levels.c.reserved >= _QTY,
         exists().where(warehouses.c.id == bindparam("b_wh"), warehouses.c.is_active.is_(True))),
)  # fmt: skip
_UNRESERVE = _level_update(
    {"reserved": stock_levels.c.reserved - _QTY}, stock_levels.c.reserved >= _QTY
)
_SHIP = _level_update(
    {"on_hand": stock_levels.c.on_hand - _QTY, "reserved": stock_levels.c.reserved - _QTY},
    stock_levels.c.reserved >= _QTY,
)
_INSERT_MOVEMENTS = insert(stock_movements)
_INSERT_RESERVATION = insert(reservations)
_GET_RESERVATION = select(reservations).where(reservations.c.id == bindparam("b_id"))
_FINISH_RESERVATION = (
    update(reservations)
    .where(
        reservations.c.id == bindparam("b_id"),
        reservations.c.status == ReservationStatus.ACTIVE.value,
    )
    .values(status=bindparam("b_status"), updated_at=bindparam("b_now"))
    .returning(*reservations.c)
)


def _reservation_values(reservation: Reservation) -> dict[str, Any]:
    return {
        "id": reservation.id,
        "sku_id": reservation.sku_id,
        "warehouse_id": reservation.warehouse_id,
        "quantity": reservation.quantity,
        "status": reservation.status.value,
        "reference": reservation.reference,
        "expires_at": reservation.expires_at,
        "created_at": reservation.created_at,
        "updated_at": reservation.updated_at,
    }


def _is_unique_violation(exc: IntegrityError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate == "23505" or "UNIQUE constraint failed" in str(exc.orig)
