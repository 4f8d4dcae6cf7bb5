"""Wiring of recommendation serving inside one API process.

``RecsRuntime`` owns the model registry, the sellable-products cache, the impression
writer, the MLflow champion sync (with ``AGORA_RECS_MLFLOW_SYNC``) and their background
threads. ``app_from_env`` (the real server) starts it with the application, so models
load once before the first request; an application built around a given container (tests)
starts it on the first recommendation request instead, so that suites which never ask for
one pay nothing.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from marketplace.behaviour.impressions import ImpressionBuffer
from marketplace.catalog.queries import sellable
from serving.recs.catalog import CategorySource, FactsSource, SellableCatalog
from serving.recs.mlflow_sync import MlflowChampionSync, Origin, read_origin
from serving.recs.registry import ModelLoadError, ModelRegistry, Served
from serving.recs.service import Recommendations

if TYPE_CHECKING:
    from marketplace.bootstrap import Marketplace


class _Background(Protocol):
    def start(self) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class ServedVersion:
    """What one surface serves, and the MLflow version it came from (None: a local one)."""

    surface: str
    served: Served
    origin: Origin | None


class RecsRuntime:
    def __init__(
        self,
        container: Marketplace,
        *,
        facts: FactsSource | None = None,
        categories: CategorySource | None = None,
    ) -> None:
        s, engine = container.settings, container.engine
        self.registry = ModelRegistry(s.models_dir, poll_seconds=s.recs_reload_seconds)
        # Off unless asked: the demo and the tests without MLflow keep the folder registry.
        # The thread syncs at once, so start-up never waits for MLflow.
        self.mlflow: MlflowChampionSync | None = None
        if s.recs_mlflow_sync:
            self.mlflow = MlflowChampionSync(
                s.models_dir, s.mlflow_tracking_uri, poll_seconds=s.recs_reload_seconds,
                on_change=self._models_changed,
            )  # fmt: skip
        # A broken version is logged; popular from the database serves until a good one.
        with contextlib.suppress(ModelLoadError):
            self.registry.reload(force=True)
        self.catalog = SellableCatalog(
            facts or (lambda since: sellable.product_facts(engine, since=since)),
            categories or (lambda: sellable.category_parents(engine)),
            refresh_seconds=s.recs_sellable_refresh_seconds,
        )
        self.impressions = ImpressionBuffer(container.impressions)
        self.service = Recommendations(
            registry=self.registry, catalog=self.catalog, impressions=self.impressions,
            engine=engine, clock=container.clock, exclude_purchased=s.recs_exclude_purchased,
        )  # fmt: skip
        for part in self._parts():
            part.start()

    def _parts(self) -> list[_Background]:
        parts: list[_Background] = [self.registry, self.catalog, self.impressions]
        return [*parts, self.mlflow] if self.mlflow is not None else parts

    def _models_changed(self) -> None:
        with contextlib.suppress(ModelLoadError):  # logged; the old snapshot keeps serving
            self.registry.reload()

    def served(self) -> list[ServedVersion]:
        """Per surface, the version serving now and its MLflow origin."""
        folder = self.registry.models_dir
        return [
            ServedVersion(surface, served, read_origin(folder / served.folder))
            for surface, served in self.registry.snapshot.models.items()
        ]

    def close(self) -> None:
        for part in self._parts():
            part.close()


class RecsHolder:
    """Builds the runtime once (at start-up or on first use) and closes it at shutdown."""

    def __init__(self, container: Callable[[], Marketplace]) -> None:
        self._container = container
        self._lock = threading.Lock()
        self._runtime: RecsRuntime | None = None

    def get(self) -> RecsRuntime:
        if self._runtime is None:
            with self._lock:
                if self._runtime is None:
                    self._runtime = RecsRuntime(self._container())
        return self._runtime

    def close(self) -> None:
        with self._lock:
            if self._runtime is not None:
                self._runtime.close()
                self._runtime = None
