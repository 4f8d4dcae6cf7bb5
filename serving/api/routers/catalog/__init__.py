"""The catalog over HTTP: the platform's category tree (admin), public browsing, and each
merchant's products, SKUs and prices."""

from fastapi import APIRouter

from serving.api.routers.catalog import admin, merchant, public

router = APIRouter()
router.include_router(admin.router)
router.include_router(public.router)
router.include_router(merchant.router)

__all__ = ["router"]
