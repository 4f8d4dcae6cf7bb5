"""The demand-forecast pipeline end to end on a tiny seeded marketplace (60 days, ~60 SKUs):
local Ray (one session for the module), a temporary SQLite MLflow store, 7-day windows.

A first run backtests seasonal naive and TSB, registers the champion rule's pick and, with
no champion yet, promotes it. A second run of the same recipe re-fits the champion on its
own split and is promoted as a refresh. A third, through ``agora train forecast``, offers
only seasonal naive: a new recipe that scores worse than the champion re-fitted on that
run's split, refused by the gate. The advice batch then fits the registered champion's
recipe (``forecaster="champion"``).
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from pipelines import runtime
from pipelines.families import FAMILIES, family
from pipelines.family import CommonOptions, run_family
from pipelines.forecast.config import EXPERIMENT, REGISTERED, ForecastConfig
from pipelines.registry import CHALLENGER, CHAMPION, alias_version
from pipelines.runtime import RayOptions, Tracking

SMALL = {"horizon": 7, "windows": 2, "n_boot": 200, "candidates": ("seasonal_naive", "tsb")}
STAGES = ["extract", "build", "tune", "train", "evaluate", "register", "promote"]


@pytest.fixture(scope="module")
def ray_local() -> Iterator[None]:
    owned = runtime.start_ray(RayOptions())
    yield
    if owned:
        runtime.stop_ray()


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runs")


def _options(tracking: Tracking, url: str, root: Path, **kwargs: Any) -> CommonOptions:
    return CommonOptions(tracking=tracking, database_url=url, root=root, **kwargs)


def _run(options: CommonOptions, **changes: Any) -> dict[str, Any]:
    base: ForecastConfig = family("forecast").config(options)
    config = dataclasses.replace(base, **{**SMALL, **changes})
    return run_family(family("forecast"), options, config=config)


@pytest.fixture(scope="module")
def first(ray_local: None, tracking: Tracking, market_url: str, runs_dir: Path) -> dict[str, Any]:
    return _run(_options(tracking, market_url, runs_dir, run_id="first"))


@pytest.fixture(scope="module")
def refresh(first: dict[str, Any], tracking: Tracking, market_url: str,
            runs_dir: Path) -> dict[str, Any]:  # fmt: skip
    return _run(_options(tracking, market_url, runs_dir, run_id="refresh"))


@pytest.fixture(scope="module")
def worse(refresh: dict[str, Any], tracking: Tracking, market_url: str,
          runs_dir: Path) -> dict[str, Any]:  # fmt: skip
    """Seasonal naive alone, through the command line."""
    from marketplace.config import get_settings
    from serving.cli import app

    with pytest.MonkeyPatch.context() as env:
        env.setenv("AGORA_DATABASE_URL", market_url)
        env.setenv("AGORA_MLFLOW_TRACKING_URI", tracking.uri)
        env.setenv("AGORA_MLFLOW_ARTIFACTS", str(tracking.artifacts))
        get_settings.cache_clear()
        try:
            done = CliRunner().invoke(app, [
                "train", "forecast", "--runs-dir", str(runs_dir), "--run-id", "worse",
                "--candidates", "seasonal_naive", "--horizon", "7", "--windows", "2",
            ])  # fmt: skip
        finally:
            get_settings.cache_clear()
    assert done.exit_code == 0, done.output
    assert "refused" in done.output
    results: dict[str, Any] = json.loads((runs_dir / "forecast" / "worse" / "results.json")
                                         .read_text())  # fmt: skip
    return results


def test_the_family_is_one_agora_train_all_runs() -> None:
    assert FAMILIES["forecast"] == "pipelines.forecast.pipeline"
    assert family("forecast").stage_names == STAGES
    assert family("forecast").experiment == EXPERIMENT


def test_a_run_registers_the_champion_rules_pick_and_promotes_it(
    first: dict[str, Any], tracking: Tracking
) -> None:
    client = runtime.client(tracking)
    entry = first["versions"]["demand"]
    version = client.get_model_version(REGISTERED, entry["version"])
    evaluation = json.loads((Path(first["run_dir"]) / "evaluate" / "evaluation.json").read_text())
    models = evaluation["models"]

    assert first["complete"]
    assert entry["model"] == evaluation["verdict"]["champion"]
    assert models[entry["model"]]["rmsse"] == min(m["rmsse"] for m in models.values())
    assert set(version.aliases) == {CHAMPION, CHALLENGER}
    assert version.tags["agora.model"] == entry["model"]
    assert version.tags["agora.metric"] == "rmsse"
    assert float(version.tags["agora.score"]) == pytest.approx(models[entry["model"]]["rmsse"])
    assert version.tags["agora.run_id"] == "first"
    assert [d["reason"] for d in first["decisions"]] == ["no champion yet"]
    for name in SMALL["candidates"]:  # every candidate's scores and paired interval
        scores = models[name]
        assert {"rmsse", "wape", "bias", "coverage_80", "coverage_90"} <= set(scores)
        assert len(scores["windows"]) == 2
        interval = scores["vs_best_baseline"]
        assert interval["low"] <= interval["value"] <= interval["high"]
    assert [s["stage"] for s in first["stages"]] == STAGES


def test_the_mlflow_run_holds_params_metrics_fingerprint_and_reports(
    first: dict[str, Any], tracking: Tracking
) -> None:
    client = runtime.client(tracking)
    run = client.get_run(first["mlflow_run_id"])
    split = json.loads((Path(first["run_dir"]) / "build" / "split.json").read_text())

    assert run.data.params["chosen_model"] == first["versions"]["demand"]["model"]
    assert run.data.params["config.horizon"] == "7"
    assert run.data.params["windows"] == "2"
    assert run.data.params["tuned"] == "False"  # no LSTM among the candidates
    assert run.data.params["data.sha256"] == first["fingerprint"]["sha256"]
    assert int(run.data.params["data.orders.rows"]) > 100
    assert run.data.metrics["test.tsb.rmsse"] > 0
    assert run.data.metrics["test.seasonal_naive.rmsse"] > 0
    assert run.data.metrics["data.series"] == split["series"]
    assert run.data.tags["agora.gate"] == "promoted"
    assert run.data.tags["agora.git_commit"] == str(first["code_version"]["commit"])
    reports = {a.path for a in client.list_artifacts(run.info.run_id, "reports")}
    assert {"reports/split.json", "reports/evaluation.json"} <= reports
    assert split["split"]["origins"] == [split["days"] - 14, split["days"] - 7]
    assert split["split"]["validation_origin"] == split["days"] - 21


def test_the_registered_version_loads_as_a_pyfunc_and_forecasts(
    first: dict[str, Any], tracking: Tracking
) -> None:
    import mlflow
    import pandas as pd

    runtime.setup_mlflow(tracking)
    model = mlflow.pyfunc.load_model(f"models:/{REGISTERED}@{CHAMPION}")
    trained = json.loads((Path(first["run_dir"]) / "train.done.json").read_text())["outputs"]
    series = trained["example_series"]

    out = model.predict(pd.DataFrame({"series_id": [series], "horizon": [3]}))

    assert out["series_id"].tolist() == [series] * 3
    first_day = date.fromisoformat(trained["trained_until"]) + timedelta(days=1)
    assert out["date"].dt.date.tolist() == [first_day + timedelta(days=d) for d in range(3)]
    assert (out["mean"] >= 0).all()
    assert (out["q0.1"] <= out["q0.9"]).all()


def test_a_refresh_refits_the_champion_on_its_split_and_is_promoted(
    first: dict[str, Any], refresh: dict[str, Any], tracking: Tracking
) -> None:
    client = runtime.client(tracking)
    decision = refresh["decisions"][0]

    assert decision["same_recipe"] is True
    assert decision["champion_version"] == first["versions"]["demand"]["version"]
    assert decision["champion_score"] == pytest.approx(decision["challenger_score"])
    assert decision["promoted"]
    assert "same recipe, tolerance" in decision["reason"]
    champion = alias_version(client, REGISTERED, CHAMPION)
    assert champion is not None
    assert str(champion.version) == refresh["versions"]["demand"]["version"]
    run = client.get_run(refresh["mlflow_run_id"])
    assert run.data.metrics["gate.same_recipe"] == 1.0
    assert run.data.metrics["gate.champion_score"] == pytest.approx(decision["champion_score"])


def test_the_gate_refuses_a_worse_new_recipe_and_says_why(
    refresh: dict[str, Any], worse: dict[str, Any], tracking: Tracking
) -> None:
    client = runtime.client(tracking)
    decision = worse["decisions"][0]
    champion_model = refresh["versions"]["demand"]["model"]

    assert worse["versions"]["demand"]["model"] == "seasonal_naive" != champion_model
    assert not decision["promoted"]
    assert decision["same_recipe"] is False
    assert decision["higher_is_better"] is False
    assert decision["champion_version"] == refresh["versions"]["demand"]["version"]
    # the champion's recipe re-fitted and scored on this run's split: the same panel and
    # origins as the refresh run's, so the same score
    refreshed = refresh["metrics"][f"test.{champion_model}.rmsse"]
    assert decision["champion_score"] == pytest.approx(refreshed)
    assert decision["challenger_score"] > decision["champion_score"]
    assert decision["reason"].startswith("rmsse ")
    assert " < " in decision["reason"]
    champion = alias_version(client, REGISTERED, CHAMPION)
    challenger = alias_version(client, REGISTERED, CHALLENGER)
    assert champion is not None
    assert challenger is not None
    assert str(champion.version) == refresh["versions"]["demand"]["version"]
    assert str(challenger.version) == worse["versions"]["demand"]["version"]
    run = client.get_run(worse["mlflow_run_id"])
    assert run.data.tags["agora.gate"] == "refused"
    assert run.data.tags["agora.gate_reason"] == decision["reason"]
    assert run.data.metrics["gate.promoted"] == 0.0
    assert run.data.metrics["gate.improvement"] < 0


def test_running_the_same_run_again_skips_every_done_stage(
    first: dict[str, Any], tracking: Tracking, market_url: str, runs_dir: Path
) -> None:
    client = runtime.client(tracking)
    before = client.search_model_versions(f"name = '{REGISTERED}'")

    again = _run(_options(tracking, market_url, runs_dir, run_id="first"))

    assert [s["skipped"] for s in again["stages"]] == [True] * len(STAGES)
    assert again["versions"] == first["versions"]
    assert len(client.search_model_versions(f"name = '{REGISTERED}'")) == len(before)


def test_train_forecast_refuses_an_unknown_candidate() -> None:
    from serving.cli import app

    done = CliRunner().invoke(app, ["train", "forecast", "--candidates", "tsb,prophet"])

    assert done.exit_code == 2
    assert "unknown forecaster" in done.output


# -- the advice batch with the registered champion ----------------------------------------
def _advice_app(url: str, tracking_uri: str, now: datetime) -> Any:
    from marketplace.bootstrap import bootstrap
    from marketplace.config import Settings
    from marketplace.shared.adapters.cache import InMemoryCache
    from marketplace.shared.clock import FixedClock

    settings = Settings(database_url=url, env="test", log_json=False,
                        mlflow_tracking_uri=tracking_uri)  # fmt: skip
    return bootstrap(settings, cache=InMemoryCache(), clock=FixedClock(now))


def _copy(market_url: str, tmp_path: Path) -> str:
    """The module's marketplace stays as the pipeline runs read it."""
    copy = tmp_path / "market.db"
    shutil.copyfile(market_url.removeprefix("sqlite:///"), copy)
    return f"sqlite:///{copy}"


