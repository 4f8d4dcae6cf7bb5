"""What serves: the model versions loaded in the worker that answers, for platform admins.

Versions, run ids and metrics are not secret to the storefront, but they are operational
detail (what to roll back, which run to blame), so only platform admins read them.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request

from serving.api.routers.recommendations import recs_runtime
from serving.api.schemas.models import MlflowSyncRead, ModelsRead, ServedModelRead
from serving.api.security import PlatformAdmin

router = APIRouter(tags=["models"])


def _recommenders(request: Request) -> list[ServedModelRead]:
    return [ServedModelRead.of_recs(entry) for entry in recs_runtime(request).served()]


# Each family of served models lists its entries here. Forecasts and price suggestions
# are batch advice today (ADR 0013); when the API loads their versions, their lister joins.
FAMILIES: tuple[Callable[[Request], list[ServedModelRead]], ...] = (_recommenders,)


@router.get("/models", summary="The model versions serving now")
def served_models(principal: PlatformAdmin, request: Request) -> ModelsRead:
    """Platform admins. Per surface: folder, model, version, when loaded, and the MLflow
    version it was synced from. Describes the worker process that answers."""
    runtime = recs_runtime(request)
    report = runtime.mlflow.last_report if runtime.mlflow is not None else None
    return ModelsRead(
        models=[entry for family in FAMILIES for entry in family(request)],
        recs_load_error=runtime.registry.last_error,
        mlflow_sync=MlflowSyncRead.of(report) if report is not None else None,
    )
