"""Settlement over HTTP: commission rules, payouts and statement closing for platform
admins; balances, statements and payouts for each merchant."""

from fastapi import APIRouter

from serving.api.routers.settlement import admin, commission, merchant

router = APIRouter()
router.include_router(commission.router)
router.include_router(admin.router)
router.include_router(merchant.router)

__all__ = ["router"]
