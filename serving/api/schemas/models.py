"""Schemas of ``GET /api/v1/models``: which model version serves what, and where it came from."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from serving.advice.champions import ChampionsReport, RecordedModel, RegisteredChampion
from serving.recs.mlflow_sync import Origin, SyncReport
from serving.recs.runtime import ServedVersion


class MlflowVersionRead(BaseModel):
    registered_model: str = Field(description="e.g. agora-recs-user")
    version: str = Field(description="The registered version (the folder's @version)")
    run_id: str | None = Field(description="The training run that logged it")
    metric: str | None = Field(description="The metric the promotion gate compared (agora.metric)")
    score: float | None = Field(description="Its value on this version (agora.score)")
    tags: dict[str, str] = Field(description="Every tag of the version")

    @classmethod
    def of(cls, origin: Origin) -> MlflowVersionRead:
        return cls(
            registered_model=origin.registered_model, version=origin.version,
            run_id=origin.run_id, metric=origin.tags.get("agora.metric"),
            score=_number(origin.tags.get("agora.score")), tags=dict(origin.tags),
        )  # fmt: skip


def _number(raw: str | None) -> float | None:
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


class ServedModelRead(BaseModel):
    family: Literal["recs"] = Field(
        description="Which kind of model: recs (the advice models are listed under `advice`)"
    )
    surface: str = Field(description="What it serves: user, similar, search, ...")
    model: str
    version: str
    folder: str = Field(description="<model>@<version> under AGORA_MODELS_DIR")
    loaded_at: datetime = Field(description="When this worker loaded it")
    mlflow: MlflowVersionRead | None = Field(
        description="The registered version it was synced from; null for a local folder"
    )

    @classmethod
    def of_recs(cls, entry: ServedVersion) -> ServedModelRead:
        s = entry.served
        return cls(
            family="recs", surface=entry.surface, model=s.name, version=s.version,
            folder=s.folder, loaded_at=s.loaded_at,
            mlflow=MlflowVersionRead.of(entry.origin) if entry.origin else None,
        )  # fmt: skip


class MlflowSyncRead(BaseModel):
    synced_at: datetime = Field(description="When the last pass ran (in this worker)")
    champions: dict[str, str] = Field(description="surface -> folder of its champion")
    changed: dict[str, str] = Field(description="The aliases that pass moved")
    refused: dict[str, str] = Field(
        description="surface -> why its champion was not fetched (the old version serves)"
    )
    error: str | None = Field(description="MLflow itself failed; nothing else changed")

    @classmethod
    def of(cls, report: SyncReport) -> MlflowSyncRead:
        return cls(
            synced_at=report.at, champions=dict(report.champions), changed=dict(report.changed),
            refused=dict(report.refused), error=report.error,
        )  # fmt: skip


class AdviceModelRead(BaseModel):
    family: Literal["forecast", "pricing"] = Field(
        description="forecast: the stored demand forecasts; pricing: the price suggestions"
    )
    model_name: str = Field(description="What the newest stored rows record, e.g. tsb")
    model_version: str = Field(
        description="e.g. tsb@2026-12-04 (fitted with the library's defaults on the panel "
        "ending that day) or croston@mlflow-v3 (the recipe of the registered version 3)"
    )
    mlflow_version: str | None = Field(
        description="The registered version whose recipe made them; null for the defaults"
    )
    last_used_at: datetime = Field(
        description="When the newest of them was stored (a forecast's generated_at, a "
        "suggestion's created_at)"
    )
    rows: int = Field(
        description="Rows stored with this model version: forecasts still current (one per "
        "SKU is kept), suggestions of any status"
    )

    @classmethod
    def of(cls, recorded: RecordedModel) -> AdviceModelRead:
        return cls(
            family=recorded.family, model_name=recorded.model_name,
            model_version=recorded.model_version, mlflow_version=recorded.mlflow_version,
            last_used_at=recorded.last_used_at, rows=recorded.rows,
        )  # fmt: skip


class AdviceChampionRead(BaseModel):
    family: Literal["forecast", "pricing"]
    registered_model: str = Field(description="agora-forecast-demand, agora-pricing-elasticity")
    version: str | None = Field(description="Its champion now; null when there is none")
    model: str | None = Field(description="The champion's agora.model tag, e.g. croston")
    run_id: str | None = Field(description="The training run that logged it")
    used_by_advice: bool = Field(
        description="The family's newest advice rows were made with this very version "
        "(`agora advice refresh --forecaster champion` / `--pricing champion` since it won)"
    )

    @classmethod
    def of(cls, champion: RegisteredChampion, recorded: list[RecordedModel]) -> AdviceChampionRead:
        used = {r.family: r.mlflow_version for r in recorded}
        return cls(
            family=champion.family, registered_model=champion.registered_model,
            version=champion.version, model=champion.model, run_id=champion.run_id,
            used_by_advice=champion.version is not None
            and used.get(champion.family) == champion.version,
        )  # fmt: skip


class AdviceChampionsRead(BaseModel):
    checked_at: datetime = Field(description="When this answer asked MLflow")
    champions: list[AdviceChampionRead] = Field(
        description="One per advice family; empty when MLflow failed"
    )
    error: str | None = Field(description="MLflow failed or did not answer in time")

    @classmethod
    def of(cls, report: ChampionsReport, recorded: list[RecordedModel]) -> AdviceChampionsRead:
        return cls(
            checked_at=report.checked_at, error=report.error,
            champions=[AdviceChampionRead.of(c, recorded) for c in report.champions],
        )  # fmt: skip


class ModelsRead(BaseModel):
    models: list[ServedModelRead]
    recs_load_error: str | None = Field(
        description="Why the last reload of aliases.json failed (the previous versions serve)"
    )
    mlflow_sync: MlflowSyncRead | None = Field(
        description="The last MLflow sync of this worker; null when the sync is off or "
        "has not run yet"
    )
    advice: list[AdviceModelRead] = Field(
        default_factory=list,
        description="The models behind merchants' advice (written by the `agora advice "
        "refresh` batch, not loaded by the API): per family, the model version of its newest "
        "stored rows; a family the batch never stored anything for is absent",
    )
    advice_champions: AdviceChampionsRead | None = Field(
        default=None,
        description="The champions of agora-forecast-demand and agora-pricing-elasticity in "
        "MLflow now (asked on each request); null when the MLflow sync is off",
    )
