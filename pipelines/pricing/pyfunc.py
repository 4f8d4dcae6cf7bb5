"""The MLflow pyfunc face of a saved elasticity model folder.

A registered version holds our own folder (``model.json`` + ``elasticities.npz``, no
pickle) as the artifact ``model_dir``; anything that reads the folder (``pricing.model.
ElasticityModel.load``) needs no MLflow. This wrapper lets ``mlflow.pyfunc.load_model`` and
``mlflow models serve`` answer too. It is logged as *code* (``model_code.py``), not pickled.

Input: a DataFrame with ``product_id`` and optionally ``price_ratio`` (new price over the
current one, default 1). Output, one row per input row: ``product_id``, ``elasticity``,
``low``, ``high`` (its interval), ``identifiable`` and ``expected_units_ratio`` (units at
the new price over units at the current one, ``price_ratio ** elasticity``). An unknown
product, or one without an elasticity, gets NaN and ``identifiable`` false.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.pyfunc.model import PythonModel
from mlflow.types import ColSpec, Schema

from pipelines.pyfunc import MODEL_DIR
from pricing.model import ElasticityModel

CODE_FILE = Path(__file__).with_name("model_code.py")
OUTPUT_COLUMNS = ["product_id", "elasticity", "low", "high", "identifiable",
                  "expected_units_ratio"]  # fmt: skip
SIGNATURE = ModelSignature(
    inputs=Schema(
        [ColSpec("string", "product_id"), ColSpec("double", "price_ratio", required=False)]
    ),
    outputs=Schema(
        [
            ColSpec("string", "product_id"),
            ColSpec("double", "elasticity"),
            ColSpec("double", "low"),
            ColSpec("double", "high"),
            ColSpec("boolean", "identifiable"),
            ColSpec("double", "expected_units_ratio"),
        ]
    ),
)


def answer(model: ElasticityModel, frame: pd.DataFrame) -> pd.DataFrame:
    """What the pyfunc returns for ``frame`` (the wrapper's logic, without MLflow)."""
    ids = frame["product_id"].astype(str).to_numpy()
    ratio = (
        pd.to_numeric(frame["price_ratio"], errors="coerce").fillna(1.0).to_numpy(np.float64)
        if "price_ratio" in frame
        else np.ones(len(ids))
    )
    rows = model.rows(ids)
    known = rows >= 0
    safe = np.maximum(rows, 0)

    def column(name: str) -> np.ndarray:
        return np.where(known, model.columns[name][safe].astype(np.float64), np.nan)

    identifiable = known & model.columns["identifiable"][safe].astype(bool)
    out = pd.DataFrame({
        "product_id": ids, "elasticity": column("elasticity"), "low": column("low"),
        "high": column("high"), "identifiable": identifiable,
        "expected_units_ratio": model.units_ratio(ids, ratio),
    })  # fmt: skip
    return out.astype({"product_id": str, "identifiable": bool})[OUTPUT_COLUMNS]


class ElasticityPyfunc(PythonModel):
    """Loads ``model_dir`` once; ``predict`` answers every input row."""

    def __init__(self) -> None:
        self.model: ElasticityModel | None = None

    def load_context(self, context: Any) -> None:
        self.model = ElasticityModel.load(Path(context.artifacts[MODEL_DIR]))

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        if self.model is None:
            raise RuntimeError("the elasticity model is not loaded")
        return answer(self.model, pd.DataFrame(model_input))


def input_example(product_id: str) -> pd.DataFrame:
    """One product at a 10 % lower price (the signature's example)."""
    return pd.DataFrame({"product_id": [product_id], "price_ratio": [0.9]})
