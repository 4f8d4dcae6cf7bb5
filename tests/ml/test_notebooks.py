"""The notebooks (``notebooks/*.ipynb``, notebooks/README.md), every one found there.

Each is stored stripped (no outputs, no execution counts, nothing ``nbstripout`` would
remove) and valid nbformat. Each runs end to end under nbclient with the project's
``python3`` kernel, in a temporary working directory, against a small seeded SQLite
marketplace and a temporary MLflow store shared by the module, in small mode
(``AGORA_NOTEBOOK_SMALL=1``); it must draw at least one plot and, as every notebook ends,
register at least one new model version.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from marketplace.config import PROJECT_ROOT
from pipelines import runtime
from pipelines.registry import list_models
from pipelines.runtime import Tracking, thread_env
from tests.integration.pipelines.conftest import seed_market

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "python3"
CELL_TIMEOUT = 600  # seconds; each notebook takes about a minute at most in small mode
# Days of history of the test marketplace: the demand forecast backtests over a few months
# (as tests/e2e/test_train_all_serves.py); the other notebooks need less.
MARKET_DAYS = 150
# Inherited settings a notebook must not pick up from the machine running the tests.
_NOT_INHERITED = ("AGORA_", "MLFLOW_", "RAY_ADDRESS", "MPLBACKEND")


def _ids(path: Path) -> str:
    return path.stem


@pytest.fixture(scope="module")
def notebook_market(tmp_path_factory: pytest.TempPathFactory) -> str:
    return seed_market(tmp_path_factory.mktemp("notebook-market"), days=MARKET_DAYS)


@pytest.fixture(scope="module")
def notebook_tracking(tmp_path_factory: pytest.TempPathFactory) -> Tracking:
    root = tmp_path_factory.mktemp("notebook-mlflow")
    return Tracking(f"sqlite:///{root / 'mlflow.db'}", root / "artifacts")


def _kernel_env(workdir: Path, market_url: str, tracking: Tracking) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_NOT_INHERITED)}
    return env | thread_env(1) | {
        "AGORA_DATABASE_URL": market_url,
        "AGORA_MLFLOW_TRACKING_URI": tracking.uri,
        "AGORA_MLFLOW_ARTIFACTS": str(tracking.artifacts),
        "AGORA_PIPELINES_DIR": str(workdir / "var" / "pipelines"),
        "AGORA_NOTEBOOK_SMALL": "1",
        "HF_HUB_OFFLINE": "1",
    }  # fmt: skip


def _read(path: Path, version: Any = 4) -> nbformat.NotebookNode:
    """The notebook, in nbformat 4 (``nbformat.NO_CONVERT``: as stored)."""
    found: nbformat.NotebookNode = nbformat.read(path, as_version=version)  # type: ignore[no-untyped-call]
    return found


def _execute(notebook: nbformat.NotebookNode, workdir: Path, env: dict[str, str]) -> None:
    """Run every cell in a fresh kernel started in ``workdir``; CellExecutionError (with
    the failing cell's traceback) on the first cell that raises."""
    client = NotebookClient(
        notebook, kernel_name=KERNEL, timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(workdir)}},
    )  # fmt: skip
    client.execute(env=env)


def _versions(tracking: Tracking) -> set[tuple[str, str]]:
    """Every (registered model, version) in the store."""
    client = runtime.client(tracking)
    return {(m.name, v.version) for m in list_models(client, prefix="") for v in m.versions}


def _images(notebook: nbformat.NotebookNode) -> int:
    return sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )


def test_there_are_notebooks() -> None:
    names = {p.name for p in NOTEBOOKS}
    assert {"01_explore_marketplace.ipynb", "02_retrain_recommender.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_the_notebook_is_valid_and_stored_without_outputs(path: Path) -> None:
    notebook = _read(path, nbformat.NO_CONVERT)
    nbformat.validate(notebook)
    assert notebook.nbformat == 4
    assert notebook.metadata.kernelspec.name == KERNEL
    code = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    assert code, f"{path.name} has no code cell"
    executed = [i for i in code if notebook.cells[i].outputs or notebook.cells[i].execution_count]
    assert not executed, f"{path.name}: cells {executed} keep outputs; run nbstripout on it"
    # What `make lint` runs: nbstripout's own verdict (metadata it strips included).
    verify = subprocess.run(
        [sys.executable, "-m", "nbstripout", "--verify", str(path)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, check=False,
    )  # fmt: skip
    assert verify.returncode == 0, f"nbstripout would change {path.name}: {verify.stdout}"


def test_the_python3_kernel_is_this_virtualenv(tmp_path: Path) -> None:
    cell = new_code_cell("import sys\nprint(sys.prefix)")  # type: ignore[no-untyped-call]
    notebook = new_notebook(cells=[cell])  # type: ignore[no-untyped-call]

    _execute(notebook, tmp_path, dict(os.environ))

    assert notebook.cells[0].outputs[0]["text"].strip() == sys.prefix


# 22-60 s per notebook on the 2-core machine (mostly Ray's start, tuning and MLflow), the
# four 1.9-2.3 min: in every run (notebooks not run rot), and alone by `make notebooks`.
@pytest.mark.timeout(CELL_TIMEOUT)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids)
def test_the_notebook_runs_draws_and_registers_a_model(
    path: Path, notebook_market: str, notebook_tracking: Tracking, tmp_path: Path
) -> None:
    before = _versions(notebook_tracking)
    notebook = _read(path)

    _execute(notebook, tmp_path, _kernel_env(tmp_path, notebook_market, notebook_tracking))

    registered = _versions(notebook_tracking) - before
    assert registered, f"{path.name} registered no new model version"
    assert _images(notebook) >= 1, f"{path.name} drew no plot (image/png output)"
