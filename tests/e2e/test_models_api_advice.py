"""Over HTTP, on PostgreSQL and SQLite: ``GET /api/v1/models`` lists the models behind
merchants' advice from what the advice batch stored (``advice``) and, with the MLflow sync
on, the advice champions registered in MLflow now (``advice_champions``), for platform
admins only.

The marketplace is seeded by the synthetic seeder, busy enough for the library's default
elasticities to move some prices; the batch is ``refresh_advice`` itself.
"""

from __future__ import annotations

import dataclasses
import json
import socket
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from marketplace.bootstrap import Marketplace, bootstrap
from marketplace.config import Settings
from marketplace.shared.adapters.cache import InMemoryCache
from marketplace.shared.clock import FixedClock
from serving.advice.producer import refresh_advice
from serving.api.app import create_app
from tests.e2e.catalog_api import API, ok, problem
from tests.factories import make_platform_admin, new_user_headers

START = date(2025, 9, 1)
DAYS = 90
NOW = datetime.combine(START + timedelta(days=DAYS), datetime.min.time(), UTC) + timedelta(hours=6)
MARKET = {"users": 300, "merchants": 2, "products": 6, "days": DAYS, "seed": 5,
          "sessions_per_user_day": 0.3}  # fmt: skip


@dataclasses.dataclass
class World:
    app: Marketplace
    clock: FixedClock
    admin: dict[str, str]
    buyer: dict[str, str]


def _seed(engine: Engine, tmp_path: Path, clock: FixedClock) -> Marketplace:
    from marketplace.advice import services
    from marketplace.advice.commands import SetPricingPolicy
    from marketplace.parties.adapters.tables import merchants
    from marketplace.seeding.synthetic import SyntheticParams
    from marketplace.seeding.synthetic.seed import seed_synthetic

    url = engine.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, env="test", log_json=False,
                        models_dir=tmp_path / "models", recs_reload_seconds=0)  # fmt: skip
    app = bootstrap(settings, engine=engine, cache=InMemoryCache(), clock=clock)
    params = SyntheticParams(**MARKET, start=START).validate()  # type: ignore[arg-type]
    seed_synthetic(engine, params, truth_path=tmp_path / "truth.json", app=app)
    with engine.connect() as conn:
        ids = conn.execute(select(merchants.c.id).where(merchants.c.status == "approved"))
        merchant_ids = ids.scalars().all()
    for merchant_id in merchant_ids:  # revenue: the seeded SKUs have no unit costs
        cmd = SetPricingPolicy(merchant_id=merchant_id, actor_id="test", objective="revenue")
        services.set_pricing_policy(cmd, uow=app.uow())
    return app


@pytest.fixture
def world(any_engine: Engine, tmp_path: Path) -> World:
    clock = FixedClock(NOW)
    app = _seed(any_engine, tmp_path, clock)
    with TestClient(create_app(app)) as client:
        admin = make_platform_admin(client, app)
        _, buyer = new_user_headers(client)
    return World(app, clock, admin, buyer)


def _serve(world: World, **settings: Any) -> TestClient:
    changed = world.app.settings.model_copy(update=settings)
    return TestClient(create_app(dataclasses.replace(world.app, settings=changed)))


