"""The SQL cart repository (SQLAlchemy Core), bound to one unit-of-work connection.

``touch`` is the cart's row lock (``UPDATE ... RETURNING``; on SQLite the transaction's
``BEGIN IMMEDIATE`` already serialises writers). Line changes are single statements:
``INSERT ... ON CONFLICT (cart_id, sku_id) DO UPDATE SET quantity = quantity + :q WHERE
quantity + :q <= :max`` adds without ever losing a concurrent add and refuses past the
maximum in the same statement; merging caps instead of refusing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, case, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from marketplace.cart.adapters.tables import cart_lines, carts
from marketplace.cart.domain import Cart, CartLine, CartStatus

_ACTIVE = CartStatus.ACTIVE.value
_LINE_COLUMNS = (
    cart_lines.c.sku_id,
    cart_lines.c.quantity,
    cart_lines.c.added_at,
    cart_lines.c.updated_at.label("line_updated_at"),
)


def _dialect_insert(conn: Connection, table: Any) -> Any:
    """INSERT with ON CONFLICT, spelled for the connection's dialect."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def _with_lines(*conditions: Any) -> Select[Any]:
    """The cart(s) matching ``conditions``, a row per line (one bare row without lines)."""
    return (
        select(*carts.c, *_LINE_COLUMNS)
        .select_from(carts.outerjoin(cart_lines, cart_lines.c.cart_id == carts.c.id))
        .where(*conditions)
        .order_by(cart_lines.c.added_at, cart_lines.c.sku_id)
    )


