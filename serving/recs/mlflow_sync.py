"""Serve the ``champion`` of every registered recommender (docs/ml/pipelines.md).

The registry keeps reading folders (ADR 0012); this module fills them from MLflow. Each
``sync`` asks the ``champion`` alias of every ``agora-recs-*`` model. A version not on disk
yet is downloaded (``models:/<name>/<version>``) into a hidden staging folder, our saved
folder is taken out of the pyfunc layout (the ``model_dir`` artifact), an ``mlflow.json``
saying where it came from is written beside its files, it must load, and only then is it
renamed to ``<agora.model>@<mlflow version>``: a half-downloaded or broken version is never
visible. ``aliases.json`` is then rewritten for the surfaces whose champion changed, and
the registry's hot swap does the rest.

Every API worker syncs on its own into the shared ``AGORA_MODELS_DIR``. Two workers
fetching the same version each stage their own copy; the rename is atomic and refuses an
existing folder, so the loser drops its copy. Nothing here raises into serving: MLflow
unreachable, a version without our folder or one that does not load are logged, reported,
and the versions already serving stay.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.recsys.config import REGISTERED
from serving.recs.registry import ModelLoadError, load_model, read_aliases, split_folder
from serving.recs.training import write_aliases

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

log = logging.getLogger("agora.recs.mlflow")

# surface -> registered model: the names the pipelines register (docs/ml/pipelines.md).
REGISTERED_MODELS: Mapping[str, str] = REGISTERED
CHAMPION = "champion"
MODEL_DIR_ARTIFACT = "model_dir"  # artifacts={"model_dir": <our saved folder>}
MODEL_TAG = "agora.model"
ORIGIN_FILE = "mlflow.json"
_STAGING_PREFIX = ".mlflow-"
_STALE_STAGING_SECONDS = 3600.0  # a crashed worker's staging folder is removed after this
_MODEL_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# get_model_version_by_alias: no such registered model / no such alias on it.
_NO_CHAMPION_CODES = frozenset({"RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE"})


class VersionRefusedError(RuntimeError):
    """A registered version that cannot serve: its content is at fault, not MLflow."""


@dataclass(frozen=True)
class Origin:
    """Where a model folder came from: written as ``mlflow.json`` inside it."""

    registered_model: str
    version: str
    run_id: str | None
    source: str | None
    tags: Mapping[str, str]

    @classmethod
    def of(cls, mv: ModelVersion) -> Origin:
        tags = {str(k): str(v) for k, v in (mv.tags or {}).items()}
        return cls(str(mv.name), str(mv.version), mv.run_id, mv.source, tags)

    def same_version(self, other: Origin) -> bool:
        return (self.registered_model, self.version) == (other.registered_model, other.version)


def read_origin(folder: Path) -> Origin | None:
    """The ``mlflow.json`` of a model folder; None for a folder not synced from MLflow."""
    try:
        raw = json.loads((folder / ORIGIN_FILE).read_text())
        return Origin(
            registered_model=str(raw["registered_model"]), version=str(raw["version"]),
            run_id=raw.get("run_id"), source=raw.get("source"),
            tags={str(k): str(v) for k, v in dict(raw.get("tags") or {}).items()},
        )  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class SyncReport:
    """One pass: each surface's champion folder, what changed in aliases.json, refusals."""

    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    champions: Mapping[str, str] = field(default_factory=dict)  # surface -> folder
    changed: Mapping[str, str] = field(default_factory=dict)
    refused: Mapping[str, str] = field(default_factory=dict)  # surface -> why
    error: str | None = None  # MLflow itself failed: the pass stopped there


