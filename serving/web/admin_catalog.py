"""The admin's category tree (see docs/adr/0016): add, rename, reorder, deactivate and move
categories, each through the catalogue's services as ``/api/v1/admin/categories`` does."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from marketplace.bootstrap import Marketplace
from marketplace.catalog import services as catalog
from marketplace.catalog.adapters.tables import categories
from marketplace.catalog.domain.commands import CreateCategory, MoveCategory, UpdateCategory
from marketplace.shared.errors import ConflictError, DomainError
from serving.web.admin_scope import Admin, problem
from serving.web.frame import PageContext, render

router = APIRouter(include_in_schema=False, tags=["web"])


def _tree(container: Marketplace) -> list[dict[str, Any]]:
    """Every category, active or not, nested; parents come first (ordered by depth)."""
    c = categories.c
    with container.engine.connect() as conn:
        rows = conn.execute(select(categories).order_by(c.depth, c.position, c.id)).all()
    nodes: dict[str, dict[str, Any]] = {}
    roots: list[dict[str, Any]] = []
    for row in rows:
        parent = nodes.get(row.parent_id) if row.parent_id else None
        names = dict(row.names)
        node = {"id": row.id, "slug": row.slug, "names": names, "position": row.position,
                "is_active": row.is_active, "depth": row.depth, "children": [],
                "trail": [*(parent["trail"] if parent else []), names]}  # fmt: skip
        nodes[row.id] = node
        (parent["children"] if parent else roots).append(node)
    return roots


def _flat(tree: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tree in reading order (each node before its children), for the move form."""
    return [n for node in tree for n in (node, *_flat(node["children"]))]


def _values(container: Marketplace) -> dict[str, Any]:
    tree = _tree(container)
    return {"tree": tree, "flat": _flat(tree)}


async def _tree_fragment(
    ctx: PageContext, *, notice: str | None = None, error: str | None = None, status: int = 200
) -> Response:
    values = await run_in_threadpool(_values, ctx.container)
    return render(ctx, "admin/_tree.html", {**values, "notice": notice, "error": error},
                  status_code=status)  # fmt: skip


async def _refused(ctx: PageContext, error: DomainError) -> Response:
    status = 409 if isinstance(error, ConflictError) else 422
    message = problem(ctx, error, "admin.categories")
    return await _tree_fragment(ctx, error=message, status=status)


@router.get("/admin/categories", response_class=HTMLResponse)
async def categories_page(ctx: Admin) -> Response:
    values = await run_in_threadpool(_values, ctx.container)
    return render(ctx, "admin/categories.html", {**values, "notice": None, "error": None})


def _names(en: str, zh: str) -> dict[str, str]:
    return {tag: name.strip() for tag, name in (("en", en), ("zh", zh)) if name.strip()}


def _name(names: dict[str, str], locale: str, fallback: str) -> str:
    return names.get(locale) or next(iter(names.values()), fallback)


@router.post("/admin/categories", response_class=HTMLResponse)
async def add_category(
    ctx: Admin,
    name_en: Annotated[str, Form(max_length=200)] = "",
    name_zh: Annotated[str, Form(max_length=200)] = "",
    parent_id: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    cmd = CreateCategory(names=_names(name_en, name_zh), parent_id=parent_id or None)
    try:
        created = await run_in_threadpool(catalog.create_category, cmd, uow=ctx.container.uow())
    except DomainError as exc:
        return await _refused(ctx, exc)
    name = _name(dict(created.names), ctx.locale, created.id)
    return await _tree_fragment(ctx, notice=ctx.t("admin.categories.added", name=name))


# Declared before ``/admin/categories/{category_id}`` so that "move" is not read as an id.
@router.post("/admin/categories/move", response_class=HTMLResponse)
async def move_category(
    ctx: Admin,
    category_id: Annotated[str, Form(max_length=40)] = "",
    parent_id: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Move a category with its whole subtree under another parent ("" = the top level)."""
    cmd = MoveCategory(category_id, parent_id or None)
    try:
        moved = await run_in_threadpool(catalog.move_category, cmd, uow=ctx.container.uow())
    except DomainError as exc:
        return await _refused(ctx, exc)
    name = _name(dict(moved.names), ctx.locale, moved.id)
    return await _tree_fragment(ctx, notice=ctx.t("admin.categories.moved", name=name))


@router.post("/admin/categories/{category_id}", response_class=HTMLResponse)
async def update_category(
    category_id: str,
    ctx: Admin,
    name_en: Annotated[str, Form(max_length=200)] = "",
    name_zh: Annotated[str, Form(max_length=200)] = "",
    position: Annotated[int, Form(ge=0, le=100_000)] = 0,
    is_active: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    names = _names(name_en, name_zh)
    cmd = UpdateCategory(category_id, names=names, position=position,
                         is_active=is_active == "on")  # fmt: skip
    try:
        await run_in_threadpool(catalog.update_category, cmd, uow=ctx.container.uow())
    except DomainError as exc:
        return await _refused(ctx, exc)
    name = _name(names, ctx.locale, category_id)
    return await _tree_fragment(ctx, notice=ctx.t("admin.categories.saved", name=name))
