"""The advice batch fits the registered champions' recipes: ``agora advice refresh
--forecaster champion --pricing champion``.

Versions are registered here as the pipelines' ``register`` stages do
(``pipelines.tracking.log_pyfunc_folder``: our folder as the ``model_dir`` artifact of a
pyfunc logged as code, tagged ``agora.model``), without running the pipelines: a Croston
forecaster with a non-default ``alpha``, and an elasticity model whose recipe is lax enough
to find elasticities on the tiny marketplace (where the library's defaults find none, see
test_pricing_pipeline.py). The pricing champion is version 1; a version 2 with the default
recipe is registered beside it as a mere challenger.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from forecasting.base import Panel
from marketplace.bootstrap import Marketplace
from pipelines import runtime
from pipelines.registry import CHAMPION, promote
from pipelines.runtime import Tracking
from pricing.model import ElasticityRecipe, fit_elasticity_model

NOW = datetime(2026, 1, 30, 6, tzinfo=UTC)  # the morning after the tiny market's last day
HORIZON = 7
CROSTON = {"alpha": 0.3, "sba": True}  # not Croston's default alpha (0.1)
LAX = ElasticityRecipe(min_units=3.0, min_days=14, max_se=10.0, market_index=False,
                       day_of_week=False, trend_degree=0)  # fmt: skip


@dataclass(frozen=True)
class Panels:
    sku: Panel
    product: Panel
    categories: dict[str, str]


def _panels(url: str) -> Panels:
    """The panels the batch builds at NOW (the same export and panel functions)."""
    from forecasting.panel import panel_from_lines, read_orders
    from marketplace.db.engine import make_engine
    from marketplace.exports.domain import Dataset, ExportRequest
    from marketplace.exports.services import export_dataset
    from serving.advice.producer import _categories

    engine = make_engine(url)
    with tempfile.TemporaryDirectory() as tmp:
        request = ExportRequest.of(Dataset.ORDERS, since=NOW - timedelta(days=365), until=NOW,
                                   now=NOW)  # fmt: skip
        export_dataset(request, engine=engine, out_dir=Path(tmp))
        lines, categories = read_orders(Path(tmp) / "orders"), _categories(Path(tmp) / "orders")
    engine.dispose()
    end = NOW.date() - timedelta(days=1)
    return Panels(panel_from_lines(lines, level="sku", end=end, min_total_units=1),
                  panel_from_lines(lines, level="product", end=end, min_total_units=1),
                  categories)  # fmt: skip


def _register(tracking: Tracking, registered: str, folder: Path, **kwargs: Any) -> str:
    import mlflow

    from pipelines.tracking import log_pyfunc_folder, requirements

    runtime.setup_mlflow(tracking)
    experiment = runtime.experiment_id(tracking, "agora-advice-test")
    client = runtime.client(tracking)
    with mlflow.start_run(experiment_id=experiment):
        return log_pyfunc_folder(client, registered_name=registered, folder=folder,
                                 pip_requirements=requirements(("mlflow", "numpy")),
                                 **kwargs)  # fmt: skip


@pytest.fixture(scope="module")
def panels(market_url: str) -> Panels:
    return _panels(market_url)


@pytest.fixture(scope="module")
def champions(
    tracking: Tracking, panels: Panels, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """agora-forecast-demand v1 (Croston) and agora-pricing-elasticity v1 (LAX) champions,
    agora-pricing-elasticity v2 (the default recipe) not."""
    from forecasting import factory
    from pipelines.forecast import pyfunc as forecast_pyfunc
    from pipelines.forecast.config import REGISTERED as FORECAST
    from pipelines.pricing import pyfunc as pricing_pyfunc
    from pipelines.pricing.config import REGISTERED as PRICING

    root = tmp_path_factory.mktemp("champions")
    forecaster = root / "croston" / "model_dir"
    factory.make("croston", **CROSTON).fit(panels.sku).save(forecaster)
    settings = root / forecast_pyfunc.SETTINGS_FILE
    settings.write_text(json.dumps({"horizon": HORIZON}))
    example = str(panels.sku.series_ids[0])
    forecast = _register(
        tracking, FORECAST, forecaster, python_model=forecast_pyfunc.CODE_FILE,
        artifacts={forecast_pyfunc.SETTINGS: settings}, signature=forecast_pyfunc.SIGNATURE,
        input_example=forecast_pyfunc.input_example(example, HORIZON),
        tags={"agora.model": "croston"},
    )  # fmt: skip
    versions = {}
    for name, recipe in (("lax", LAX), ("defaults", ElasticityRecipe())):
        folder = root / name / "model_dir"
        model = fit_elasticity_model(panels.product, groups=panels.categories, recipe=recipe)
        model.save(folder)
        versions[name] = _register(
            tracking, PRICING, folder, python_model=pricing_pyfunc.CODE_FILE, artifacts={},
            signature=pricing_pyfunc.SIGNATURE,
            input_example=pricing_pyfunc.input_example(str(model.product_ids[0])),
            tags={"agora.model": "elasticity"},
        )  # fmt: skip
    client = runtime.client(tracking)
    promote(client, FORECAST, forecast)
    promote(client, PRICING, versions["lax"])
    return {"forecast": forecast, "pricing": versions["lax"], "challenger": versions["defaults"]}


@contextmanager
def _mlflow_elsewhere(store: Path) -> Iterator[None]:
    """MLflow's process-wide URIs point at another store (as ``./mlflow.db``, MLflow's
    default, would): the batch must ask AGORA_MLFLOW_TRACKING_URI's store only."""
    import mlflow.tracking._model_registry.utils as registry_uris
    import mlflow.tracking._tracking_service.utils as tracking_uris

    before = (tracking_uris._tracking_uri, registry_uris._registry_uri)
    other: Any = f"sqlite:///{store}"  # the globals are typed as they start: None
    tracking_uris._tracking_uri = registry_uris._registry_uri = other
    try:
        yield
    finally:
        tracking_uris._tracking_uri, registry_uris._registry_uri = before


