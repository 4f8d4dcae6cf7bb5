"""The recommender pipeline end to end on a tiny seeded marketplace: local Ray (one session
for the module), a temporary SQLite MLflow store.

A first run (tuned on two grid points) registers every surface and, with no champion yet,
promotes them; a second run with a deliberately poor user model (ALS, 2 factors, one
iteration) is refused by the gate against the first run's champion re-evaluated on the
second run's split.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipelines import runtime
from pipelines.families import family
from pipelines.family import CommonOptions, run_family
from pipelines.recsys.config import REGISTERED, RecsysConfig
from pipelines.registry import CHALLENGER, CHAMPION, RegistryError, alias_version, promote
from pipelines.runtime import RayOptions, Tracking

SURFACES = {"user", "similar", "bought_together", "trending", "popular"}  # search: its family
POOR_ALS = {"als": {"factors": 2, "iterations": 1}}


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


def _config(options: CommonOptions, **changes: Any) -> RecsysConfig:
    base = family("recsys").config(options)
    small = {"embed": False, "test_days": 14.0, "validation_days": 14.0, "n_boot": 200}
    return dataclasses.replace(base, **{**small, **changes})


def _run(options: CommonOptions, **changes: Any) -> dict[str, Any]:
    return run_family(family("recsys"), options, config=_config(options, **changes))


@pytest.fixture(scope="module")
def first(ray_local: None, tracking: Tracking, market_url: str, runs_dir: Path) -> dict[str, Any]:
    options = _options(tracking, market_url, runs_dir, run_id="first", tune_samples=2)
    return _run(options)


@pytest.fixture(scope="module")
def poor(first: dict[str, Any], tracking: Tracking, market_url: str,
         runs_dir: Path) -> dict[str, Any]:  # fmt: skip
    options = _options(tracking, market_url, runs_dir, run_id="poor", tune=False)
    return _run(options, params=POOR_ALS)


def test_a_run_registers_every_surface_and_promotes_the_first_versions(
    first: dict[str, Any], tracking: Tracking
) -> None:
    client = runtime.client(tracking)
    assert first["complete"]
    assert set(first["versions"]) == SURFACES
    for surface, entry in first["versions"].items():
        assert entry["name"] == REGISTERED[surface]
        version = client.get_model_version(entry["name"], entry["version"])
        assert set(version.aliases) == {CHAMPION, CHALLENGER}
        assert version.tags["agora.surface"] == surface
        assert version.tags["agora.run_id"] == "first"
        assert version.tags["agora.data_sha256"] == first["fingerprint"]["sha256"]
    user = client.get_model_version(REGISTERED["user"], first["versions"]["user"]["version"])
    assert user.tags["agora.model"] == "als"
    assert user.tags["agora.metric"] == "recall@20"
    assert float(user.tags["agora.score"]) == pytest.approx(first["metrics"]["test.user.recall@20"])
    assert [d["reason"] for d in first["decisions"]] == ["no champion yet"] * len(SURFACES)


def test_the_mlflow_run_holds_params_metrics_fingerprint_and_code_version(
    first: dict[str, Any], tracking: Tracking
) -> None:
    run = runtime.client(tracking).get_run(first["mlflow_run_id"])
    assert run.data.params["tuned"] == "True"
    assert run.data.params["tune_samples"] == "2"
    assert run.data.params["user.factors"] in {"32", "64"}
    assert run.data.params["data.sha256"] == first["fingerprint"]["sha256"]
    assert int(run.data.params["data.events.rows"]) > 1000
    assert 0 <= run.data.metrics["test.user.recall_at_20"] <= 1
    assert "validation.user.recall_at_20" in run.data.metrics
    assert run.data.metrics["gate.promoted"] == 1.0
    assert run.data.tags["agora.git_commit"] == str(first["code_version"]["commit"])
    assert run.data.tags["agora.gate"] == "promoted"
    assert len(first["fingerprint"]["sha256"]) == 64
    assert first["fingerprint"]["datasets"]["events"]["rows"] == int(
        run.data.params["data.events.rows"]
    )


def test_results_json_is_written_with_the_run(first: dict[str, Any]) -> None:
    saved = json.loads((Path(first["run_dir"]) / "results.json").read_text())
    assert saved["mlflow_run_id"] == first["mlflow_run_id"]
    assert saved["params"]["user_model"] == "als"
    assert [s["stage"] for s in saved["stages"]] == [
        "extract", "build", "tune", "train", "evaluate", "register", "promote",
    ]  # fmt: skip
    assert saved["wall_seconds"] > 0
    assert saved["peak_rss_mb"]["driver"] > 0
    assert saved["peak_rss_mb"]["workers"] > 0
    assert saved["decisions"] == first["decisions"]


def test_the_registered_user_model_loads_as_a_pyfunc_and_recommends(
    first: dict[str, Any], tracking: Tracking
) -> None:
    import mlflow
    import pandas as pd
    import pyarrow.parquet as pq

    runtime.setup_mlflow(tracking)
    events = pq.read_table(Path(first["run_dir"]) / "build" / "events.parquet")
    user = events["user_id"][0].as_py()
    model = mlflow.pyfunc.load_model(f"models:/{REGISTERED['user']}@{CHAMPION}")

    out = model.predict(pd.DataFrame({"query": [user], "k": [5]}))

    assert list(out.columns) == ["query", "rank", "item_id", "score"]
    assert out["rank"].tolist() == [1, 2, 3, 4, 5]
    assert out["score"].is_monotonic_decreasing
    assert set(out["item_id"]) <= set(events["product_id"].to_pylist())


def test_running_the_same_run_again_skips_every_done_stage(
    first: dict[str, Any], tracking: Tracking, market_url: str, runs_dir: Path
) -> None:
    client = runtime.client(tracking)
    before = client.search_model_versions(f"name = '{REGISTERED['user']}'")
    options = _options(tracking, market_url, runs_dir, run_id="first", tune_samples=2)

    again = _run(options)

    assert [s["skipped"] for s in again["stages"]] == [True] * 7
    assert again["versions"] == first["versions"]
    assert again["mlflow_run_id"] == first["mlflow_run_id"]
    after = client.search_model_versions(f"name = '{REGISTERED['user']}'")
    assert len(after) == len(before)


def test_the_gate_refuses_a_worse_user_model_and_says_why(
    first: dict[str, Any], poor: dict[str, Any], tracking: Tracking
) -> None:
    client = runtime.client(tracking)
    name = REGISTERED["user"]
    leader = poor["decisions"][0]
    assert leader["model"] == name
    assert not leader["promoted"]
    assert leader["champion_version"] == first["versions"]["user"]["version"]
    assert leader["challenger_score"] == pytest.approx(poor["metrics"]["test.user.recall@20"])
    assert leader["champion_score"] > leader["challenger_score"] / (1 - leader["margin"])
    assert leader["reason"].startswith("recall@20 ")
    assert " < " in leader["reason"]
    # the champion was re-fitted on this run's split, not read from the first run
    assert poor["run_dir"] != first["run_dir"]
    for surface in SURFACES:
        champion = alias_version(client, REGISTERED[surface], CHAMPION)
        challenger = alias_version(client, REGISTERED[surface], CHALLENGER)
        assert champion is not None
        assert challenger is not None
        assert str(champion.version) == first["versions"][surface]["version"]
        assert str(challenger.version) == poor["versions"][surface]["version"]
    assert {d["promoted"] for d in poor["decisions"]} == {False}
    run = client.get_run(poor["mlflow_run_id"])
    assert run.data.tags["agora.gate"] == "refused"
    assert run.data.tags["agora.gate_reason"] == leader["reason"]
    assert run.data.metrics["gate.champion_score"] == pytest.approx(leader["champion_score"])
    assert run.data.metrics["gate.challenger_score"] == pytest.approx(leader["challenger_score"])
    assert run.data.metrics["gate.margin"] == pytest.approx(0.01)
    assert run.data.params["user.factors"] == "2"


def test_promote_moves_the_champion_and_rolls_back(
    first: dict[str, Any], poor: dict[str, Any], tracking: Tracking
) -> None:
    client = runtime.client(tracking)
    name = REGISTERED["user"]
    good, bad = first["versions"]["user"]["version"], poor["versions"]["user"]["version"]

    assert promote(client, name, bad) == good
    assert str(alias_version(client, name, CHAMPION).version) == bad  # type: ignore[union-attr]
    assert promote(client, name, good) == bad  # the rollback
    assert str(alias_version(client, name, CHAMPION).version) == good  # type: ignore[union-attr]
    with pytest.raises(RegistryError, match="no version 99"):
        promote(client, name, 99)
    assert str(alias_version(client, name, CHAMPION).version) == good  # type: ignore[union-attr]


def test_models_cli_lists_and_promotes(
    first: dict[str, Any], poor: dict[str, Any], tracking: Tracking,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    from marketplace.config import get_settings
    from serving.cli import app

    monkeypatch.setenv("AGORA_MLFLOW_TRACKING_URI", tracking.uri)
    monkeypatch.setenv("AGORA_MLFLOW_ARTIFACTS", str(tracking.artifacts))
    get_settings.cache_clear()
    runner = CliRunner()
    good, bad = first["versions"]["user"]["version"], poor["versions"]["user"]["version"]
    try:
        listed = runner.invoke(app, ["models", "list"])
        moved = runner.invoke(app, ["models", "promote", REGISTERED["user"], bad])
        back = runner.invoke(app, ["models", "promote", REGISTERED["user"], good])
        missing = runner.invoke(app, ["models", "promote", REGISTERED["user"], "99"])
    finally:
        get_settings.cache_clear()

    assert listed.exit_code == 0, listed.output
    assert f"agora-recs-user (2 versions; challenger v{bad}, champion v{good})" in listed.output
    assert "recall@20=" in listed.output
    assert moved.exit_code == 0
    assert f"champion v{good} -> v{bad}" in moved.output
    assert back.exit_code == 0
    assert f"champion v{bad} -> v{good}" in back.output
    assert missing.exit_code == 1
    assert "no version 99" in missing.output


def test_new_data_changes_the_fingerprint(
    first: dict[str, Any], tracking: Tracking, market_url: str, runs_dir: Path, tmp_path: Path
) -> None:
    import shutil

    from sqlalchemy import insert

    from marketplace.behaviour.adapters.tables import behaviour_events
    from marketplace.db.engine import make_engine

    at = datetime(2026, 1, 20, 12, tzinfo=UTC)
    row = dict.fromkeys(c.name for c in behaviour_events.columns) | {
        "id": "ev-fingerprint", "occurred_at": at, "received_at": at + timedelta(seconds=1),
        "type": "view", "source": "client", "channel": "web", "session_id": "s-fp",
        "user_id": "usr_fp", "product_id": "prd_fp",
    }  # fmt: skip
    copy = tmp_path / "market.db"  # the module's marketplace stays as it was
    shutil.copyfile(market_url.removeprefix("sqlite:///"), copy)
    market_url = f"sqlite:///{copy}"
    engine = make_engine(market_url)
    with engine.begin() as conn:
        conn.execute(insert(behaviour_events), [row])
    engine.dispose()
    options = _options(tracking, market_url, runs_dir, run_id="more-data", until="extract")

    extracted = _run(options)

    assert not extracted["complete"]
    assert extracted["fingerprint"]["sha256"] != first["fingerprint"]["sha256"]
    events = extracted["fingerprint"]["datasets"]["events"]
    assert events["rows"] == first["fingerprint"]["datasets"]["events"]["rows"] + 1
    catalog = extracted["fingerprint"]["datasets"]["catalog"]
    assert catalog["sha256"] == first["fingerprint"]["datasets"]["catalog"]["sha256"]


def test_a_retrain_of_the_champions_recipe_is_promoted_as_a_refresh(
    first: dict[str, Any], poor: dict[str, Any], tracking: Tracking, market_url: str,
    runs_dir: Path,
) -> None:  # fmt: skip
    """The same recipe scores the same on the same split: a new recipe would need to win by
    the margin, but a refresh only must not lose more than the tolerance. (Runs last: it
    moves the champion.)"""
    from pipelines.recsys.promote import champion_recipe

    marker = json.loads((Path(first["run_dir"]) / "train.done.json").read_text())
    model, params = champion_recipe(Path(marker["outputs"]["models"]["user"]["folder"]))
    options = _options(tracking, market_url, runs_dir, run_id="refresh", tune=False)

    refresh = _run(options, user_model=model, params={model: params}, margin=0.5)

    leader = refresh["decisions"][0]
    assert leader["same_recipe"] is True
    assert leader["promoted"], leader["reason"]
    assert leader["improvement"] >= -0.01
    assert "same recipe, tolerance 0.01" in leader["reason"]
    assert poor["decisions"][0]["same_recipe"] is False
    client = runtime.client(tracking)
    champion = alias_version(client, REGISTERED["user"], CHAMPION)
    assert champion is not None
    assert str(champion.version) == refresh["versions"]["user"]["version"]
