"""The platform's category tree, stored as a materialised path of ids.

``path`` is ``/<root id>/<child id>/.../<own id>/``: a category's descendants are exactly
the rows whose path starts with its path, and its ancestors are the ids in its path.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime

from marketplace.catalog.domain.errors import (
    CategoryCycleError,
    CategoryTooDeepError,
    InvalidCategoryError,
)
from marketplace.catalog.domain.locale import normalize_locale

MAX_PATH_LENGTH = 1000  # the column's width; about 30 levels of ``cat_`` ids
MAX_NAME_LENGTH = 120
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    parent_id: str | None
    slug: str
    names: dict[str, str]
    path: str
    depth: int
    position: int
    is_active: bool
    created_at: datetime
    updated_at: datetime

    @property
    def ancestor_ids(self) -> list[str]:
        """Ids from the root down to the parent (the breadcrumb without this category)."""
        return path_ids(self.path)[:-1]

    def is_ancestor_of(self, other: Category) -> bool:
        return other.path.startswith(self.path) and other.id != self.id


def path_ids(path: str) -> list[str]:
    return [part for part in path.split("/") if part]


def child_path(parent: Category | None, category_id: str) -> str:
    path = (parent.path if parent else "/") + category_id + "/"
    if len(path) > MAX_PATH_LENGTH:
        raise CategoryTooDeepError("The category tree cannot grow deeper here.")
    return path


def clean_names(names: dict[str, str]) -> dict[str, str]:
    """Validate ``{locale: name}``: at least one non-blank name, tags canonical."""
    if not isinstance(names, dict) or not names:
        raise InvalidCategoryError("A category needs a name in at least one locale.")
    cleaned: dict[str, str] = {}
    for tag, name in names.items():
        if not isinstance(name, str) or not name.strip():
            raise InvalidCategoryError(f"The {tag!r} name is blank.")
        if len(name.strip()) > MAX_NAME_LENGTH:
            raise InvalidCategoryError(f"The {tag!r} name is longer than {MAX_NAME_LENGTH}.")
        cleaned[normalize_locale(tag)] = " ".join(name.split())
    return cleaned


def make_slug(slug: str | None, names: dict[str, str], fallback: str) -> str:
    """The given slug (validated), else one made from the English name, else the id."""
    if slug is not None:
        if not _SLUG.match(slug) or len(slug) > 120:
            raise InvalidCategoryError(
                f"Slug {slug!r} must be lower-case letters and digits joined by hyphens."
            )
        return slug
    source = names.get("en") or ""
    ascii_name = unicodedata.normalize("NFKD", source).encode("ascii", "ignore").decode()
    derived = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:80]
    return derived or fallback.lower().replace("_", "-")


@dataclass(frozen=True, slots=True)
class SubtreeMove:
    """What one UPDATE must do to move a category and everything under it."""

    category_id: str
    old_prefix: str
    new_prefix: str
    depth_delta: int
    new_parent_id: str | None


def plan_move(
    category: Category, new_parent: Category | None, *, deepest_path_length: int
) -> SubtreeMove:
    """Validate moving ``category`` under ``new_parent`` (None: to the root).

    Refuses a move under itself or one of its descendants (``category_cycle``), and a move
    that would make some path in the subtree longer than the column allows.
    """
    if new_parent is not None and (
        new_parent.id == category.id or new_parent.path.startswith(category.path)
    ):
        raise CategoryCycleError(
            "A category cannot be moved under itself or one of its descendants.",
            category_id=category.id,
            parent_id=new_parent.id,
        )
    new_prefix = (new_parent.path if new_parent else "/") + category.id + "/"
    if deepest_path_length - len(category.path) + len(new_prefix) > MAX_PATH_LENGTH:
        raise CategoryTooDeepError("The move would make the category tree too deep.")
    return SubtreeMove(
        category_id=category.id,
        old_prefix=category.path,
        new_prefix=new_prefix,
        depth_delta=(new_parent.depth + 1 if new_parent else 0) - category.depth,
        new_parent_id=new_parent.id if new_parent else None,
    )


def reorder(siblings: list[Category], category_id: str, position: int) -> dict[str, int]:
    """New positions 0..n-1 after putting ``category_id`` at ``position`` among siblings.

    Returns only the positions that change. ``position`` is clamped to the list's end.
    """
    if position < 0:
        raise InvalidCategoryError("Position must be 0 or more.")
    ordered = sorted(siblings, key=lambda c: (c.position, c.id))
    moving = next(c for c in ordered if c.id == category_id)
    rest = [c for c in ordered if c.id != category_id]
    rest.insert(min(position, len(rest)), moving)
    return {c.id: i for i, c in enumerate(rest) if c.position != i}


def rename(category: Category, names: dict[str, str], now: datetime) -> Category:
    """Set the names of the given locales; the other locales keep theirs."""
    return replace(category, names={**category.names, **clean_names(names)}, updated_at=now)
