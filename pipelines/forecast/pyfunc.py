"""The MLflow pyfunc face of a saved forecaster folder.

A registered ``agora-forecast-demand`` version holds the forecaster's own folder
(``model.json`` + arrays, no pickle) as the artifact ``model_dir``, and the run's horizon
as ``forecast.json``. This wrapper, logged as code (``model_code.py``), lets anything that
speaks MLflow ask it for forecasts.

Input: a DataFrame with ``series_id`` (a SKU id) and optionally ``horizon`` (days, default
the run's). Output: one row per series and day from the day after the fitted panel's end,
``series_id``, ``date``, ``mean`` and the quantiles ``q0.05`` .. ``q0.95``. A series the
model was not fitted on gets no rows.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.pyfunc.model import PythonModel
from mlflow.types import ColSpec, Schema

from forecasting.base import DEFAULT_QUANTILES
from pipelines.pyfunc import MODEL_DIR

SETTINGS = "forecast"  # artifact: forecast.json, {"horizon": 28}
SETTINGS_FILE = "forecast.json"
DEFAULT_HORIZON = 28
QUANTILES: tuple[float, ...] = DEFAULT_QUANTILES
CODE_FILE = Path(__file__).with_name("model_code.py")


def quantile_column(level: float) -> str:
    """``0.05`` -> ``q0.05``."""
    return f"q{level:g}"


COLUMNS = ["series_id", "date", "mean", *(quantile_column(q) for q in QUANTILES)]
SIGNATURE = ModelSignature(
    inputs=Schema([ColSpec("string", "series_id"), ColSpec("long", "horizon", required=False)]),
    outputs=Schema(
        [
            ColSpec("string", "series_id"),
            ColSpec("datetime", "date"),
            ColSpec("double", "mean"),
            *(ColSpec("double", quantile_column(q)) for q in QUANTILES),
        ]
    ),
)


def forecast_frame(model: Any, requests: pd.DataFrame, default_horizon: int) -> pd.DataFrame:
    """The rows ``requests`` (series_id, optional horizon) ask ``model`` for."""
    frame = pd.DataFrame(requests)
    ids = frame["series_id"].astype(str).tolist()
    raw = frame["horizon"] if "horizon" in frame else pd.Series([None] * len(frame))
    horizons = [default_horizon if pd.isna(h) else int(h) for h in raw]
    if any(h < 1 for h in horizons):
        raise ValueError("horizon must be at least 1")
    if not ids:
        return _empty()
    forecast = model.predict(max(horizons), quantiles=QUANTILES)
    row_of = {str(s): i for i, s in enumerate(forecast.series_ids)}
    dates = pd.to_datetime([forecast.start + timedelta(days=d) for d in range(forecast.horizon)])
    parts = []
    for sid, h in zip(ids, horizons, strict=True):
        row = row_of.get(sid)
        if row is None:
            continue
        part = {"series_id": [sid] * h, "date": dates[:h], "mean": forecast.mean[row, :h]}
        part |= {quantile_column(q): forecast.quantiles[q][row, :h] for q in QUANTILES}
        parts.append(pd.DataFrame(part))
    if not parts:
        return _empty()
    out = pd.concat(parts, ignore_index=True)
    return out[COLUMNS].astype(dict.fromkeys(COLUMNS[2:], np.float64))


def _empty() -> pd.DataFrame:
    columns: dict[str, Any] = {"series_id": pd.Series([], dtype=str),
                               "date": pd.Series([], dtype="datetime64[ns]")}  # fmt: skip
    columns |= {c: pd.Series([], dtype=np.float64) for c in COLUMNS[2:]}
    return pd.DataFrame(columns)


class ForecastModel(PythonModel):
    """Loads ``model_dir`` once; ``predict`` forecasts the series asked for."""

    def __init__(self) -> None:
        self.model: Any = None
        self.horizon = DEFAULT_HORIZON

    def load_context(self, context: Any) -> None:
        from forecasting import factory

        settings = context.artifacts.get(SETTINGS)
        if settings:
            self.horizon = int(json.loads(Path(settings).read_text())["horizon"])
        self.model = factory.load(Path(context.artifacts[MODEL_DIR]))

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> pd.DataFrame:
        return forecast_frame(self.model, model_input, self.horizon)


def input_example(series_id: str, horizon: int) -> pd.DataFrame:
    """One request for the signature's example (the run's busiest series)."""
    return pd.DataFrame({"series_id": [series_id], "horizon": [horizon]}).astype(
        {"series_id": str, "horizon": "int64"}
    )