def _market(market_url: str, tmp_path: Path, tracking_uri: str) -> Marketplace:
    """A copy of the module's marketplace where every merchant prices for revenue (no unit
    costs are needed), at NOW."""
    from marketplace.advice import services
    from marketplace.advice.commands import SetPricingPolicy
    from marketplace.bootstrap import bootstrap
    from marketplace.config import Settings
    from marketplace.parties.adapters.tables import merchants
    from marketplace.shared.adapters.cache import InMemoryCache
    from marketplace.shared.clock import FixedClock

    copy = tmp_path / "market.db"
    shutil.copyfile(market_url.removeprefix("sqlite:///"), copy)
    settings = Settings(database_url=f"sqlite:///{copy}", env="test", log_json=False,
                        mlflow_tracking_uri=tracking_uri)  # fmt: skip
    app = bootstrap(settings, cache=InMemoryCache(), clock=FixedClock(NOW))
    with app.engine.connect() as conn:
        approved = merchants.c.status == "approved"
        ids = conn.execute(select(merchants.c.id).where(approved)).scalars().all()
    for merchant_id in ids:
        policy = SetPricingPolicy(merchant_id=merchant_id, actor_id="test", objective="revenue")
        services.set_pricing_policy(policy, uow=app.uow())
    return app


def _stored(app: Marketplace) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from marketplace.advice.adapters.tables import demand_forecasts, price_suggestions

    with app.engine.connect() as conn:
        forecasts = [dict(r) for r in conn.execute(select(demand_forecasts)).mappings()]
        suggestions = [dict(r) for r in conn.execute(select(price_suggestions)).mappings()]
    return forecasts, suggestions


def _models(rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(r["model_name"], r["model_version"]) for r in rows}


