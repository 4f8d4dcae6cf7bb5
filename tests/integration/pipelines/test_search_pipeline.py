"""The search family end to end on the tiny seeded marketplace (60 products): local Ray (one
session for the module), a temporary SQLite MLflow store.

A first run, keyword only (``--no-embed``), registers ``agora-recs-search`` and, with no
champion yet, promotes it; serving's MLflow sync then puts it into a models folder as
``search@<version>``, which loads and answers. Slow (about a minute together, each loading
the sentence-transformers model): a run with embeddings, a new recipe, must beat the keyword
champion rebuilt on its catalogue by the margin, and does; a crippled recipe (keyword only,
a depth of 1) run through ``agora train search`` is refused against the embedded champion,
which the gate embeds again; a rebuild of the champion's recipe is promoted as a refresh.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipelines import runtime
from pipelines.families import family
from pipelines.family import CommonOptions, run_family
from pipelines.registry import CHALLENGER, CHAMPION, alias_version
from pipelines.runtime import RayOptions, Tracking
from pipelines.search.config import METRIC, REGISTERED, SearchConfig

STAGES = ["extract", "build", "train", "evaluate", "register", "promote"]
CRIPPLED = {"depth": 1}


@pytest.fixture(scope="module")
def ray_local() -> Iterator[None]:
    owned = runtime.start_ray(RayOptions())
    yield
    if owned:
        runtime.stop_ray()


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _run(tracking: Tracking, url: str, root: Path, *, run_id: str,
         **changes: Any) -> dict[str, Any]:  # fmt: skip
    options = CommonOptions(tracking=tracking, database_url=url, root=root, run_id=run_id)
    search = family("search")
    config: SearchConfig = dataclasses.replace(search.config(options), n_boot=200, **changes)
    return run_family(search, options, config=config)


def _evaluation(results: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(
        (Path(results["run_dir"]) / "evaluate" / "evaluation.json").read_text()
    )
    return found


@pytest.fixture(scope="module")
def first(ray_local: None, tracking: Tracking, market_url: str, runs_dir: Path) -> dict[str, Any]:
    return _run(tracking, market_url, runs_dir, run_id="keyword", embed=False)


@pytest.fixture(scope="module")
def embedded(first: dict[str, Any], tracking: Tracking, market_url: str,
             runs_dir: Path) -> dict[str, Any]:  # fmt: skip
    return _run(tracking, market_url, runs_dir, run_id="embedded")


@pytest.fixture(scope="module")
def crippled(embedded: dict[str, Any], tracking: Tracking, market_url: str, runs_dir: Path,
             monkeypatch_module: pytest.MonkeyPatch) -> dict[str, Any]:  # fmt: skip
    from marketplace.config import get_settings
    from serving.cli import app

    monkeypatch_module.setenv("AGORA_DATABASE_URL", market_url)
    monkeypatch_module.setenv("AGORA_MLFLOW_TRACKING_URI", tracking.uri)
    monkeypatch_module.setenv("AGORA_MLFLOW_ARTIFACTS", str(tracking.artifacts))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, [
            "train", "search", "--no-embed", "--params", json.dumps(CRIPPLED), "--run-id",
            "crippled", "--runs-dir", str(runs_dir),
        ])  # fmt: skip
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "refused" in result.output
    found: dict[str, Any] = json.loads(
        (runs_dir / "search" / "crippled" / "results.json").read_text()
    )
    return found


@pytest.fixture(scope="module")
def refresh(crippled: dict[str, Any], tracking: Tracking, market_url: str,
            runs_dir: Path) -> dict[str, Any]:  # fmt: skip
    """The embedded champion's recipe again, on the same catalogue."""
    return _run(tracking, market_url, runs_dir, run_id="refresh", margin=0.5)


