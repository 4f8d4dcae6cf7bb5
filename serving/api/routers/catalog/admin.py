"""Platform admins build the category tree."""

from __future__ import annotations

from fastapi import APIRouter, status

from marketplace.catalog import services
from marketplace.catalog.domain import Category
from marketplace.catalog.domain.commands import CreateCategory, MoveCategory, UpdateCategory
from serving.api.deps import App
from serving.api.routers.catalog.common import Responses
from serving.api.schemas.catalog import CategoryCreate, CategoryMove, CategoryRead, CategoryUpdate
from serving.api.security import PlatformAdmin

router = APIRouter(tags=["catalog admin"])

_ADMIN: Responses = {401: {"description": "not_authenticated"},
                     403: {"description": "platform_admin_required"}}  # fmt: skip


def _category(category: Category) -> CategoryRead:
    return CategoryRead.model_validate(category, from_attributes=True)


@router.post(
    "/admin/categories",
    status_code=status.HTTP_201_CREATED,
    summary="Create a category (a root, or under a parent)",
    responses={**_ADMIN, 409: {"description": "category_slug_taken"},
               422: {"description": "unknown_category / invalid_category"}},
)  # fmt: skip
def create_category(body: CategoryCreate, _: PlatformAdmin, container: App) -> CategoryRead:
    cmd = CreateCategory(**body.model_dump())
    return _category(services.create_category(cmd, uow=container.uow()))


@router.patch(
    "/admin/categories/{category_id}",
    summary="Rename (per locale), change the slug, reorder among siblings, (de)activate",
    responses={**_ADMIN, 404: {"description": "category_not_found"},
               409: {"description": "category_slug_taken"}},
)  # fmt: skip
def update_category(
    category_id: str, body: CategoryUpdate, _: PlatformAdmin, container: App
) -> CategoryRead:
    fields = body.model_dump(exclude_unset=True, exclude_none=True)
    cmd = UpdateCategory(category_id, **fields)
    return _category(services.update_category(cmd, uow=container.uow()))


@router.post(
    "/admin/categories/{category_id}/move",
    summary="Move a category and its whole subtree under another parent or to the root",
    responses={**_ADMIN, 404: {"description": "category_not_found"},
               409: {"description": "category_cycle"},
               422: {"description": "unknown_category / category_too_deep"}},
)  # fmt: skip
def move_category(
    category_id: str, body: CategoryMove, _: PlatformAdmin, container: App
) -> CategoryRead:
    cmd = MoveCategory(category_id, body.parent_id, body.position)
    return _category(services.move_category(cmd, uow=container.uow()))