def test_the_advice_section_shows_what_the_batch_recorded_last_for_admins_only(
    world: World,
) -> None:
    with _serve(world) as client:
        before = ok(client.get(f"{API}/models", headers=world.admin))
        assert before["advice"] == []  # nothing stored yet
        assert before["advice_champions"] is None  # the MLflow sync is off
        problem(client.get(f"{API}/models", headers=world.buyer), 403, "platform_admin_required")
        problem(client.get(f"{API}/models"), 401, "not_authenticated")

        first = refresh_advice(world.app, days=DAYS)
        assert first.forecasts > 0, first
        assert first.suggestions > 0, first
        listed = ok(client.get(f"{API}/models", headers=world.admin))
        end = (NOW.date() - timedelta(days=1)).isoformat()
        assert listed["advice"] == [
            {"family": "forecast", "model_name": "tsb", "model_version": f"tsb@{end}",
             "mlflow_version": None, "last_used_at": _iso(NOW), "rows": first.forecasts},
            {"family": "pricing", "model_name": "elasticity_policy",
             "model_version": f"elasticity_policy@{end}", "mlflow_version": None,
             "last_used_at": _iso(NOW), "rows": first.suggestions},
        ]  # fmt: skip
        assert listed["models"] == before["models"]  # the recs part is untouched

        # A day later with another forecaster: the newest rows win; the forecasts were
        # replaced (one per SKU), the suggestions superseded but still stored.
        world.clock.advance(timedelta(days=1))
        second = refresh_advice(world.app, days=DAYS, forecaster="croston")
        later = _iso(NOW + timedelta(days=1))
        admin = make_platform_admin(client, world.app)  # yesterday's token has expired
        advice = {a["family"]: a for a in ok(client.get(f"{API}/models", headers=admin))["advice"]}
        assert (advice["forecast"]["model_version"], advice["forecast"]["last_used_at"],
                advice["forecast"]["rows"]) == (f"croston@{NOW.date()}", later,
                                                second.forecasts)  # fmt: skip
        if second.suggestions:
            assert advice["pricing"]["model_version"] == f"elasticity_policy@{NOW.date()}"
            assert advice["pricing"]["rows"] == second.suggestions
        else:  # nothing new recorded: the previous batch's stay the newest
            assert advice["pricing"]["model_version"] == f"elasticity_policy@{end}"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _register_forecast_champion(uri: str, tmp_path: Path) -> str:
    """Version 1 of agora-forecast-demand, champion: a model folder holding only its
    model.json (all the advice batch reads of it)."""
    import mlflow

    source = tmp_path / "croston-v1"
    meta = source / "artifacts" / "model_dir" / "model.json"
    meta.parent.mkdir(parents=True)
    meta.write_text(json.dumps({"model": "croston", "params": {"alpha": 0.3, "sba": True}}))
    client = mlflow.MlflowClient(uri, registry_uri=uri)
    client.create_registered_model("agora-forecast-demand")
    mv = client.create_model_version("agora-forecast-demand", source=source.as_uri())
    client.set_model_version_tag("agora-forecast-demand", mv.version, "agora.model", "croston")
    client.set_registered_model_alias("agora-forecast-demand", "champion", mv.version)
    return str(mv.version)


@pytest.mark.parametrize("any_engine", ["sqlite"], indirect=True)
def test_with_the_mlflow_sync_on_the_advice_champions_are_listed(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    version = _register_forecast_champion(uri, tmp_path)
    app = dataclasses.replace(world.app, settings=world.app.settings.model_copy(
        update={"mlflow_tracking_uri": uri}))  # fmt: skip
    run = refresh_advice(app, days=DAYS, forecaster="champion")
    assert run.model_version == f"croston@mlflow-v{version}"

    with _serve(world, recs_mlflow_sync=True, mlflow_tracking_uri=uri) as client:
        listed = ok(client.get(f"{API}/models", headers=world.admin))
        problem(client.get(f"{API}/models", headers=world.buyer), 403, "platform_admin_required")
    forecast = next(a for a in listed["advice"] if a["family"] == "forecast")
    assert (forecast["model_name"], forecast["mlflow_version"]) == ("croston", version)
    champions = listed["advice_champions"]
    assert champions["error"] is None
    assert champions["checked_at"]
    assert [{k: c[k] for k in ("family", "registered_model", "version", "model",
                                "used_by_advice")} for c in champions["champions"]] == [
        {"family": "forecast", "registered_model": "agora-forecast-demand", "version": version,
         "model": "croston", "used_by_advice": True},
        {"family": "pricing", "registered_model": "agora-pricing-elasticity", "version": None,
         "model": None, "used_by_advice": False},
    ]  # fmt: skip

    # MLflow down: reported, not a 500; what the batch recorded is still listed
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2")
    down = f"http://127.0.0.1:{_closed_port()}"
    with _serve(world, recs_mlflow_sync=True, mlflow_tracking_uri=down) as client:
        failed = ok(client.get(f"{API}/models", headers=world.admin))
    assert failed["advice_champions"]["champions"] == []
    assert "API request" in failed["advice_champions"]["error"]
    assert failed["advice"] == listed["advice"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
