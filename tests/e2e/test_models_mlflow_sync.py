"""Over HTTP, on SQLite: the API serves the ``champion`` of each registered recommender in
a real MLflow registry (SQLite tracking store, file artifacts), swaps versions when the
alias moves while requests keep succeeding, refuses broken versions, survives MLflow being
down, and shows platform admins what serves (``GET /api/v1/models``).

Versions are registered here as the pipelines do (docs/ml/pipelines.md): a pyfunc whose
``model_dir`` artifact is a real saved model folder, tagged ``agora.model`` and
``agora.surface``. MLflow and the marketplace world are set up once per module.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.config import Settings
from marketplace.db.engine import make_engine
from marketplace.db.schema import load_all_tables, metadata
from marketplace.shared.adapters.cache import InMemoryCache
from serving.api.app import create_app
from serving.recs.mlflow_sync import ORIGIN_FILE, MlflowChampionSync
from serving.recs.training import write_aliases
from tests.e2e.catalog_api import API, ok, problem
from tests.e2e.recs_world import World, build_world, train

USER = "agora-recs-user"
SIMILAR = "agora-recs-similar"


@dataclasses.dataclass
class Registry:
    """The module's MLflow: tracking URI, experiment, client, and trained model folders."""

    uri: str
    experiment_id: str
    client: Any
    folders: Path  # als@1, bpr@1, item_knn@1, trending@1, ... fitted on the world's events

    def register(self, name: str, folder: Path, model: str, *, champion: bool = True) -> str:
        """Log ``folder`` as a pyfunc version of ``name`` tagged ``model``; its version."""
        import mlflow

        with mlflow.start_run(experiment_id=self.experiment_id) as run:
            info = mlflow.pyfunc.log_model(
                name="model", python_model=_wrapper(), artifacts={"model_dir": str(folder)},
                registered_model_name=name, pip_requirements=["mlflow==3.17.2"],
            )  # fmt: skip
        version = str(info.registered_model_version)
        tags = {"agora.model": model, "agora.surface": name.removeprefix("agora-recs-"),
                "agora.run_id": run.info.run_id, "agora.metric": "ndcg@10",
                "agora.score": "0.25"}  # fmt: skip
        for key, value in tags.items():
            self.client.set_model_version_tag(name, version, key, value)
        if champion:
            self.crown(name, version)
        return version

    def crown(self, name: str, version: str) -> None:
        self.client.set_registered_model_alias(name, "champion", version)


def _wrapper() -> Any:
    """A pyfunc that recommends from our folder; serving never unpickles it."""
    import mlflow.pyfunc

    class Recommendations(mlflow.pyfunc.PythonModel):
        def load_context(self, context: Any) -> None:
            from recsys import factory

            self.model = factory.load(context.artifacts["model_dir"])

        def predict(
            self, context: Any, model_input: list[str], params: Any = None
        ) -> list[list[str]]:
            return [[item for item, _ in self.model.recommend(u, 10)] for u in model_input]

    return Recommendations()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Marketplace, World]]:
    tmp = tmp_path_factory.mktemp("shop")
    engine = make_engine(f"sqlite:///{tmp}/agora.db")
    load_all_tables()
    metadata.create_all(engine)
    settings = Settings(database_url=str(engine.url), env="test", log_json=False,
                        models_dir=tmp / "unused", recs_reload_seconds=0)  # fmt: skip
    container = bootstrap(settings, engine=engine, cache=InMemoryCache())
    with TestClient(create_app(container)) as client:
        world = build_world(client, container)
    yield container, world
    engine.dispose()


