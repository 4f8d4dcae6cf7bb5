"""Schemas of ``GET /api/v1/models``: which model version serves what, and where it came from."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

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
        description="Which kind of model: recs today (forecast and pricing join later)"
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


class ModelsRead(BaseModel):
    models: list[ServedModelRead]
    recs_load_error: str | None = Field(
        description="Why the last reload of aliases.json failed (the previous versions serve)"
    )
    mlflow_sync: MlflowSyncRead | None = Field(
        description="The last MLflow sync of this worker; null when the sync is off or "
        "has not run yet"
    )
