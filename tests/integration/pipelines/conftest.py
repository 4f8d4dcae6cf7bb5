"""A tiny synthetic marketplace in SQLite (seeded through the real seeder) and a temporary
MLflow store, shared by a test module: seeding and MLflow's schema take seconds."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from pipelines.runtime import Tracking

SMALL = {"users": 120, "merchants": 4, "products": 60, "days": 60, "seed": 11}


def seed_market(directory: Path, **changes: int) -> str:
    """A seeded SQLite marketplace (``SMALL``, with ``changes``); returns its URL."""
    from marketplace.db.engine import make_engine
    from marketplace.db.schema import load_all_tables, metadata
    from marketplace.seeding.synthetic import SyntheticParams
    from marketplace.seeding.synthetic.seed import seed_synthetic

    url = f"sqlite:///{directory / 'market.db'}"
    engine = make_engine(url)
    load_all_tables()
    metadata.create_all(engine)
    params = SyntheticParams(**(SMALL | changes), start=date(2025, 12, 1)).validate()  # type: ignore[arg-type]
    seed_synthetic(engine, params, truth_path=directory / "truth.json")
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def market_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return seed_market(tmp_path_factory.mktemp("market"))


@pytest.fixture(scope="module")
def tracking(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tracking]:
    """A fresh MLflow store; the process-wide MLflow URIs are restored afterwards."""
    import mlflow.tracking._model_registry.utils as registry_uris
    import mlflow.tracking._tracking_service.utils as tracking_uris

    root = tmp_path_factory.mktemp("mlflow")
    # The raw module globals, not get_*_uri(): those resolve an unset URI to a default, and
    # setting that back would pin it for every later test in the process.
    before = (tracking_uris._tracking_uri, registry_uris._registry_uri)
    variables = ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI")  # set_*_uri export them too
    environment = {name: os.environ.get(name) for name in variables}
    yield Tracking(f"sqlite:///{root / 'mlflow.db'}", root / "artifacts")
    tracking_uris._tracking_uri, registry_uris._registry_uri = before
    for name, value in environment.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
