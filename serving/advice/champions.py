"""The models behind merchants' advice: the registered champions the batch can fit, what
the advice tables recorded, and which champion MLflow holds now (``GET /api/v1/models``).

``champion_recipe(uri, registered)`` resolves ``models:/<registered>@champion`` in the
MLflow store at ``uri`` (tracking and registry) to a recipe: the model name (the version's
``agora.model`` tag, which must name the same model as its folder's ``model.json``), the
``params`` of that ``model.json`` and the version. Only ``model.json`` is downloaded, never
the fitted arrays: the advice batch fits the recipe on its own, fresher data.
``NoChampionError`` when there is no champion (nor store) or it holds no usable recipe,
``MlflowUnavailableError`` when MLflow itself fails.

``recorded_models(engine)``: per advice family, the model name and version of the newest
rows the batch stored. ``registered_champions(uri)``: the current champion of each advice
registered model; it never raises (an MLflow failure is reported in the result).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from sqlalchemy import Table, desc, func, select

from marketplace.advice.adapters.tables import demand_forecasts, price_suggestions
from marketplace.db.engine import read_connection

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion
    from sqlalchemy import Engine

Family = Literal["forecast", "pricing"]
CHAMPION = "champion"
MODEL_TAG = "agora.model"
LOOKUP_SECONDS = 5.0  # GET /api/v1/models waits this long for MLflow, then reports it
_MODEL_DIR, _META_FILE = "model_dir", "model.json"  # pipelines.pyfunc.MODEL_DIR, model.json
_MLFLOW_VERSION = re.compile(r"@mlflow-v(\d+)$")
# get_model_version_by_alias: no such registered model / no such alias on it.
_NO_CHAMPION_CODES = frozenset({"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"})
_SQLITE = "sqlite:///"
T = TypeVar("T")


class NoChampionError(LookupError):
    """No champion registered (or no store at all), or one without a usable recipe."""


class MlflowUnavailableError(RuntimeError):
    """MLflow failed while looking the champion up (unreachable, broken store...)."""


def registered_models() -> dict[Family, str]:
    """Advice family -> the registered model the pipelines train for it."""
    from pipelines.forecast.config import REGISTERED as FORECAST
    from pipelines.pricing.config import REGISTERED as PRICING

    return {"forecast": FORECAST, "pricing": PRICING}


def mlflow_version(model_version: str) -> str | None:
    """The registered version in a recorded model version (``croston@mlflow-v3`` -> 3)."""
    found = _MLFLOW_VERSION.search(model_version)
    return found.group(1) if found else None


# -- the champion's recipe (the advice batch) ---------------------------------------------
@dataclass(frozen=True)
class ChampionRecipe:
    """What a registered champion is, apart from what it learned."""

    registered: str
    version: str
    model: str  # our model name: forecasting.factory's, or pricing.model's "elasticity"
    params: dict[str, Any]

    @property
    def model_version(self) -> str:
        """What the advice rows it makes record as their model version."""
        return f"{self.model}@mlflow-v{self.version}"


def champion_recipe(tracking_uri: str, registered: str) -> ChampionRecipe:
    """The recipe of ``registered``'s champion in the MLflow store at ``tracking_uri``."""
    from mlflow.exceptions import MlflowException

    where = f"{registered}@{CHAMPION} at {tracking_uri}"
    hint = f"run `agora train {_family_of(registered)}`"
    if _missing_store(tracking_uri):  # looking must not create an empty store
        raise NoChampionError(f"no {where}: the store does not exist ({hint})")
    client = _client(tracking_uri)
    try:
        champion = champion_version(client, registered)
    except MlflowException as exc:
        raise MlflowUnavailableError(f"{where}: {exc}") from exc
    if champion is None:
        raise NoChampionError(f"no {where} ({hint})")
    version = str(champion.version)
    meta = _model_json(client, tracking_uri, registered, version, where)
    model, params = meta.get("model"), meta.get("params", {})
    tagged = (champion.tags or {}).get(MODEL_TAG)
    if not isinstance(model, str) or tagged != model:
        raise NoChampionError(f"{where}: v{version} is tagged {tagged!r} but holds {model!r}")
    if not isinstance(params, dict):
        raise NoChampionError(f"{where}: v{version}'s {_META_FILE} params are not an object")
    return ChampionRecipe(registered, version, model, dict(params))


