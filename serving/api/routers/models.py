"""What serves: the model versions loaded in the worker that answers, and the models behind
merchants' stored advice, for platform admins.

Versions, run ids and metrics are not secret to the storefront, but they are operational
detail (what to roll back, which run to blame), so only platform admins read them.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request

from serving.advice.champions import recorded_models, registered_champions
from serving.api.deps import App
from serving.api.routers.recommendations import recs_runtime
from serving.api.schemas.models import (
    AdviceChampionsRead,
    AdviceModelRead,
    MlflowSyncRead,
    ModelsRead,
    ServedModelRead,
)
from serving.api.security import PlatformAdmin

router = APIRouter(tags=["models"])


def _recommenders(request: Request) -> list[ServedModelRead]:
    return [ServedModelRead.of_recs(entry) for entry in recs_runtime(request).served()]


# Each family of served models lists its entries here. Forecasts and price suggestions
# are batch advice (ADR 0013): listed under ``advice`` from what the batch recorded.
FAMILIES: tuple[Callable[[Request], list[ServedModelRead]], ...] = (_recommenders,)


@router.get("/models", summary="The model versions serving now")
def served_models(principal: PlatformAdmin, request: Request, container: App) -> ModelsRead:
    """Platform admins. Per surface: folder, model, version, when loaded, and the MLflow
    version it was synced from. Describes the worker process that answers. Then the
    models behind the stored advice and, with the MLflow sync on, the advice champions."""
    runtime = recs_runtime(request)
    report = runtime.mlflow.last_report if runtime.mlflow is not None else None
    recorded = recorded_models(container.engine)
    settings = container.settings
    champions = (
        AdviceChampionsRead.of(registered_champions(settings.mlflow_tracking_uri), recorded)
        if settings.recs_mlflow_sync
        else None
    )
    return ModelsRead(
        models=[entry for family in FAMILIES for entry in family(request)],
        recs_load_error=runtime.registry.last_error,
        mlflow_sync=MlflowSyncRead.of(report) if report is not None else None,
        advice=[AdviceModelRead.of(r) for r in recorded],
        advice_champions=champions,
    )
