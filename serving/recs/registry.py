"""Which model version serves which surface, loaded once and swapped without a restart.

Layout of ``AGORA_MODELS_DIR``::

    aliases.json          {"user": "als@3", "similar": "item_knn@2", "search": "search@1", ...}
    als@3/                one folder per model version: <model name>@<version>
    item_knn@2/
    search@1/

The registry loads every folder the aliases name into an immutable ``Snapshot`` and
requests read ``registry.snapshot`` (one attribute read: a swap is atomic). ``reload``
builds a new snapshot beside the old one, reusing models whose folder did not change, and
swaps it in only when everything loaded: a broken new version leaves the old one serving.
A background thread polls the mtime of aliases.json every ``poll_seconds``; platform admins
can also ``POST /api/v1/admin/recs/reload``. Each worker process holds its own registry,
so an admin reload reaches the worker that answered it and polling reaches the rest.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger("agora.recs.registry")

ALIASES_FILE = "aliases.json"
# Surfaces a caller may alias; "popular" is the fallback ranking of every surface.
SURFACES = ("user", "similar", "bought_together", "trending", "popular", "search")
# Model names outside recsys.factory (content, hybrid): "module:Class" with load().
_EXTRA_LOADERS = {
    "content": "recsys.content.model:ContentRecommender",
    "hybrid": "recsys.hybrid:HybridRecommender",
}


class ModelLoadError(RuntimeError):
    """aliases.json or a model folder it names could not be read."""


@dataclass(frozen=True)
class Served:
    """One loaded model version."""

    name: str
    version: str
    folder: str
    model: Any
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class Snapshot:
    models: Mapping[str, Served] = field(default_factory=dict)  # surface -> model
    aliases_mtime: float | None = None
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def get(self, surface: str) -> Served | None:
        return self.models.get(surface)


def split_folder(folder: str) -> tuple[str, str]:
    """``"als@3"`` -> ("als", "3"); ModelLoadError for anything else."""
    name, at, version = folder.partition("@")
    if not at or not name or not version or "/" in folder or folder.startswith("."):
        raise ModelLoadError(f"model folder {folder!r} is not <name>@<version>")
    return name, version


def load_model(path: Path) -> Any:
    """Load one saved model by the name in its folder (no pickle anywhere)."""
    name, _ = split_folder(path.name)
    from recsys import factory

    if name in factory.MODELS:
        return factory.load(path)
    if name == "search":
        from recsys.content.embed import TextEncoder
        from recsys.search import SearchIndex

        # The query encoder (all-MiniLM-L6-v2, offline) loads once per worker, with an index
        # that has vectors; a keyword-only index needs none.
        encoder = TextEncoder() if (path / "index.faiss").exists() else None
        return SearchIndex.load(path, encoder=encoder)
    target = _EXTRA_LOADERS.get(name)
    if target is None:
        raise ModelLoadError(f"{path.name}: no loader for model {name!r}")
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr).load(path)


def read_aliases(models_dir: Path) -> dict[str, str]:
    path = models_dir / ALIASES_FILE
    try:
        raw = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelLoadError(f"cannot read {path}: {exc}") from exc
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise ModelLoadError(f"{path} must map surface names to model folders")
    return {k: v for k, v in raw.items() if k in SURFACES}


class ModelRegistry:
    def __init__(self, models_dir: Path, *, poll_seconds: float = 10.0) -> None:
        self.models_dir = models_dir
        self._poll_seconds = poll_seconds
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.snapshot = Snapshot()
        self.last_error: str | None = None

    def _mtime(self) -> float | None:
        try:
            return (self.models_dir / ALIASES_FILE).stat().st_mtime
        except OSError:
            return None

    def reload(self, *, force: bool = False) -> Snapshot:
        """Load what aliases.json names now (when it changed, or always with ``force``);
        the old snapshot keeps serving when anything fails."""
        with self._lock:
            mtime = self._mtime()
            if mtime is None:  # no models yet: every surface falls back to the database
                self.snapshot = Snapshot()
                return self.snapshot
            if not force and mtime == self.snapshot.aliases_mtime:
                return self.snapshot
            try:
                self.snapshot = self._load(mtime)
                self.last_error = None
            except Exception as exc:  # keep serving the previous versions
                self.last_error = str(exc)
                log.exception("recs_reload_failed")
                raise ModelLoadError(str(exc)) from exc
            log.info("recs_reloaded", extra={"aliases": self.describe()})
            return self.snapshot

    def _load(self, mtime: float) -> Snapshot:
        old = {s.folder: s for s in self.snapshot.models.values()}
        models: dict[str, Served] = {}
        for surface, folder in read_aliases(self.models_dir).items():
            name, version = split_folder(folder)
            served = old.get(folder)
            if served is None:
                path = self.models_dir / folder
                if not path.is_dir():
                    raise ModelLoadError(f"{ALIASES_FILE} names {folder!r}, which is absent")
                served = Served(name, version, folder, load_model(path))
                old[folder] = served
            models[surface] = served
        return Snapshot(models=models, aliases_mtime=mtime)

    def describe(self) -> dict[str, str]:
        return {surface: s.folder for surface, s in self.snapshot.models.items()}

    def start(self) -> None:
        if self._thread is None and self._poll_seconds > 0:
            self._thread = threading.Thread(target=self._run, name="recs-registry", daemon=True)
            self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.wait(self._poll_seconds):
            with contextlib.suppress(ModelLoadError):  # logged; polled again next time
                self.reload()
