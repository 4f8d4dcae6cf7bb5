"""The demand-forecast pipeline's settings and the names it registers under."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipelines.extract import SourceConfig
from pipelines.registry import DEFAULT_MARGIN, DEFAULT_TOLERANCE

EXPERIMENT = "agora-forecast"
REGISTERED = "agora-forecast-demand"
METRIC = "rmsse"  # mean RMSSE over series, lower is better (docs/ml/forecasting-evaluation.md)
LEARNED = "lstm"  # the one candidate with a tuning grid (and a real fitting cost)
# The fast baselines: ETS (150 s per backtest on 500 series) and the LSTM are opt-in
# (``--candidates seasonal_naive,croston,tsb,lstm``).
DEFAULT_CANDIDATES: tuple[str, ...] = ("seasonal_naive", "croston", "tsb")
# Parameters the pipeline gives a model under the run's own ``params``: the LSTM's
# training budget is cut to keep a run on the demo data to minutes on 2 CPUs.
PIPELINE_PARAMS: dict[str, dict[str, Any]] = {
    "lstm": {"max_epochs": 8, "windows_per_epoch": 4096, "patience": 2},
}
# Ray Tune's grid over the LSTM, scored on the validation window before the test windows.
TUNE_SPACE: dict[str, list[Any]] = {"hidden_size": [32, 64], "lr": [1e-3, 3e-3]}


@dataclass(frozen=True)
class ForecastConfig(SourceConfig):
    """One run's choices. ``exports`` None: extract from ``database_url``; else read the
    ``agora export orders`` folder there (``<exports>/orders``). The panel holds the
    ``history_days`` up to the last complete day with demand."""

    candidates: tuple[str, ...] = DEFAULT_CANDIDATES
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # model -> params
    level: str = "sku"
    history_days: int = 365
    min_total_units: float = 1.0  # series that sold in the history window
    horizon: int = 28
    windows: int = 3  # test windows (backtest origins); fewer when the panel is short
    tune: bool = True
    tune_samples: int | None = None  # None: the whole grid
    n_boot: int = 1000
    seed: int = 0
    margin: float = DEFAULT_MARGIN
    tolerance: float = DEFAULT_TOLERANCE
    task_threads: int = 1

    @property
    def metric(self) -> str:
        return METRIC

    def model_params(self, name: str) -> dict[str, Any]:
        """The pipeline's defaults for ``name`` under the run's ``params``; the LSTM
        forecasts the run's horizon with its seed and threads."""
        found = {**PIPELINE_PARAMS.get(name, {}), **self.params.get(name, {})}
        if name == LEARNED:
            found = {"horizon": self.horizon, "seed": self.seed, **found}
            found["threads"] = self.task_threads
        return found

    def as_dict(self) -> dict[str, Any]:
        """JSON-able, without the database URL (it may hold a password)."""
        data = super().as_dict()
        data["params"] = {k: dict(v) for k, v in self.params.items()}
        data["candidates"] = list(self.candidates)
        return data
