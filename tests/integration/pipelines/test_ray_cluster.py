"""`agora train all --ray-address` against a real Ray cluster: a head started here with
`ray start --head --num-cpus 2 --port <free> --block` and stopped by signalling that
process (it takes its raylet and GCS with it; `ray stop` would kill every Ray on the
machine)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.families import FAMILIES
from pipelines.runtime import Tracking
from tests.integration.pipelines.conftest import seed_market

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"Ray head did not listen on {port} within {seconds} s")


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[str, Path]]:
    """(address, temp dir) of a local one-node cluster; a short temp dir, because Ray's
    socket paths must stay under ~107 characters."""
    port = _free_port()
    temp = Path(tempfile.mkdtemp(prefix="agora-ray-", dir="/tmp"))
    env = {**os.environ, "RAY_AUTH_MODE": "disabled"}  # a loopback-only test cluster
    head = subprocess.Popen(
        [str(BIN / "ray"), "start", "--head", "--num-cpus", "2", "--port", str(port),
         "--node-ip-address", "127.0.0.1", "--include-dashboard=false",
         "--object-store-memory", "200000000", "--temp-dir", str(temp), "--block"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_port(port, 60)
        time.sleep(3)  # the raylet registers with the GCS after the port opens
        yield f"127.0.0.1:{port}", temp
    finally:
        head.send_signal(signal.SIGTERM)
        try:
            head.wait(timeout=30)
        except subprocess.TimeoutExpired:
            head.kill()
            head.wait()
        shutil.rmtree(temp, ignore_errors=True)


def test_train_all_runs_on_the_cluster_and_registers_champions(
    cluster: tuple[str, Path], tracking: Tracking, tmp_path: Path
) -> None:
    address, temp = cluster
    market_url = seed_market(tmp_path, days=150)  # the forecast backtest needs a few months
    env = {
        **os.environ, "AGORA_DATABASE_URL": market_url, "RAY_AUTH_MODE": "disabled",
        "AGORA_MLFLOW_TRACKING_URI": tracking.uri,
        "AGORA_MLFLOW_ARTIFACTS": str(tracking.artifacts), "HF_HUB_OFFLINE": "1", "RAY_ADDRESS": "",
    }  # fmt: skip
    runs = tmp_path / "runs"

    trained = subprocess.run(
        [str(BIN / "agora"), "train", "all", "--ray-address", address, "--no-tune",
         "--runs-dir", str(runs)],
        env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip

    assert trained.returncode == 0, trained.stdout[-3000:] + trained.stderr[-3000:]
    for name in FAMILIES:
        assert len(list(runs.glob(f"{name}/*/results.json"))) == 1, name
    (results_file,) = runs.glob("recsys/*/results.json")
    results = json.loads(results_file.read_text())
    assert results["complete"]
    assert {d["promoted"] for d in results["decisions"]} == {True}
    assert results["versions"]["similar"]["model"] == "hybrid"  # texts embedded by default
    # the driver ran against the cluster: its log sits in the cluster's session folder
    assert list(temp.glob("session_*/logs/python-core-driver-*"))
    listed = subprocess.run([str(BIN / "agora"), "models", "list"], env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert "agora-recs-user (1 version; challenger v1, champion v1)" in listed.stdout
