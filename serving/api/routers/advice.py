"""A merchant's price suggestions (accept, reject), demand forecasts, pricing policy and
SKUs' pricing inputs (``MerchantScope``: the caller acts for the merchant in the path).
Another merchant's suggestion or SKU is simply not found."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from marketplace.advice import queries, services
from marketplace.advice.commands import (
    AcceptPriceSuggestion,
    RejectPriceSuggestion,
    SetPricingPolicy,
    SetSkuPricingInputs,
)
from marketplace.advice.domain import ForecastNotFoundError, PriceSuggestionNotFoundError
from marketplace.catalog.domain.errors import SkuNotFoundError
from serving.api.deps import App
from serving.api.pagination import decode_cursor, encode_cursor
from serving.api.schemas.advice import (
    DemandForecastRead,
    PriceSuggestionPage,
    PriceSuggestionRead,
    PricingPolicyRead,
    PricingPolicyUpdate,
    SkuPricingInputsRead,
    SkuPricingInputsUpdate,
    SuggestionReject,
)
from serving.api.security import MerchantScope

router = APIRouter(tags=["merchant pricing and forecasts"])

_Responses = dict[int | str, dict[str, Any]]
_SCOPED: _Responses = {
    401: {"description": "not_authenticated"},
    403: {"description": "merchant_access_denied"},
    404: {"description": "merchant_not_found / price_suggestion_not_found"},
}
_DECIDE: _Responses = {
    **_SCOPED,
    409: {"description": "suggestion_not_pending / suggestion_expired / suggestion_stale"},
}
SUGGESTIONS = "/merchants/{merchant_id}/pricing/suggestions"
Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
Limit = Annotated[int, Query(ge=1, le=100)]
Status = Annotated[
    str | None,
    Query(description="pending (unexpired), accepted, rejected, superseded or expired"),
]


def _view(container: App, merchant_id: str, suggestion_id: str) -> PriceSuggestionRead:
    with queries.read_connection(container.engine) as conn:
        view = queries.suggestion_view(conn, merchant_id, suggestion_id,
                                       now=container.clock.now())  # fmt: skip
    if view is None:
        raise PriceSuggestionNotFoundError("No such price suggestion.", suggestion_id=suggestion_id)
    return PriceSuggestionRead.model_validate(view)


@router.get(SUGGESTIONS, summary="The merchant's price suggestions, newest first",
            responses={**_SCOPED, 422: {"description": "invalid_advice_query"}})  # fmt: skip
def list_suggestions(
    scope: MerchantScope, container: App, status: Status = None,
    sku_id: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Cursor = None, limit: Limit = 20,
) -> PriceSuggestionPage:  # fmt: skip
    with queries.read_connection(container.engine) as conn:
        items, key = queries.list_suggestions(
            conn, scope.merchant_id, now=container.clock.now(), status=status, sku_id=sku_id,
            after=decode_cursor(cursor), limit=limit,
        )  # fmt: skip
    return PriceSuggestionPage.model_validate({"items": items, "next_cursor": encode_cursor(key)})


@router.get(SUGGESTIONS + "/{suggestion_id}", summary="One price suggestion", responses=_SCOPED)
def get_suggestion(suggestion_id: str, scope: MerchantScope, container: App) -> PriceSuggestionRead:
    return _view(container, scope.merchant_id, suggestion_id)


@router.post(
    SUGGESTIONS + "/{suggestion_id}/accept",
    summary="Accept: the SKU's list price becomes the suggested one",
    description="Tier and member prices keep their ratio to the list price. Accepting an "
    "accepted suggestion again returns it and changes nothing. 409 `suggestion_stale` when "
    "the list price changed since the suggestion was made.",
    responses=_DECIDE,
)
def accept_suggestion(
    suggestion_id: str, scope: MerchantScope, container: App
) -> PriceSuggestionRead:
    cmd = AcceptPriceSuggestion(scope.merchant_id, suggestion_id, actor_id=scope.actor)
    services.accept_price_suggestion(cmd, uow=container.uow(), cache=container.cache)
    return _view(container, scope.merchant_id, suggestion_id)


@router.post(
    SUGGESTIONS + "/{suggestion_id}/reject",
    summary="Reject, with an optional note",
    responses={**_DECIDE, 409: {"description": "suggestion_not_pending / suggestion_expired"},
               422: {"description": "invalid_price_suggestion (note too long)"}},
)  # fmt: skip
def reject_suggestion(
    suggestion_id: str, scope: MerchantScope, container: App, body: SuggestionReject | None = None
) -> PriceSuggestionRead:
    note = body.note if body is not None else ""
    cmd = RejectPriceSuggestion(scope.merchant_id, suggestion_id, actor_id=scope.actor, note=note)
    services.reject_price_suggestion(cmd, uow=container.uow())
    return _view(container, scope.merchant_id, suggestion_id)


@router.get(
    "/merchants/{merchant_id}/forecasts/{sku_id}",
    summary="A SKU's daily units sold and its latest demand forecast",
    responses={**_SCOPED, 404: {"description": "merchant_not_found / sku_not_found / "
                                               "forecast_not_found"}},
)  # fmt: skip
def get_forecast(
    sku_id: str, scope: MerchantScope, container: App,
    history_days: Annotated[int, Query(ge=1, le=queries.MAX_HISTORY_DAYS)] = 90,
) -> DemandForecastRead:  # fmt: skip
    with queries.read_connection(container.engine) as conn:
        if not queries.merchant_owns_sku(conn, scope.merchant_id, sku_id):
            raise SkuNotFoundError(sku_id)
        now = container.clock.now()
        view = queries.forecast_view(
            conn, scope.merchant_id, sku_id, now=now, history_days=history_days
        )
    if view is None:
        raise ForecastNotFoundError("No forecast for this SKU yet.", sku_id=sku_id)
    return DemandForecastRead.model_validate(view)


# -- pricing policy and inputs ---------------------------------------------------------------
POLICY = "/merchants/{merchant_id}/pricing/policy"
SKU_INPUTS = "/merchants/{merchant_id}/pricing/skus/{sku_id}"
_SKU_SCOPED: _Responses = {
    **_SCOPED, 404: {"description": "merchant_not_found / sku_not_found"},
}  # fmt: skip


def _policy(container: App, merchant_id: str) -> PricingPolicyRead:
    with queries.read_connection(container.engine) as conn:
        policy = queries.pricing_policy(conn, merchant_id)
    return PricingPolicyRead.model_validate(queries.policy_dict(policy))


def _sku_inputs(container: App, merchant_id: str, sku_id: str) -> SkuPricingInputsRead:
    with queries.read_connection(container.engine) as conn:
        view = queries.sku_inputs_view(conn, merchant_id, sku_id)
    if view is None:
        raise SkuNotFoundError(sku_id)
    return SkuPricingInputsRead.model_validate(view)


@router.get(POLICY, summary="The merchant's pricing policy (the defaults until one is set)",
            responses=_SCOPED)  # fmt: skip
def get_pricing_policy(scope: MerchantScope, container: App) -> PricingPolicyRead:
    return _policy(container, scope.merchant_id)


@router.put(
    POLICY,
    summary="Replace the pricing policy: the guardrails and objective suggestions follow",
    description="An omitted field takes its default; null switches a limit off. Fractions "
    "are decimal strings of at most 4 places.",
    responses={**_SCOPED, 422: {"description": "invalid_pricing_policy"}},
)
def put_pricing_policy(
    body: PricingPolicyUpdate, scope: MerchantScope, container: App
) -> PricingPolicyRead:
    cmd = SetPricingPolicy(scope.merchant_id, actor_id=scope.actor, **body.model_dump())
    services.set_pricing_policy(cmd, uow=container.uow())
    return _policy(container, scope.merchant_id)


@router.get(SKU_INPUTS, summary="A SKU's pricing inputs beside its list prices",
            responses=_SKU_SCOPED)  # fmt: skip
def get_sku_pricing_inputs(
    sku_id: str, scope: MerchantScope, container: App
) -> SkuPricingInputsRead:
    return _sku_inputs(container, scope.merchant_id, sku_id)


@router.put(
    SKU_INPUTS,
    summary="Replace a SKU's unit cost, price bounds and competitor price",
    description="Amounts are decimal strings in `currency`, one of the SKU's list-price "
    "currencies, at its minor unit; an omitted or null amount is cleared.",
    responses={**_SKU_SCOPED, 422: {"description": "invalid_pricing_inputs / "
               "invalid_price_bounds / pricing_currency_mismatch / money_precision / "
               "unsupported_currency"}},
)  # fmt: skip
def put_sku_pricing_inputs(
    sku_id: str, body: SkuPricingInputsUpdate, scope: MerchantScope, container: App
) -> SkuPricingInputsRead:
    cmd = SetSkuPricingInputs(scope.merchant_id, sku_id, actor_id=scope.actor,
                              **body.model_dump())  # fmt: skip
    services.set_sku_pricing_inputs(cmd, uow=container.uow())
    return _sku_inputs(container, scope.merchant_id, sku_id)