@pytest.fixture(scope="module")
def mlflow_registry(
    shop: tuple[Marketplace, World], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Registry]:
    import mlflow
    from mlflow.tracking._tracking_service.utils import _use_tracking_uri

    tmp = tmp_path_factory.mktemp("mlflow")
    folders = tmp / "trained"
    _, world = shop
    train(world, folders, tmp)  # als, item_knn, bought_together, trending, recent_popularity
    train(world, folders, tmp, models={"user": ("bpr", {"iterations": 5})})
    uri = f"sqlite:///{tmp}/mlflow.db"
    with pytest.MonkeyPatch.context() as env, _use_tracking_uri(uri):
        env.setenv("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
        client = mlflow.MlflowClient(uri)
        experiment = client.create_experiment("agora-recsys", (tmp / "artifacts").as_uri())
        yield Registry(uri, experiment, client, folders)


@pytest.fixture
def registry(mlflow_registry: Registry) -> Iterator[Registry]:
    """The module's MLflow, with every registered model deleted after the test."""
    yield mlflow_registry
    for model in mlflow_registry.client.search_registered_models():
        mlflow_registry.client.delete_registered_model(model.name)


Serve = Callable[..., AbstractContextManager[TestClient]]


@pytest.fixture
def serve(shop: tuple[Marketplace, World], registry: Registry, tmp_path: Path) -> Serve:
    """An API with the MLflow sync on, over ``tmp_path/models``."""
    container, _ = shop

    @contextmanager
    def app(**overrides: Any) -> Iterator[TestClient]:
        update = {
            "models_dir": tmp_path / "models", "recs_reload_seconds": 0,
            "recs_mlflow_sync": True, "mlflow_tracking_uri": registry.uri, **overrides,
        }  # fmt: skip
        settings = container.settings.model_copy(update=update)
        with TestClient(create_app(dataclasses.replace(container, settings=settings))) as client:
            yield client

    return app


def _user_recs(client: TestClient, world: World, n: int = 0) -> Any:
    user_id, headers = world.users[n]
    return ok(
        client.get(f"{API}/recommendations/users/{user_id}", headers=headers, params={"k": 3})
    )


def _served(body: dict[str, Any]) -> tuple[str, str]:
    return body["model"], body["model_version"]


def _staging(models: Path) -> list[Path]:
    return list(models.glob(".mlflow-*"))


def test_the_champion_is_fetched_and_served_and_unregistered_surfaces_keep_theirs(
    shop: tuple[Marketplace, World], registry: Registry, serve: Serve, tmp_path: Path
) -> None:
    _, world = shop
    models = tmp_path / "models"
    models.mkdir()
    shutil.copytree(registry.folders / "trending@1", models / "trending@1")  # a local version
    write_aliases(models, {"trending": "trending@1"})
    registry.register(USER, registry.folders / "als@1", "als")
    registry.register(SIMILAR, registry.folders / "item_knn@1", "item_knn")
    with serve() as client:
        assert _served(_user_recs(client, world)) == ("db_popularity", "live")
        reloaded = ok(client.post(f"{API}/admin/recs/reload", headers=world.admin))
        assert reloaded["aliases"] == {"user": "als@1", "similar": "item_knn@1",
                                       "trending": "trending@1"}  # fmt: skip
        assert reloaded["mlflow_sync"]["changed"] == {"user": "als@1", "similar": "item_knn@1"}
        assert reloaded["mlflow_sync"]["refused"] == {}
        assert reloaded["mlflow_sync"]["error"] is None
        body = _user_recs(client, world)
        assert _served(body) == ("als", "1")
        assert body["items"]
        again = ok(client.post(f"{API}/admin/recs/reload", headers=world.admin))
        assert again["mlflow_sync"]["changed"] == {}  # nothing new: nothing rewritten
    assert (models / "als@1" / "model.json").is_file()
    origin = json.loads((models / "als@1" / ORIGIN_FILE).read_text())
    assert (origin["registered_model"], origin["version"]) == (USER, "1")
    assert _staging(models) == []


def test_models_lists_what_serves_with_its_mlflow_version_for_admins_only(
    shop: tuple[Marketplace, World], registry: Registry, serve: Serve, tmp_path: Path
) -> None:
    _, world = shop
    models = tmp_path / "models"
    models.mkdir()
    shutil.copytree(registry.folders / "trending@1", models / "trending@1")
    write_aliases(models, {"trending": "trending@1"})
    registry.register(USER, registry.folders / "bpr@1", "bpr")
    run_id = registry.client.get_model_version(USER, "1").run_id
    with serve() as client:
        ok(client.post(f"{API}/admin/recs/reload", headers=world.admin))
        listed = ok(client.get(f"{API}/models", headers=world.admin))
        by_surface = {m["surface"]: m for m in listed["models"]}
        assert set(by_surface) == {"user", "trending"}
        user = by_surface["user"]
        assert (user["family"], user["model"], user["version"], user["folder"]) == (
            "recs", "bpr", "1", "bpr@1")  # fmt: skip
        assert user["loaded_at"]
        mlflow = user["mlflow"]
        assert (mlflow["registered_model"], mlflow["version"], mlflow["run_id"]) == (
            USER, "1", run_id)  # fmt: skip
        assert (mlflow["metric"], mlflow["score"]) == ("ndcg@10", 0.25)
        assert mlflow["tags"]["agora.surface"] == "user"
        assert by_surface["trending"]["mlflow"] is None  # a local folder
        assert listed["mlflow_sync"]["champions"] == {"user": "bpr@1"}
        assert listed["recs_load_error"] is None
        _, buyer = world.users[0]
        problem(client.get(f"{API}/models", headers=buyer), 403, "platform_admin_required")
        problem(client.get(f"{API}/models"), 401, "not_authenticated")


def test_moving_the_alias_swaps_the_version_while_requests_keep_succeeding(
    shop: tuple[Marketplace, World], registry: Registry, serve: Serve
) -> None:
    _, world = shop
    registry.register(USER, registry.folders / "als@1", "als")
    second = registry.register(USER, registry.folders / "bpr@1", "bpr", champion=False)
    seen: list[tuple[int, tuple[str, str] | None]] = []
    stop = threading.Event()
    with serve(recs_reload_seconds=0.2) as client:  # the sync thread follows the alias

        def shopper() -> None:
            user_id, headers = world.users[1]
            while not stop.is_set():
                r = client.get(f"{API}/recommendations/users/{user_id}", headers=headers)
                seen.append((r.status_code, _served(r.json()) if r.status_code == 200 else None))

        _wait_for(lambda: _served(_user_recs(client, world)) == ("als", "1"))
        thread = threading.Thread(target=shopper)
        thread.start()
        try:
            _wait_for(lambda: len(seen) >= 3)
            registry.crown(USER, second)
            _wait_for(lambda: bool(seen) and seen[-1][1] == ("bpr", "2"))
            count = len(seen)
            _wait_for(lambda: len(seen) >= count + 3)
        finally:
            stop.set()
            thread.join()
    assert {status for status, _ in seen} == {200}
    versions = [v for _, v in seen]
    swap = versions.index(("bpr", "2"))
    assert swap > 0
    assert set(versions[:swap]) == {("als", "1")}
    assert set(versions[swap:]) == {("bpr", "2")}  # never back to the old one


def test_a_broken_version_is_refused_and_the_old_one_keeps_serving(
    shop: tuple[Marketplace, World], registry: Registry, serve: Serve, tmp_path: Path
) -> None:
    _, world = shop
    models = tmp_path / "models"
    broken = tmp_path / "broken" / "als@9"
    shutil.copytree(registry.folders / "als@1", broken)
    (broken / "model.json").unlink()
    registry.register(USER, registry.folders / "als@1", "als")
    registry.register(SIMILAR, registry.folders / "item_knn@1", "item_knn")
    with serve() as client:
        ok(client.post(f"{API}/admin/recs/reload", headers=world.admin))
        before = (models / "aliases.json").read_bytes(), sorted(p.name for p in models.iterdir())
        registry.register(USER, broken, "als")  # version 2: no model.json
        registry.register(SIMILAR, registry.folders / "bpr@1", "item_knn")  # mislabelled
        for _ in range(2):  # the admin reload retries refused versions: refused again
            reloaded = ok(client.post(f"{API}/admin/recs/reload", headers=world.admin))
            refused = reloaded["mlflow_sync"]["refused"]
            assert set(refused) == {"user", "similar"}
            assert "agora-recs-user version 2 does not load" in refused["user"]
            assert "holds 'bpr', but agora.model says 'item_knn'" in refused["similar"]
            assert reloaded["aliases"] == {"user": "als@1", "similar": "item_knn@1"}
        after = (models / "aliases.json").read_bytes(), sorted(p.name for p in models.iterdir())
        assert after == before  # no als@2, no item_knn@2, no staging left
        assert _served(_user_recs(client, world)) == ("als", "1")
        listed = ok(client.get(f"{API}/models", headers=world.admin))
        assert set(listed["mlflow_sync"]["refused"]) == {"user", "similar"}


def test_mlflow_unreachable_is_logged_and_nothing_changes(
    shop: tuple[Marketplace, World],
    registry: Registry,
    serve: Serve,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, world = shop
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    models = tmp_path / "models"
    models.mkdir()
    shutil.copytree(registry.folders / "als@1", models / "als@1")
    write_aliases(models, {"user": "als@1"})
    before = (models / "aliases.json").read_bytes(), (models / "aliases.json").stat().st_mtime_ns
    with serve(mlflow_tracking_uri=f"http://127.0.0.1:{_closed_port()}") as client:
        caplog.set_level(logging.WARNING, logger="agora.recs.mlflow")
        reloaded = ok(client.post(f"{API}/admin/recs/reload", headers=world.admin))
        assert "API request" in reloaded["mlflow_sync"]["error"]
        assert reloaded["mlflow_sync"]["changed"] == {}
        assert reloaded["aliases"] == {"user": "als@1"}
        assert _served(_user_recs(client, world)) == ("als", "1")
    assert "mlflow_sync_failed" in [r.getMessage() for r in caplog.records]
    aliases = models / "aliases.json"
    assert (aliases.read_bytes(), aliases.stat().st_mtime_ns) == before
    assert sorted(p.name for p in models.iterdir()) == ["aliases.json", "als@1"]


def test_two_workers_fetching_the_same_version_leave_one_good_folder(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mlflow.artifacts

    models = tmp_path / "models"
    registry.register(USER, registry.folders / "als@1", "als")
    first, second = (MlflowChampionSync(models, registry.uri, names={"user": USER}) for _ in "ab")
    real = mlflow.artifacts.download_artifacts
    downloads: list[str] = []
    raced: list[Any] = []

    def download_while_the_other_worker_finishes(**kwargs: Any) -> str:
        path = real(**kwargs)
        downloads.append(path)
        if len(downloads) == 1:  # the first worker's download ends after the second published
            raced.append(second.sync())
        return path

    monkeypatch.setattr(mlflow.artifacts, "download_artifacts",
                        download_while_the_other_worker_finishes)  # fmt: skip
    report = first.sync()
    assert len(downloads) == 2  # both fetched it
    assert raced[0].changed == {"user": "als@1"}
    assert (report.champions, report.refused, report.error) == ({"user": "als@1"}, {}, None)
    assert report.changed == {}  # the other worker had already pointed the alias
    assert sorted(p.name for p in models.iterdir()) == ["aliases.json", "als@1"]
    assert (models / "als@1" / "model.json").is_file()


def test_a_local_folder_of_the_same_name_is_not_mistaken_for_the_mlflow_version(
    registry: Registry, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    models.mkdir()
    shutil.copytree(registry.folders / "bpr@1", models / "als@1")  # trained locally, no origin
    write_aliases(models, {"user": "als@1"})
    before = (models / "aliases.json").read_bytes()
    registry.register(USER, registry.folders / "als@1", "als")
    report = MlflowChampionSync(models, registry.uri, names={"user": USER}).sync()
    assert "als@1 exists but holds no mlflow.json" in report.refused["user"]
    assert (report.champions, report.changed) == ({}, {})
    assert (models / "aliases.json").read_bytes() == before
    assert not (models / "als@1" / ORIGIN_FILE).exists()


def _wait_for(condition: Callable[[], bool], seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not true after {seconds} s"
        time.sleep(0.05)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
