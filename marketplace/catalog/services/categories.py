"""Use cases of the platform's category tree. Every write takes the tree lock first:
a move rewrites many paths, and nothing may be added under a node while it moves."""

from __future__ import annotations

from dataclasses import replace

from marketplace.catalog.domain import Category, plan_move, reorder
from marketplace.catalog.domain.categories import child_path, clean_names, make_slug, rename
from marketplace.catalog.domain.commands import UNSET, CreateCategory, MoveCategory, UpdateCategory
from marketplace.catalog.domain.errors import (
    CategoryNotFoundError,
    CategorySlugTakenError,
    UnknownCategoryError,
)
from marketplace.catalog.ports import CatalogUnitOfWork
from marketplace.shared.ids import new_id


def create_category(cmd: CreateCategory, *, uow: CatalogUnitOfWork) -> Category:
    """Add a category under ``cmd.parent_id`` (or as a root), after or among its siblings."""
    names = clean_names(cmd.names)
    category_id = new_id("cat")
    slug = make_slug(cmd.slug, names, category_id)
    with uow:
        uow.categories.lock_tree()
        parent = _parent(uow, cmd.parent_id)
        if uow.categories.slug_taken(slug):
            raise CategorySlugTakenError(slug)
        siblings = uow.categories.siblings(cmd.parent_id)
        now = uow.clock.now()
        category = Category(
            id=category_id,
            parent_id=parent.id if parent else None,
            slug=slug,
            names=names,
            path=child_path(parent, category_id),
            depth=parent.depth + 1 if parent else 0,
            position=len(siblings),
            is_active=cmd.is_active,
            created_at=now,
            updated_at=now,
        )
        uow.categories.add(category)
        if cmd.position is not None:
            category = _put_at(uow, [*siblings, category], category, cmd.position)
        uow.commit()
    return category


def update_category(cmd: UpdateCategory, *, uow: CatalogUnitOfWork) -> Category:
    """Rename (per locale), change the slug, reorder among siblings, (de)activate."""
    with uow:
        uow.categories.lock_tree()
        category = _category(uow, cmd.category_id)
        now = uow.clock.now()
        if cmd.names is not UNSET:
            category = rename(category, cmd.names, now)
        if cmd.slug is not UNSET and cmd.slug != category.slug:
            slug = make_slug(cmd.slug, category.names, category.id)
            if uow.categories.slug_taken(slug, except_id=category.id):
                raise CategorySlugTakenError(slug)
            category = replace(category, slug=slug, updated_at=now)
        if cmd.is_active is not UNSET:
            category = replace(category, is_active=cmd.is_active, updated_at=now)
        uow.categories.update(category)
        if cmd.position is not UNSET:
            siblings = uow.categories.siblings(category.parent_id)
            category = _put_at(uow, siblings, category, cmd.position)
        uow.commit()
    return category


def move_category(cmd: MoveCategory, *, uow: CatalogUnitOfWork) -> Category:
    """Move a category, with its whole subtree, under another parent or to the root."""
    with uow:
        uow.categories.lock_tree()
        category = _category(uow, cmd.category_id)
        new_parent = _parent(uow, cmd.parent_id, missing_is_404=False)
        move = plan_move(
            category,
            new_parent,
            deepest_path_length=uow.categories.deepest_path_length(category.path),
        )
        now = uow.clock.now()
        new_siblings = [
            c for c in uow.categories.siblings(move.new_parent_id) if c.id != category.id
        ]
        uow.categories.move_subtree(move, position=len(new_siblings), now=now)
        moved = _category(uow, category.id)
        if cmd.position is not None:
            moved = _put_at(uow, [*new_siblings, moved], moved, cmd.position)
        uow.commit()
    return moved


def _category(uow: CatalogUnitOfWork, category_id: str) -> Category:
    category = uow.categories.get(category_id)
    if category is None:
        raise CategoryNotFoundError(category_id)
    return category


def _parent(
    uow: CatalogUnitOfWork, parent_id: str | None, *, missing_is_404: bool = False
) -> Category | None:
    if parent_id is None:
        return None
    parent = uow.categories.get(parent_id)
    if parent is None:
        raise (
            CategoryNotFoundError(parent_id) if missing_is_404 else UnknownCategoryError(parent_id)
        )
    return parent


def _put_at(
    uow: CatalogUnitOfWork, siblings: list[Category], category: Category, position: int
) -> Category:
    now = uow.clock.now()
    changes = reorder(siblings, category.id, position)
    uow.categories.set_positions(changes, now)
    if category.id in changes:
        category = replace(category, position=changes[category.id], updated_at=now)
    return category