class MlflowChampionSync:
    def __init__(
        self,
        models_dir: Path,
        tracking_uri: str,
        *,
        names: Mapping[str, str] = REGISTERED_MODELS,
        poll_seconds: float = 0.0,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.models_dir = models_dir
        self.tracking_uri = tracking_uri
        self.names = dict(names)
        self._poll_seconds = poll_seconds
        self._on_change = on_change
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client: MlflowClient | None = None
        self._refused: dict[tuple[str, str], str] = {}  # (model, version) -> why, not retried
        self.last_report: SyncReport | None = None
        # tqdm bars on stderr would land in the JSON logs; an operator's choice still wins.
        os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

    def sync(self, *, retry_refused: bool = False) -> SyncReport:
        """Fetch the champions not on disk and point aliases.json at them; never raises."""
        with self._lock:
            if retry_refused:
                self._refused.clear()
            champions: dict[str, str] = {}
            refused: dict[str, str] = {}
            error = None
            try:
                self.models_dir.mkdir(parents=True, exist_ok=True)
                self._drop_stale_staging()
                client = self._mlflow()
                for surface, name in self.names.items():
                    mv = self._champion(client, name)  # MLflow trouble stops the pass
                    if mv is not None:
                        self._fetch(surface, mv, champions, refused)
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                log.warning("mlflow_sync_failed", exc_info=True, extra={"error": error})
            changed = self._publish(champions)
            report = SyncReport(champions=champions, changed=changed, refused=refused,
                                error=error)  # fmt: skip
            self.last_report = report
            return report

    def _mlflow(self) -> MlflowClient:
        if self._client is None:
            from mlflow import MlflowClient

            self._client = MlflowClient(self.tracking_uri, registry_uri=self.tracking_uri)
        return self._client

    def _champion(self, client: MlflowClient, name: str) -> ModelVersion | None:
        from mlflow.exceptions import MlflowException

        try:
            return client.get_model_version_by_alias(name, CHAMPION)
        except MlflowException as exc:
            if exc.error_code in _NO_CHAMPION_CODES:
                return None  # not registered yet, or no champion: that surface keeps its alias
            raise

    def _fetch(
        self, surface: str, mv: ModelVersion, champions: dict[str, str], refused: dict[str, str]
    ) -> None:
        key = (str(mv.name), str(mv.version))
        if key in self._refused:
            refused[surface] = self._refused[key]
            return
        try:
            champions[surface] = self._local_folder(mv)
        except VersionRefusedError as exc:  # the same version will not get better
            self._refused[key] = refused[surface] = str(exc)
            log.error("mlflow_version_refused", extra={"surface": surface, "error": str(exc)})
        except Exception as exc:  # a download failing: tried again on the next pass
            refused[surface] = f"{key[0]} version {key[1]}: {type(exc).__name__}: {exc}"
            log.warning("mlflow_download_failed", exc_info=True, extra={"surface": surface})

    def _local_folder(self, mv: ModelVersion) -> str:
        """``<agora.model>@<version>`` on disk, downloading it when absent."""
        origin = Origin.of(mv)
        model = origin.tags.get(MODEL_TAG, "")
        if not _MODEL_NAME.fullmatch(model) or not origin.version.isdigit():
            raise VersionRefusedError(
                f"{origin.registered_model} version {origin.version}: tag {MODEL_TAG}="
                f"{model!r} is not a model name (or the version is not a number)"
            )
        folder = f"{model}@{origin.version}"
        target = self.models_dir / folder
        if target.exists():
            _check_same(target, origin)
        else:
            self._download(origin, target)
            log.info("mlflow_version_fetched", extra={"folder": folder, "run_id": origin.run_id})
        return folder

    def _download(self, origin: Origin, target: Path) -> None:
        import mlflow.artifacts

        staging = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=self.models_dir))
        try:
            # The version's own artifact location, asked of a client on our URI: MLflow
            # resolves a "models:/" URI against its process-wide registry instead
            # (MLFLOW_TRACKING_URI, else ./mlflow.db), whatever registry_uri says.
            root = self._mlflow().get_model_version_download_uri(
                origin.registered_model, origin.version
            )
            downloaded = mlflow.artifacts.download_artifacts(
                artifact_uri=root, dst_path=str(staging / "download"),
                tracking_uri=self.tracking_uri, registry_uri=self.tracking_uri,
            )  # fmt: skip
            candidate = staging / target.name
            _model_dir(Path(downloaded), origin).rename(candidate)
            (candidate / ORIGIN_FILE).write_text(json.dumps(asdict(origin), indent=2))
            _check_loads(candidate, origin)
            try:
                candidate.rename(target)  # atomic; fails when another worker got there first
            except OSError:
                if not target.is_dir():
                    raise
                _check_same(target, origin)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _publish(self, champions: Mapping[str, str]) -> dict[str, str]:
        """Point aliases.json at the champions that differ from it (the others keep theirs)."""
        try:
            current = read_aliases(self.models_dir)
        except ModelLoadError:
            current = {}  # no aliases.json yet
        changed = {s: f for s, f in champions.items() if current.get(s) != f}
        if changed:
            try:
                write_aliases(self.models_dir, changed)
            except (OSError, ValueError):
                log.exception("mlflow_aliases_write_failed")
                return {}
            log.info("mlflow_champions_published", extra={"aliases": changed})
        return changed

    def _drop_stale_staging(self) -> None:
        cutoff = time.time() - _STALE_STAGING_SECONDS
        for path in self.models_dir.glob(f"{_STAGING_PREFIX}*"):
            with contextlib.suppress(OSError):
                if path.stat().st_mtime < cutoff:
                    shutil.rmtree(path)

    def start(self) -> None:
        """Sync now and then every ``poll_seconds`` in a thread (0: never)."""
        if self._thread is None and self._poll_seconds > 0:
            self._thread = threading.Thread(target=self._run, name="recs-mlflow", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.sync().changed and self._on_change is not None:
                    self._on_change()
            except Exception:  # the loop must outlive any bug: serving keeps its versions
                log.exception("mlflow_sync_loop_failed")
            self._stop.wait(self._poll_seconds)


def _model_dir(downloaded: Path, origin: Origin) -> Path:
    """Our saved folder inside a downloaded pyfunc model (its ``model_dir`` artifact)."""
    from mlflow.models import Model

    what = f"{origin.registered_model} version {origin.version}"
    try:
        flavor: Any = Model.load(str(downloaded)).flavors["python_function"]
        relative = str(flavor["artifacts"][MODEL_DIR_ARTIFACT]["path"])
    except Exception as exc:
        raise VersionRefusedError(f"{what}: no {MODEL_DIR_ARTIFACT!r} artifact ({exc})") from exc
    path = (downloaded / relative).resolve()
    if not path.is_relative_to(downloaded.resolve()) or not path.is_dir():
        raise VersionRefusedError(f"{what}: {MODEL_DIR_ARTIFACT!r} is not a folder")
    return path


def _check_loads(candidate: Path, origin: Origin) -> None:
    """Load the staged folder as serving would (the search index without its encoder)."""
    what = f"{origin.registered_model} version {origin.version}"
    name, _ = split_folder(candidate.name)
    try:
        if name == "search":
            from recsys.search import SearchIndex

            SearchIndex.load(candidate)  # the query encoder is the same for every version
            return
        loaded = getattr(load_model(candidate), "name", name)
    except Exception as exc:
        raise VersionRefusedError(f"{what} does not load as {name!r}: {exc}") from exc
    if loaded != name:
        raise VersionRefusedError(f"{what} holds {loaded!r}, but {MODEL_TAG} says {name!r}")


def _check_same(target: Path, origin: Origin) -> None:
    """An existing folder must be this very version (not a local one or another model's)."""
    found = read_origin(target)
    if found is None or not found.same_version(origin):
        held = f"version {found.version} of {found.registered_model}" if found else "no mlflow.json"
        raise VersionRefusedError(
            f"{target.name} exists but holds {held}, not version {origin.version} of "
            f"{origin.registered_model}"
        )