def test_advice_fits_both_registered_champions_recipes_and_records_their_versions(
    champions: dict[str, str], panels: Panels, tracking: Tracking, market_url: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    from forecasting import factory
    from serving.advice.producer import refresh_advice, summary

    app = _market(market_url, tmp_path, tracking.uri)
    elsewhere = tmp_path / "elsewhere.db"
    try:
        with _mlflow_elsewhere(elsewhere):
            run = refresh_advice(app, horizon=HORIZON, forecaster="champion", pricing="champion")
        forecasts, suggestions = _stored(app)
    finally:
        app.engine.dispose()

    assert not elsewhere.exists()  # never looked up there

    version = f"elasticity@mlflow-v{champions['pricing']}"
    assert (run.pricing, run.pricing_version) == ("elasticity", version)
    assert f"(elasticity ({version}))" in summary(run)
    # the champion's recipe, refitted on the batch's panel: what it finds, not the defaults'
    lax = fit_elasticity_model(panels.product, groups=panels.categories, recipe=LAX)
    assert run.products_identified == lax.summary()["identifiable"] > 0
    assert run.products_estimated == len(lax)
    assert run.suggestions == len(suggestions) > 0
    assert _models(suggestions) == {("elasticity", version)}
    for s in suggestions:  # each uses its product's elasticity from that recipe
        assert s["elasticity"] == pytest.approx(lax.policy_elasticity(s["product_id"]).value)

    assert run.model_version == f"croston@mlflow-v{champions['forecast']}"
    assert _models(forecasts) == {("croston", run.model_version)}
    # the champion's parameters (alpha 0.3), refitted on the batch's fresh panel
    expected = factory.make("croston", **CROSTON).fit(panels.sku).predict(HORIZON)
    default = factory.make("croston").fit(panels.sku).predict(HORIZON)
    row = {str(s): i for i, s in enumerate(expected.series_ids)}
    for f in forecasts:
        assert f["mean"] == pytest.approx(expected.mean[row[f["sku_id"]]].tolist())
    assert not np.allclose(expected.mean, default.mean)  # alpha matters on this market


def test_the_default_pricing_keeps_the_librarys_estimates(
    champions: dict[str, str], tracking: Tracking, market_url: str, tmp_path: Path
) -> None:
    from serving.advice.producer import refresh_advice

    app = _market(market_url, tmp_path, tracking.uri)
    try:
        run = refresh_advice(app, horizon=HORIZON)
        forecasts, suggestions = _stored(app)
    finally:
        app.engine.dispose()

    assert (run.pricing, run.pricing_version) == ("elasticity_policy", None)
    assert run.products_identified == 0 < run.products_estimated  # too little for defaults
    assert run.kept["not_identifiable"] > 0
    assert suggestions == []
    assert _models(forecasts) == {("tsb", "tsb@2026-01-29")}


def _cli(args: list[str], url: str, tracking_uri: str) -> Any:
    from marketplace.config import get_settings
    from serving.cli import app

    with pytest.MonkeyPatch.context() as env:
        env.setenv("AGORA_DATABASE_URL", url)
        env.setenv("AGORA_MLFLOW_TRACKING_URI", tracking_uri)
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, ["advice", "refresh", *args])
        finally:
            get_settings.cache_clear()


def _counts(app: Marketplace) -> tuple[int, int]:
    from marketplace.advice.adapters.tables import demand_forecasts, price_suggestions

    with app.engine.connect() as conn:
        forecasts = conn.execute(select(func.count()).select_from(demand_forecasts)).scalar_one()
        suggestions = conn.execute(select(func.count()).select_from(price_suggestions)).scalar_one()
    return int(forecasts), int(suggestions)