class SqlCartRepository:
    def __init__(self, connection: Connection) -> None:
        self._conn = connection

    # -- reading ---------------------------------------------------------------------
    def _load(self, *conditions: Any) -> Cart | None:
        rows = self._conn.execute(_with_lines(*conditions)).all()
        if not rows:
            return None
        first = rows[0]
        lines = tuple(
            CartLine(r.sku_id, int(r.quantity), r.added_at, r.line_updated_at)
            for r in rows
            if r.sku_id is not None
        )
        return Cart(
            id=first.id, user_id=first.user_id, status=CartStatus(first.status),
            currency=first.currency, version=int(first.version), created_at=first.created_at,
            updated_at=first.updated_at, lines=lines,
        )  # fmt: skip

    def get(self, cart_id: str) -> Cart | None:
        return self._load(carts.c.id == cart_id)

    def active_for_buyer(self, user_id: str) -> Cart | None:
        return self._load(carts.c.user_id == user_id, carts.c.status == _ACTIVE)

    def by_token_hash(self, token_hash: str) -> Cart | None:
        return self._load(carts.c.token_hash == token_hash)

    def line_quantity(self, cart_id: str, sku_id: str) -> int | None:
        quantity = self._conn.execute(
            select(cart_lines.c.quantity).where(
                cart_lines.c.cart_id == cart_id, cart_lines.c.sku_id == sku_id
            )
        ).scalar_one_or_none()
        return None if quantity is None else int(quantity)

    def line_count(self, cart_id: str) -> int:
        query = select(func.count()).select_from(cart_lines).where(cart_lines.c.cart_id == cart_id)
        return int(self._conn.execute(query).scalar_one())

    # -- creating --------------------------------------------------------------------
    def create_guest(self, cart: Cart, *, token_hash: str) -> None:
        self._conn.execute(
            insert(carts).values(
                id=cart.id, user_id=None, token_hash=token_hash, status=cart.status.value,
                currency=cart.currency, version=cart.version, created_at=cart.created_at,
                updated_at=cart.updated_at,
            )
        )  # fmt: skip

    def ensure_for_buyer(self, user_id: str, *, cart_id: str, currency: str, now: datetime) -> str:
        stmt = _dialect_insert(self._conn, carts).values(
            id=cart_id, user_id=user_id, token_hash=None, status=_ACTIVE, currency=currency,
            version=1, created_at=now, updated_at=now,
        )  # fmt: skip
        # The partial unique index (one active cart per buyer) is the arbiter of a race.
        self._conn.execute(
            stmt.on_conflict_do_nothing(
                index_elements=[carts.c.user_id], index_where=text("status = 'active'")
            )
        )
        found = self._conn.execute(
            select(carts.c.id).where(carts.c.user_id == user_id, carts.c.status == _ACTIVE)
        ).scalar_one()
        return str(found)

    # -- changing --------------------------------------------------------------------
    def touch(
        self, cart_id: str, *, now: datetime, expected_version: int | None = None
    ) -> int | None:
        stmt = update(carts).where(carts.c.id == cart_id, carts.c.status == _ACTIVE)
        if expected_version is not None:
            stmt = stmt.where(carts.c.version == expected_version)
        version = self._conn.execute(
            stmt.values(version=carts.c.version + 1, updated_at=now).returning(carts.c.version)
        ).scalar_one_or_none()
        return None if version is None else int(version)

    def add_quantity(
        self, cart_id: str, sku_id: str, quantity: int, *, max_quantity: int, now: datetime
    ) -> int | None:
        stmt = _dialect_insert(self._conn, cart_lines).values(
            cart_id=cart_id, sku_id=sku_id, quantity=quantity, added_at=now, updated_at=now
        )
        total = cart_lines.c.quantity + stmt.excluded.quantity
        stmt = stmt.on_conflict_do_update(
            index_elements=[cart_lines.c.cart_id, cart_lines.c.sku_id],
            set_={"quantity": total, "updated_at": stmt.excluded.updated_at},
            where=total <= max_quantity,
        ).returning(cart_lines.c.quantity)
        after = self._conn.execute(stmt).scalar_one_or_none()
        return None if after is None else int(after)

    def set_quantity(self, cart_id: str, sku_id: str, quantity: int, *, now: datetime) -> bool:
        result = self._conn.execute(
            update(cart_lines)
            .where(cart_lines.c.cart_id == cart_id, cart_lines.c.sku_id == sku_id)
            .values(quantity=quantity, updated_at=now)
        )
        return result.rowcount == 1

    def remove_lines(self, cart_id: str, sku_ids: Collection[str]) -> int:
        if not sku_ids:
            return 0
        result = self._conn.execute(
            delete(cart_lines).where(
                cart_lines.c.cart_id == cart_id, cart_lines.c.sku_id.in_(list(sku_ids))
            )
        )
        return int(result.rowcount)

    def clear(self, cart_id: str) -> int:
        result = self._conn.execute(delete(cart_lines).where(cart_lines.c.cart_id == cart_id))
        return int(result.rowcount)

    def set_currency(self, cart_id: str, currency: str) -> None:
        self._conn.execute(update(carts).where(carts.c.id == cart_id).values(currency=currency))

    def mark_merged(self, cart_id: str, *, now: datetime) -> bool:
        result = self._conn.execute(
            update(carts)
            .where(carts.c.id == cart_id, carts.c.status == _ACTIVE)
            .values(status=CartStatus.MERGED.value, version=carts.c.version + 1, updated_at=now)
        )
        return result.rowcount == 1

    def merge_lines(
        self,
        cart_id: str,
        lines: Sequence[tuple[str, int, datetime]],
        *,
        max_quantity: int,
        now: datetime,
    ) -> None:
        if not lines:
            return
        rows = [
            {"cart_id": cart_id, "sku_id": sku_id, "quantity": min(quantity, max_quantity),
             "added_at": added_at, "updated_at": now}
            for sku_id, quantity, added_at in lines
        ]  # fmt: skip
        stmt = _dialect_insert(self._conn, cart_lines).values(rows)
        total = cart_lines.c.quantity + stmt.excluded.quantity
        capped = case((total > max_quantity, max_quantity), else_=total)
        self._conn.execute(
            stmt.on_conflict_do_update(
                index_elements=[cart_lines.c.cart_id, cart_lines.c.sku_id],
                set_={"quantity": capped, "updated_at": stmt.excluded.updated_at},
            )
        )
