"""The category tree's repository: materialised paths, moved a subtree at a time."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    String,
    bindparam,
    case,
    func,
    insert,
    literal,
    null,
    select,
    text,
    update,
)

from marketplace.catalog.adapters.sql import LIKE_ESCAPE, like_prefix
from marketplace.catalog.adapters.tables import categories
from marketplace.catalog.domain import Category, SubtreeMove

# Key of the PostgreSQL advisory lock that serialises writes to the category tree.
CATEGORY_TREE_LOCK = 0x0CA7_7E3E


def _category(row: Row[Any]) -> Category:
    return Category(
        id=row.id,
        parent_id=row.parent_id,
        slug=row.slug,
        names=dict(row.names),
        path=row.path,
        depth=row.depth,
        position=row.position,
        is_active=row.is_active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlCategoryRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def lock_tree(self) -> None:
        # SQLite writers already hold the database's write lock (BEGIN IMMEDIATE).
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": CATEGORY_TREE_LOCK}
            )

    def get(self, category_id: str) -> Category | None:
        row = self.conn.execute(select(categories).where(categories.c.id == category_id)).first()
        return _category(row) if row else None

    def get_many(self, category_ids: Iterable[str]) -> dict[str, Category]:
        ids = list(category_ids)
        if not ids:
            return {}
        rows = self.conn.execute(select(categories).where(categories.c.id.in_(ids)))
        return {row.id: _category(row) for row in rows}

    def slug_taken(self, slug: str, *, except_id: str | None = None) -> bool:
        query = select(categories.c.id).where(categories.c.slug == slug)
        if except_id:
            query = query.where(categories.c.id != except_id)
        return self.conn.execute(query.limit(1)).first() is not None

    def siblings(self, parent_id: str | None) -> list[Category]:
        where = (
            categories.c.parent_id.is_(None)
            if parent_id is None
            else categories.c.parent_id == parent_id
        )
        query = select(categories).where(where).order_by(categories.c.position, categories.c.id)
        return [_category(row) for row in self.conn.execute(query)]

    def deepest_path_length(self, path: str) -> int:
        query = select(func.max(func.length(categories.c.path))).where(
            categories.c.path.like(like_prefix(path), escape=LIKE_ESCAPE)
        )
        return int(self.conn.execute(query).scalar_one() or len(path))

    def add(self, category: Category) -> None:
        self.conn.execute(
            insert(categories).values(
                id=category.id,
                parent_id=category.parent_id,
                slug=category.slug,
                names=category.names,
                path=category.path,
                depth=category.depth,
                position=category.position,
                is_active=category.is_active,
                created_at=category.created_at,
                updated_at=category.updated_at,
            )
        )

    def update(self, category: Category) -> None:
        self.conn.execute(
            update(categories)
            .where(categories.c.id == category.id)
            .values(
                slug=category.slug,
                names=category.names,
                position=category.position,
                is_active=category.is_active,
                updated_at=category.updated_at,
            )
        )

    def set_positions(self, positions: dict[str, int], now: datetime) -> None:
        if not positions:
            return
        stmt = (
            update(categories)
            .where(categories.c.id == bindparam("b_id"))
            .values(position=bindparam("b_position"), updated_at=now)
        )
        self.conn.execute(stmt, [{"b_id": k, "b_position": v} for k, v in positions.items()])

    def move_subtree(self, move: SubtreeMove, *, position: int, now: datetime) -> None:
        """Re-parent the category and rewrite the path prefix of its whole subtree, in one
        UPDATE (so the tree is never seen half-moved, even inside this transaction)."""
        is_moved = categories.c.id == move.category_id
        new_parent = null() if move.new_parent_id is None else literal(move.new_parent_id, String)
        self.conn.execute(
            update(categories)
            .where(categories.c.path.like(like_prefix(move.old_prefix), escape=LIKE_ESCAPE))
            .values(
                path=literal(move.new_prefix, String)
                + func.substr(categories.c.path, len(move.old_prefix) + 1, type_=String),
                depth=categories.c.depth + move.depth_delta,
                parent_id=case((is_moved, new_parent), else_=categories.c.parent_id),
                position=case((is_moved, position), else_=categories.c.position),
                updated_at=now,
            )
        )