def test_without_a_pricing_champion_the_cli_says_no_champion_and_writes_nothing(
    champions: dict[str, str], tracking: Tracking, market_url: str, tmp_path: Path
) -> None:
    from pipelines.pricing.config import REGISTERED

    app = _market(market_url, tmp_path, tracking.uri)
    url = str(app.engine.url)
    client = runtime.client(tracking)
    args = ["--forecaster", "champion", "--pricing", "champion", "--horizon", str(HORIZON)]
    client.delete_registered_model_alias(REGISTERED, CHAMPION)  # v1 and v2 stay registered
    try:
        done = _cli(args, url, tracking.uri)
    finally:
        client.set_registered_model_alias(REGISTERED, CHAMPION, champions["pricing"])
    try:
        assert done.exit_code == 1, done.output
        assert "error: no_champion" in done.output
        assert f"no {REGISTERED}@champion at {tracking.uri}" in done.output
        assert "agora train pricing" in done.output
        # the forecast champion exists, yet nothing was forecast: both resolve first
        assert _counts(app) == (0, 0)

        missing = tmp_path / "none.db"
        done = _cli(["--pricing", "champion"], url, f"sqlite:///{missing}")
        assert done.exit_code == 1
        assert "no_champion" in done.output
        assert not missing.exists()  # nothing created by looking
        assert _counts(app) == (0, 0)

        done = _cli(["--pricing", "latest"], url, tracking.uri)
        assert done.exit_code == 1
        assert "error: unknown_pricing: 'latest'" in done.output

        done = _cli(args, url, tracking.uri)  # the alias back: the same command succeeds
        assert done.exit_code == 0, done.output
        assert f"(elasticity@mlflow-v{champions['pricing']})" in done.output
        assert f"(croston@mlflow-v{champions['forecast']})" in done.output
    finally:
        app.engine.dispose()


def test_mlflow_down_says_mlflow_unavailable_and_writes_nothing(
    market_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    app = _market(market_url, tmp_path, "unused")
    try:
        done = _cli(["--pricing", "champion"], str(app.engine.url), f"http://127.0.0.1:{port}")
        assert done.exit_code == 1, done.output
        assert "error: mlflow_unavailable: agora-pricing-elasticity@champion" in done.output
        assert _counts(app) == (0, 0)
    finally:
        app.engine.dispose()


def test_a_champion_without_an_elasticity_recipe_is_refused(
    champions: dict[str, str], tracking: Tracking, tmp_path: Path
) -> None:
    """A pricing version whose model.json holds another model cannot be fitted as one."""
    from pipelines.pricing.config import REGISTERED
    from serving.advice.champions import NoChampionError
    from serving.advice.producer import champion_pricing

    client = runtime.client(tracking)
    client.set_registered_model_alias(REGISTERED, CHAMPION, champions["challenger"])
    try:
        assert champion_pricing(tracking.uri).recipe == ElasticityRecipe()
        client.set_model_version_tag(REGISTERED, champions["challenger"], "agora.model", "tsb")
        with pytest.raises(NoChampionError, match="is tagged 'tsb' but holds 'elasticity'"):
            champion_pricing(tracking.uri)
    finally:
        client.set_model_version_tag(REGISTERED, champions["challenger"], "agora.model",
                                     "elasticity")  # fmt: skip
        client.set_registered_model_alias(REGISTERED, CHAMPION, champions["pricing"])


def test_an_mlflow_that_does_not_answer_is_reported_after_the_wait(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GET /api/v1/models must not hang on MLflow: a server that accepts the connection
    and never answers is reported once the wait is over."""
    import socket
    import time

    from serving.advice.champions import registered_champions

    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "5")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # connections queue up; nothing ever accepts or answers them
        started = time.monotonic()
        report = registered_champions(f"http://127.0.0.1:{silent.getsockname()[1]}",
                                      seconds=0.5)  # fmt: skip
        waited = time.monotonic() - started
    assert report.error == "TimeoutError: MLflow did not answer within 0.5 s"
    assert report.champions == ()
    assert 0.5 <= waited < 3
