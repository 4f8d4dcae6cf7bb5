"""What every family's ``promote`` stage shares around its gate (``pipelines.registry``).

The champion's folder is downloaded to read its recipe (``champion_folder``); once the gate
has decided, ``conclude`` moves ``champion`` to each promoted challenger, writes
``decisions.json`` and logs the gated decision to the run's MLflow run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.pyfunc import MODEL_DIR
from pipelines.registry import GateDecision, promote
from pipelines.stages import RunContext, write_json
from pipelines.tracking import log_gate

if TYPE_CHECKING:
    from mlflow import MlflowClient

DECISIONS_FILE = "decisions.json"


@contextmanager
def champion_folder(name: str, version: str) -> Iterator[Path]:
    """Version ``version`` of the registered model ``name`` downloaded from the active
    store: its ``model_dir`` folder, removed at the end of the block."""
    import mlflow

    with tempfile.TemporaryDirectory(prefix="agora-champion-") as tmp:
        local = mlflow.artifacts.download_artifacts(
            artifact_uri=f"models:/{name}/{version}", dst_path=tmp
        )
        yield Path(local) / "artifacts" / MODEL_DIR


def conclude(
    ctx: RunContext, client: MlflowClient, out: Path, decisions: Sequence[GateDecision],
    *, leader: GateDecision,
) -> dict[str, Any]:  # fmt: skip
    """Promote what the gate promoted, write ``decisions.json``, log ``leader`` (the gated
    decision) to the register stage's MLflow run; the ``promote`` stage's outputs."""
    for decision in decisions:
        if decision.promoted:
            promote(client, decision.model, decision.challenger_version)
        verdict = "promoted" if decision.promoted else "refused"
        ctx.log(
            f"promote: {decision.model} v{decision.challenger_version}: "
            f"{verdict} ({decision.reason})"
        )
    as_dicts = [d.as_dict() for d in decisions]
    write_json(out / DECISIONS_FILE, as_dicts)
    metrics = log_gate(client, ctx.outputs("register")["mlflow_run_id"], leader, as_dicts)
    return {"decisions": as_dicts, "promoted": leader.promoted, "metrics": metrics}