def test_a_keyword_only_run_registers_the_index_and_promotes_it(
    first: dict[str, Any], tracking: Tracking
) -> None:
    client = runtime.client(tracking)
    assert first["complete"]
    assert [s["stage"] for s in first["stages"]] == STAGES
    assert first["versions"] == {"search": {"name": REGISTERED, "version": "1", "model": "search"}}
    version = client.get_model_version(REGISTERED, "1")
    assert set(version.aliases) == {CHAMPION, CHALLENGER}
    assert version.tags["agora.model"] == "search"
    assert version.tags["agora.surface"] == "search"
    assert version.tags["agora.metric"] == METRIC == "mrr@10"
    assert float(version.tags["agora.score"]) == pytest.approx(
        first["metrics"]["test.search.mrr@10"]
    )
    assert version.tags["agora.run_id"] == "keyword"
    assert version.tags["agora.data_sha256"] == first["fingerprint"]["sha256"]
    assert [d["reason"] for d in first["decisions"]] == ["no champion yet"]
    assert set(first["fingerprint"]["datasets"]) == {"catalog"}  # no events, no orders
    folder = Path(first["run_dir"]) / "train" / "model_dir"
    assert not (folder / "index.faiss").exists()
    assert json.loads((folder / "recipe.json").read_text())["embedding_model"] is None


def test_the_index_is_scored_on_known_item_and_category_queries(
    first: dict[str, Any], tracking: Tracking
) -> None:
    evaluation = _evaluation(first)
    known, category = evaluation["index"]["known_item"], evaluation["index"]["category"]
    queries = (Path(first["run_dir"]) / "evaluate" / "queries.jsonl").read_text().splitlines()

    assert first["params"]["recipe.embedding_model"] is None
    assert evaluation["keyword_only"] is None  # the index is keyword only itself
    assert known["queries"] + category["queries"] == evaluation["queries"] == len(queries)
    assert set(evaluation["index"]["by_kind"]) == {"words", "truncated", "translated"}
    assert category["queries"] >= 10  # the synthetic tree's leaves
    # 60 products: each is found by most of its own queries, rarely first by a fragment.
    assert 0.5 < known["mrr@10"]["value"] < 1.0
    assert known["mrr@10"]["low"] <= known["mrr@10"]["value"] <= known["mrr@10"]["high"]
    assert known["recall@10"]["value"] >= known["mrr@10"]["value"]
    assert 0 < category["precision@10"]["value"] <= 1
    run = runtime.client(tracking).get_run(first["mlflow_run_id"])
    assert run.data.metrics["test.search.mrr_at_10"] == pytest.approx(known["mrr@10"]["value"])
    assert "test.search.truncated.recall_at_10" in run.data.metrics
    assert run.data.params["config.embed"] == "False"
    assert run.data.tags["agora.family"] == "search"
    assert run.data.tags["agora.gate"] == "promoted"


def test_running_the_same_run_again_skips_every_done_stage(
    first: dict[str, Any], tracking: Tracking, market_url: str, runs_dir: Path
) -> None:
    again = _run(tracking, market_url, runs_dir, run_id="keyword", embed=False)

    assert [s["skipped"] for s in again["stages"]] == [True] * len(STAGES)
    assert again["versions"] == first["versions"]
    assert len(runtime.client(tracking).search_model_versions(f"name = '{REGISTERED}'")) == 1


def test_serving_syncs_the_champion_as_a_search_folder_that_answers(
    first: dict[str, Any], tracking: Tracking, tmp_path: Path
) -> None:
    from serving.recs.mlflow_sync import MlflowChampionSync
    from serving.recs.registry import load_model, read_aliases

    items = (Path(first["run_dir"]) / "build" / "items.jsonl").read_text().splitlines()
    product = json.loads(items[0])

    report = MlflowChampionSync(tmp_path, tracking.uri).sync()

    assert report.error is None
    assert report.refused == {}
    assert report.champions == {"search": "search@1"}
    assert read_aliases(tmp_path) == {"search": "search@1"}
    index = load_model(tmp_path / "search@1")
    assert index.search(product["title"], 5)[0][0] == product["item_id"]