def test_advice_fits_the_registered_champions_recipe(
    refresh: dict[str, Any], worse: dict[str, Any], tracking: Tracking, market_url: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    from marketplace.advice.adapters.tables import demand_forecasts
    from serving.advice.producer import refresh_advice, summary

    now = datetime.combine(_trained_until(refresh) + timedelta(days=1), time(6), UTC)
    app = _advice_app(_copy(market_url, tmp_path), tracking.uri, now)
    champion = refresh["versions"]["demand"]
    try:
        run = refresh_advice(app, forecaster="champion")
        with app.engine.connect() as conn:
            stored = conn.execute(select(demand_forecasts)).mappings().all()
    finally:
        app.engine.dispose()

    assert run.forecaster == champion["model"]
    assert run.model_version == f"{champion['model']}@mlflow-v{champion['version']}"
    assert run.forecasts == len(stored) == run.series > 0
    assert {r["model_name"] for r in stored} == {champion["model"]}
    assert {r["model_version"] for r in stored} == {run.model_version}
    assert {r["start_date"] for r in stored} == {now.date()}
    assert f"({run.model_version})" in summary(run)


def _trained_until(results: dict[str, Any]) -> date:
    marker = json.loads((Path(results["run_dir"]) / "train.done.json").read_text())
    return date.fromisoformat(marker["outputs"]["trained_until"])


def test_advice_without_a_registered_champion_says_so_and_stores_nothing(
    market_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import func

    from marketplace.advice.adapters.tables import demand_forecasts
    from marketplace.config import get_settings
    from marketplace.db.engine import make_engine
    from serving.cli import app

    url = _copy(market_url, tmp_path)
    monkeypatch.setenv("AGORA_DATABASE_URL", url)
    monkeypatch.setenv("AGORA_MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'none.db'}")
    get_settings.cache_clear()
    try:
        done = CliRunner().invoke(app, ["advice", "refresh", "--forecaster", "champion"])
    finally:
        get_settings.cache_clear()

    assert done.exit_code == 1
    assert "no_champion" in done.output
    assert f"no {REGISTERED}@champion" in done.output
    assert not (tmp_path / "none.db").exists()  # nothing created by looking
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(demand_forecasts)).scalar() == 0
    engine.dispose()
