"""The forecast pipeline's data: the demand panel ``build`` writes and the evaluation split.

The panel is ``forecasting.panel``'s (daily units, price and promotion per SKU), stored
as ``panel.npz`` (read without pickle). The split fixes the backtest: the last
``windows`` windows of ``horizon`` days are the test windows (``forecasting.evaluation.
backtest.origins``), the window right before them is the validation window tuning
scores on, and every model is fitted on all days before the window it forecasts.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from forecasting import schema
from forecasting.base import Panel
from forecasting.evaluation.backtest import MIN_TRAIN_DAYS, BacktestConfig, origins
from forecasting.models.core import first_sale

# The panel's file is shared with the other panel family; the stages and the notebooks read
# it through this module.
from pipelines.panels import PANEL_FILE as PANEL_FILE
from pipelines.panels import read_panel as read_panel
from pipelines.panels import write_panel as write_panel

SPLIT_FILE = "split.json"
ORDER_COLUMNS = list(schema.ORDER_COLUMNS)


def demand_lines(batch: pa.Table) -> pa.Table:
    """The order lines that can be demand (a Ray Data batch UDF): paid orders only, in
    the export's columns. ``forecasting.panel`` applies the same rule again."""
    statuses = pa.array(sorted(schema.NOT_DEMAND_STATUSES))
    keep = pc.invert(pc.is_in(batch[schema.STATUS], value_set=statuses))
    return batch.filter(keep).select(ORDER_COLUMNS)


def trim_leading(panel: Panel) -> Panel:
    """The panel from the first day any series sold (days before it hold nothing)."""
    first = int(first_sale(panel.units).min()) if panel.n_series else 0
    return panel.window(first, panel.n_days - first) if first else panel


@dataclass(frozen=True)
class Split:
    """The backtest of a run: test origins (columns of the panel, oldest first) and the
    validation origin before them."""

    horizon: int
    windows: int
    origins: tuple[int, ...]
    validation_origin: int
    n_days: int

    @property
    def test_start(self) -> int:
        """The first test window's origin: nothing from it on is seen while tuning."""
        return self.origins[0]

    def backtest(self) -> BacktestConfig:
        """The test windows' backtest (on the whole panel)."""
        return BacktestConfig(horizon=self.horizon, windows=self.windows)

    def validation(self) -> BacktestConfig:
        """The validation window's backtest (on the panel's head up to ``test_start``)."""
        return BacktestConfig(horizon=self.horizon, windows=1)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["origins"] = list(self.origins)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Split:
        return cls(int(data["horizon"]), int(data["windows"]),
                   tuple(int(o) for o in data["origins"]), int(data["validation_origin"]),
                   int(data["n_days"]))  # fmt: skip


def split_for(n_days: int, *, horizon: int, windows: int) -> Split:
    """Up to ``windows`` test windows and one validation window, each model fitted on at
    least ``MIN_TRAIN_DAYS``; ValueError when not even one test window fits."""
    if horizon < 1 or windows < 1:
        raise ValueError("horizon and windows must be positive")
    fit = (n_days - MIN_TRAIN_DAYS) // horizon - 1  # one window is validation's
    if fit < 1:
        needed = MIN_TRAIN_DAYS + 2 * horizon
        raise ValueError(
            f"{n_days} days of demand cannot hold a validation and a test window of "
            f"{horizon} days after {MIN_TRAIN_DAYS} training days (needs {needed})"
        )
    chosen = min(windows, fit)
    starts = origins(n_days, horizon, chosen)
    return Split(horizon, chosen, tuple(starts), starts[0] - horizon, n_days)


def read_split(build_dir: Path) -> Split:
    return Split.from_dict(json.loads((build_dir / SPLIT_FILE).read_text())["split"])


def describe(panel: Panel, split: Split) -> dict[str, Any]:
    """What split.json records besides the split: the panel and the windows as dates."""
    days = panel.dates()
    return {
        "series": panel.n_series,
        "days": panel.n_days,
        "start": panel.start.isoformat(),
        "end": panel.end.isoformat(),
        "units": float(panel.units.sum()),
        "zero_share": float((panel.units == 0).mean()) if panel.units.size else 0.0,
        "test_origins": [days[o].isoformat() for o in split.origins],
        "validation_origin": days[split.validation_origin].isoformat(),
    }