def test_the_registered_index_loads_as_a_pyfunc_and_searches(
    first: dict[str, Any], tracking: Tracking
) -> None:
    import mlflow
    import pandas as pd

    runtime.setup_mlflow(tracking)
    model = mlflow.pyfunc.load_model(f"models:/{REGISTERED}@{CHAMPION}")

    out = model.predict(pd.DataFrame({"query": ["classic"], "k": [3]}))

    assert list(out.columns) == ["query", "rank", "item_id", "score"]
    assert out["rank"].tolist() == [1, 2, 3]
    assert out["score"].is_monotonic_decreasing


def test_an_invalid_recipe_is_refused_before_anything_runs(tmp_path: Path) -> None:
    from serving.cli import app

    result = CliRunner().invoke(app, [
        "train", "search", "--params", '{"max_terms": 3}', "--runs-dir", str(tmp_path),
    ])  # fmt: skip

    assert result.exit_code == 2
    assert "unknown search recipe parameter" in result.output
    assert not (tmp_path / "search").exists()


@pytest.mark.slow
def test_embeddings_beat_the_keyword_champion_by_the_margin(
    first: dict[str, Any], embedded: dict[str, Any]
) -> None:
    leader = embedded["decisions"][0]
    evaluation = _evaluation(embedded)

    assert leader["promoted"], leader["reason"]
    assert leader["same_recipe"] is False
    assert leader["improvement"] >= leader["margin"] == 0.01
    assert "new recipe, margin 0.01" in leader["reason"]
    # the keyword champion rebuilt on this catalogue scores as it did in its own run, and as
    # this run's keyword-only comparison does: the same recipe on the same queries
    assert leader["champion_score"] == pytest.approx(first["metrics"]["test.search.mrr@10"])
    assert evaluation["keyword_only"]["known_item"]["mrr@10"]["value"] == pytest.approx(
        leader["champion_score"]
    )
    assert evaluation["hybrid_vs_keyword_only_mrr"]["value"] > 0
    folder = Path(embedded["run_dir"]) / "train"
    assert (folder / "model_dir" / "index.faiss").is_file()
    assert (folder / "embeddings" / "vectors.npy").is_file()


@pytest.mark.slow
def test_the_gate_refuses_a_crippled_recipe_and_says_why(
    embedded: dict[str, Any], crippled: dict[str, Any], tracking: Tracking
) -> None:
    client = runtime.client(tracking)
    leader = crippled["decisions"][0]

    assert not leader["promoted"]
    assert leader["champion_version"] == embedded["versions"]["search"]["version"]
    # the embedded champion, embedded again by the gate, scores what it scored in its run
    assert leader["champion_score"] == pytest.approx(embedded["metrics"]["test.search.mrr@10"])
    assert leader["challenger_score"] < leader["champion_score"]
    assert leader["reason"].startswith("mrr@10 ")
    assert " < +1.00 % (new recipe, margin 0.01)" in leader["reason"]
    assert crippled["params"]["recipe.depth"] == 1
    champion = alias_version(client, REGISTERED, CHAMPION)
    challenger = alias_version(client, REGISTERED, CHALLENGER)
    assert champion is not None
    assert challenger is not None
    assert str(champion.version) == embedded["versions"]["search"]["version"]
    assert str(challenger.version) == crippled["versions"]["search"]["version"]
    run = client.get_run(crippled["mlflow_run_id"])
    assert run.data.tags["agora.gate"] == "refused"
    assert run.data.metrics["gate.champion_score"] == pytest.approx(leader["champion_score"])


@pytest.mark.slow
def test_a_rebuild_of_the_champions_recipe_is_promoted_as_a_refresh(
    refresh: dict[str, Any], tracking: Tracking
) -> None:
    leader = refresh["decisions"][0]

    assert leader["same_recipe"] is True
    assert leader["promoted"], leader["reason"]
    assert leader["improvement"] >= -0.01
    assert "same recipe, tolerance 0.01" in leader["reason"]
    champion = alias_version(runtime.client(tracking), REGISTERED, CHAMPION)
    assert champion is not None
    assert str(champion.version) == refresh["versions"]["search"]["version"]
