"""Issue 8's end-to-end check, with real processes: the API runs (``agora serve``, MLflow
sync on, nothing registered yet) beside a small seeded SQLite marketplace; ``agora train
all`` runs every pipeline family on local Ray against a temporary MLflow store; the running
API then serves the user model version the gate made champion, without a restart, and
``GET /api/v1/models`` says so. Slow: the training alone takes minutes on two cores.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.pipelines.conftest import seed_market

pytestmark = pytest.mark.slow

ADMIN = ("ops@example.com", "train-all-e2e-Passw0rd")
TRAIN_TIMEOUT = 1500.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Stack:
    root: Path
    env: dict[str, str]
    base: str
    tracking_uri: str

    def agora(self, *args: str, timeout: float = 300.0) -> subprocess.CompletedProcess[str]:
        agora = str(Path(sys.executable).with_name("agora"))
        return subprocess.run(
            [agora, *args], cwd=self.root, env=self.env, capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("train-all")
    url = seed_market(root, days=150)  # the forecast backtest needs a few months
    _stock_every_merchant(url, root)
    # Not ./mlflow.db of the processes' working directory: that is where MLflow looks when
    # something resolves "models:/" against its process-wide default instead of our URI.
    (root / "mlflow").mkdir()
    tracking_uri = f"sqlite:///{root / 'mlflow' / 'mlflow.db'}"
    threads = dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AGORA_", "MLFLOW_"))},
        **threads, "HF_HUB_OFFLINE": "1", "AGORA_ENV": "test", "AGORA_LOG_JSON": "false",
        "AGORA_DATABASE_URL": url, "AGORA_MLFLOW_TRACKING_URI": tracking_uri,
        "AGORA_MLFLOW_ARTIFACTS": str(root / "artifacts"),
        "AGORA_MODELS_DIR": str(root / "models"), "AGORA_RECS_MLFLOW_SYNC": "true",
        "AGORA_RECS_RELOAD_SECONDS": "2",
    }  # fmt: skip
    port = _free_port()
    stack = Stack(root, env, f"http://127.0.0.1:{port}", tracking_uri)
    created = stack.agora("admin", "create", "--email", ADMIN[0], "--password", ADMIN[1])
    assert created.returncode == 0, created.stdout + created.stderr
    log = (root / "serve.log").open("w")
    agora = str(Path(sys.executable).with_name("agora"))
    server = subprocess.Popen(
        [agora, "serve", "--port", str(port)], cwd=root, env=env, stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        _wait_ready(stack.base, server, root / "serve.log")
        yield stack
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _stock_every_merchant(url: str, root: Path) -> None:
    """Synthetic history holds no stock: without it nothing is sellable, and every list
    would be empty whatever the model. Stocked as the demo does (through the services)."""
    from sqlalchemy import select

    from marketplace.bootstrap import bootstrap
    from marketplace.config import Settings
    from marketplace.parties.adapters.tables import merchants
    from marketplace.seeding import live
    from marketplace.shared.adapters.cache import InMemoryCache

    settings = Settings(database_url=url, env="test", log_json=False, models_dir=root / "unused")
    app = bootstrap(settings, cache=InMemoryCache())
    try:
        with app.engine.connect() as conn:
            ids = [str(r[0]) for r in conn.execute(select(merchants.c.id))]
        stocked = live.stock_merchants(app, ids, skus_per_merchant=1000, progress=lambda _m: None)
        assert stocked.skus > 0
    finally:
        app.engine.dispose()


def _wait_ready(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"agora serve exited {server.returncode}:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"agora serve not up after 120 s:\n{log.read_text()[-4000:]}")


def _token(base: str) -> str:
    form = {"username": ADMIN[0], "password": ADMIN[1]}
    response = httpx.post(f"{base}/api/v1/auth/token", data=form, timeout=30)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _busiest_buyer(url: str) -> str:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        row = conn.execute(
            "SELECT user_id FROM behaviour_events WHERE user_id IS NOT NULL "
            "GROUP BY user_id ORDER BY COUNT(*) DESC LIMIT 1"
        ).fetchone()
    return str(row[0])


def _champions(tracking_uri: str) -> dict[str, str]:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)
    found = {}
    for model in client.search_registered_models():
        if "champion" in model.aliases:
            found[model.name] = str(model.aliases["champion"])
    return found


def _user_recs(stack: Stack, user: str, token: str) -> dict[str, Any]:
    response = httpx.get(f"{stack.base}/api/v1/recommendations/users/{user}",
                         params={"k": 5}, headers={"Authorization": f"Bearer {token}"},
                         timeout=30)  # fmt: skip
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_train_all_registers_every_family_and_the_running_api_serves_the_new_version(
    stack: Stack,
) -> None:
    from pipelines.families import FAMILIES

    token = _token(stack.base)
    user = _busiest_buyer(stack.env["AGORA_DATABASE_URL"])
    before = _user_recs(stack, user, token)
    assert before["model"] != "als"  # nothing trained yet: popularity from the database

    started = time.monotonic()
    trained = stack.agora("train", "all", "--tune-samples", "2", "--runs-dir",
                          str(stack.root / "runs"), timeout=TRAIN_TIMEOUT)  # fmt: skip
    seconds = time.monotonic() - started
    assert trained.returncode == 0, trained.stdout[-6000:] + trained.stderr[-6000:]
    print(f"agora train all: {seconds:.0f} s\n{trained.stdout[-3000:]}")

    champions = _champions(stack.tracking_uri)
    assert "agora-recs-user" in champions
    expected = {"recsys": "agora-recs-user", "forecast": "agora-forecast-demand",
                "pricing": "agora-pricing-elasticity", "search": "agora-recs-search"}  # fmt: skip
    for name in FAMILIES:
        assert expected[name] in champions, (name, champions)
    version = champions["agora-recs-user"]
    assert not (stack.root / "mlflow.db").exists()  # nothing used MLflow's default store

    deadline, served = time.monotonic() + 90, before
    while time.monotonic() < deadline:  # the sync polls every 2 s; nothing is restarted
        served = _user_recs(stack, user, token)
        if (served["model"], served["model_version"]) == ("als", version):
            break
        time.sleep(1)
    assert (served["model"], served["model_version"]) == ("als", version), served
    assert served["items"]
    assert served["items"][0]["source"] == "model"

    listed = httpx.get(f"{stack.base}/api/v1/models",
                       headers={"Authorization": f"Bearer {token}"}, timeout=30)  # fmt: skip
    assert listed.status_code == 200, listed.text
    user_entry = next(m for m in listed.json()["models"] if m["surface"] == "user")
    assert user_entry["mlflow"]["registered_model"] == "agora-recs-user"
    assert str(user_entry["mlflow"]["version"]) == version