def champion_version(client: MlflowClient, registered: str) -> ModelVersion | None:
    """The version ``champion`` points at; None when the model or alias does not exist.
    Other MLflow failures raise (unlike pipelines.registry.alias_version, which hides
    them)."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(registered, CHAMPION)
    except MlflowException as exc:
        if exc.error_code in _NO_CHAMPION_CODES:
            return None
        raise


def _family_of(registered: str) -> str:
    return next((f for f, name in registered_models().items() if name == registered), "all")


def _missing_store(tracking_uri: str) -> bool:
    return tracking_uri.startswith(_SQLITE) and not Path(tracking_uri[len(_SQLITE) :]).is_file()


def _client(tracking_uri: str) -> MlflowClient:
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)


def _model_json(
    client: MlflowClient, tracking_uri: str, registered: str, version: str, where: str
) -> dict[str, Any]:
    """The ``model.json`` of the version's ``model_dir`` artifact, and nothing else.

    The version's location is asked of ``client``: a ``models:/`` URI would be resolved
    against MLflow's process-wide registry URI (``MLFLOW_TRACKING_URI``, else
    ``./mlflow.db``), whatever ``registry_uri`` says."""
    import mlflow.artifacts

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    with tempfile.TemporaryDirectory(prefix="agora-champion-") as tmp:
        try:
            root = client.get_model_version_download_uri(registered, version).rstrip("/")
            local = mlflow.artifacts.download_artifacts(
                artifact_uri=f"{root}/artifacts/{_MODEL_DIR}/{_META_FILE}", dst_path=tmp,
                tracking_uri=tracking_uri, registry_uri=tracking_uri,
            )  # fmt: skip
            meta = json.loads(Path(local).read_text())
        except Exception as exc:  # missing artifact, unreadable JSON, store trouble
            raise NoChampionError(f"{where}: v{version} has no readable {_META_FILE} "
                                  f"({type(exc).__name__}: {exc})") from exc  # fmt: skip
    if not isinstance(meta, dict):
        raise NoChampionError(f"{where}: v{version}'s {_META_FILE} is not an object")
    return meta


# -- what the advice tables recorded ---------------------------------------------------------
@dataclass(frozen=True)
class RecordedModel:
    """The model version of a family's newest stored rows, when, and how many rows carry it
    (forecasts: the SKUs whose current forecast it made, only the latest being kept;
    suggestions: every one it made, whatever their status since)."""

    family: Family
    model_name: str
    model_version: str
    last_used_at: datetime
    rows: int

    @property
    def mlflow_version(self) -> str | None:
        return mlflow_version(self.model_version)


def recorded_models(engine: Engine) -> list[RecordedModel]:
    """Forecast then pricing, each only when the batch stored something for it."""
    tables: tuple[tuple[Family, Table, str], ...] = (
        ("forecast", demand_forecasts, "generated_at"),
        ("pricing", price_suggestions, "created_at"),
    )
    found = []
    with read_connection(engine) as conn:
        for family, table, stamp in tables:
            c = table.c
            newest = func.max(c[stamp]).label("newest")
            row = conn.execute(
                select(c.model_name, c.model_version, newest, func.count().label("n"))
                .group_by(c.model_name, c.model_version)
                .order_by(desc("newest"), desc(c.model_version)).limit(1)
            ).first()  # fmt: skip
            if row is not None:
                found.append(RecordedModel(family, row.model_name, row.model_version, row.newest,
                                           int(row.n)))  # fmt: skip
    return found


# -- the champions MLflow holds now ------------------------------------------------------------
@dataclass(frozen=True)
class RegisteredChampion:
    family: Family
    registered_model: str
    version: str | None  # None: no champion (or no store yet)
    model: str | None = None  # its agora.model tag
    run_id: str | None = None


@dataclass(frozen=True)
class ChampionsReport:
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    champions: tuple[RegisteredChampion, ...] = ()
    error: str | None = None  # MLflow failed (or did not answer): champions is empty


def registered_champions(tracking_uri: str, *, seconds: float = LOOKUP_SECONDS) -> ChampionsReport:
    """The champion of every advice registered model; never raises. MLflow's HTTP client
    may retry for minutes, so the lookup runs in a thread that is waited for ``seconds``."""
    try:
        names = registered_models()
        if _missing_store(tracking_uri):
            return ChampionsReport(champions=tuple(RegisteredChampion(f, name, None)
                                                   for f, name in names.items()))  # fmt: skip
        client = _client(tracking_uri)  # imports MLflow: a first import must not eat the wait
        return ChampionsReport(champions=_within(seconds, lambda: _champions(client, names)))
    except Exception as exc:
        return ChampionsReport(error=f"{type(exc).__name__}: {exc}")


def _champions(client: MlflowClient, names: dict[Family, str]) -> tuple[RegisteredChampion, ...]:
    found = []
    for family, name in names.items():
        mv = champion_version(client, name)
        if mv is None:
            found.append(RegisteredChampion(family, name, None))
        else:
            found.append(RegisteredChampion(family, name, str(mv.version),
                                            (mv.tags or {}).get(MODEL_TAG), mv.run_id))  # fmt: skip
    return tuple(found)


def _within(seconds: float, work: Callable[[], T]) -> T:
    """``work()`` in a daemon thread; TimeoutError when it has not finished in time (it
    then finishes, or hangs, on its own without holding anyone up)."""
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=run, name="advice-champions", daemon=True).start()
    if not done.wait(seconds):
        raise TimeoutError(f"MLflow did not answer within {seconds:g} s")
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value
