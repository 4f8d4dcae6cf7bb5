"""Replenishment advice for a merchant's SKUs (``MerchantScope``): reorder points and
suggested orders per SKU and warehouse, from the SKU's latest stored demand forecast and
its stock. Only SKUs with a forecast appear; another merchant's SKUs never do."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from marketplace.advice import queries
from serving.advice.replenishment import ASSUMPTIONS, Policy, replenishment_page, sku_advice_dict
from serving.api.deps import App
from serving.api.pagination import decode_cursor, encode_cursor, invalid_cursor
from serving.api.schemas.replenishment import ReplenishmentPage
from serving.api.security import MerchantScope

router = APIRouter(tags=["merchant pricing and forecasts"])

_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "invalid_cursor"},
    401: {"description": "not_authenticated"},
    403: {"description": "merchant_access_denied"},
    404: {"description": "merchant_not_found"},
    422: {"description": "request_validation_failed"},
}
MAX_SKU_IDS = 100


@router.get(
    "/merchants/{merchant_id}/replenishment",
    summary="Reorder points and suggested orders per SKU and warehouse",
    description="A periodic-review, order-up-to policy over each SKU's latest demand "
    "forecast (docs/ml/forecasting-serving.md). Pages by SKU id; with `only_reorder` a page "
    "may hold fewer than `limit` SKUs while `next_cursor` is set.",
    responses=_RESPONSES,
)
def get_replenishment(
    scope: MerchantScope, container: App,
    service_level: Annotated[float, Query(ge=0.5, le=0.999,
                                          description="Cycle service level")] = 0.95,
    review_period_days: Annotated[int, Query(ge=1, le=90)] = 7,
    sku_id: Annotated[list[str] | None, Query(max_length=MAX_SKU_IDS,
                                              description="Only these SKUs (repeatable)")] = None,
    only_reorder: Annotated[bool, Query(description="Only positions below their reorder "
                                                    "point with something to order")] = False,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> ReplenishmentPage:  # fmt: skip
    policy = Policy(service_level=service_level, review_period_days=review_period_days)
    today = container.clock.now().date()
    with queries.read_connection(container.engine) as conn:
        page, last = replenishment_page(
            conn, scope.merchant_id, policy=policy, today=today, sku_ids=sku_id,
            only_reorder=only_reorder, after=_after(cursor), limit=limit,
        )  # fmt: skip
    return ReplenishmentPage.model_validate({
        "as_of": today.isoformat(), "service_level": service_level,
        "review_period_days": review_period_days, "assumptions": ASSUMPTIONS,
        "items": [sku_advice_dict(a) for a in page],
        "next_cursor": encode_cursor({"sku": last} if last is not None else None),
    })  # fmt: skip


def _after(cursor: str | None) -> str | None:
    key = decode_cursor(cursor)
    if key is None:
        return None
    after = key.get("sku")
    if not isinstance(after, str) or not after:
        raise invalid_cursor()
    return after
