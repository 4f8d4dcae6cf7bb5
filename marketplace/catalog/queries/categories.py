"""Read side of the category tree: the public tree, one category with its breadcrumb and
children, and subtrees (all by materialised-path prefix)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, bindparam, select

from marketplace.catalog.adapters.sql import LIKE_ESCAPE, like_prefix
from marketplace.catalog.adapters.tables import categories
from marketplace.catalog.domain.categories import path_ids
from marketplace.catalog.domain.errors import CategoryNotFoundError
from marketplace.catalog.domain.locale import pick_text

_ORDER = (categories.c.depth, categories.c.position, categories.c.id)


def brief(row: Any, locale: str | None) -> dict[str, Any]:
    """``{id, slug, name}`` of a category (any row with ``id``, ``slug`` and ``names``)."""
    return {"id": row.id, "slug": row.slug, "name": pick_text(row.names, locale)}


def _full(row: Row[Any], locale: str | None) -> dict[str, Any]:
    return {
        **brief(row, locale),
        "names": dict(row.names),
        "parent_id": row.parent_id,
        "path": row.path,
        "depth": row.depth,
        "position": row.position,
        "is_active": row.is_active,
    }


def category_tree(conn: Connection, *, locale: str | None) -> list[dict[str, Any]]:
    """Active categories as nested ``{id, slug, name, children}``; a deactivated
    category hides its whole subtree."""
    rows = conn.execute(select(categories).order_by(*_ORDER)).all()
    nodes: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for row in rows:  # parents come first: ordered by depth
        if not row.is_active or (row.parent_id is not None and row.parent_id not in nodes):
            continue
        node = {**brief(row, locale), "children": []}
        nodes[row.id] = node
        (nodes[row.parent_id]["children"] if row.parent_id else roots).append(node)
    return roots


def ancestors(conn: Connection, path: str) -> list[Row[Any]]:
    """The categories on ``path``, root first (the breadcrumb, including the last one)."""
    ids = path_ids(path)
    rows = {r.id: r for r in conn.execute(select(categories).where(categories.c.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


_BRIEFS = select(categories.c.id, categories.c.slug, categories.c.names).where(
    categories.c.id.in_(bindparam("ids", expanding=True))
)


def ancestor_briefs(conn: Connection, path: str) -> list[Row[Any]]:
    """``id``, ``slug`` and ``names`` of the categories on ``path``, root first."""
    ids = path_ids(path)
    rows = {r.id: r for r in conn.execute(_BRIEFS, {"ids": ids})}
    return [rows[i] for i in ids if i in rows]


def breadcrumb(conn: Connection, path: str, *, locale: str | None) -> list[dict[str, Any]]:
    return [brief(row, locale) for row in ancestor_briefs(conn, path)]


def category_detail(
    conn: Connection, category_id: str, *, locale: str | None, public: bool = True
) -> dict[str, Any]:
    """One category with its breadcrumb and (active, when public) children.

    Publicly, a category that is inactive, or under an inactive one, does not exist.
    """
    row = conn.execute(select(categories).where(categories.c.id == category_id)).first()
    if row is None:
        raise CategoryNotFoundError(category_id)
    trail = ancestors(conn, row.path)
    if public and not all(r.is_active for r in trail):
        raise CategoryNotFoundError(category_id)
    query = select(categories).where(categories.c.parent_id == category_id)
    if public:
        query = query.where(categories.c.is_active.is_(True))
    children = conn.execute(query.order_by(categories.c.position, categories.c.id))
    return {
        **_full(row, locale),
        "breadcrumb": [brief(r, locale) for r in trail],
        "children": [brief(c, locale) for c in children],
    }


def category_subtree(
    conn: Connection, category_id: str, *, locale: str | None
) -> list[dict[str, Any]]:
    """The category and all its descendants, parents before children."""
    path = conn.execute(
        select(categories.c.path).where(categories.c.id == category_id)
    ).scalar_one_or_none()
    if path is None:
        raise CategoryNotFoundError(category_id)
    rows = conn.execute(
        select(categories)
        .where(categories.c.path.like(like_prefix(path), escape=LIKE_ESCAPE))
        .order_by(*_ORDER)
    )
    return [_full(row, locale) for row in rows]


def category_path(conn: Connection, category_id: str) -> str:
    path = conn.execute(
        select(categories.c.path).where(categories.c.id == category_id)
    ).scalar_one_or_none()
    if path is None:
        raise CategoryNotFoundError(category_id)
    return str(path)
