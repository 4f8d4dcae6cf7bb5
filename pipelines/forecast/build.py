"""``build``: the orders export read with Ray Data into the daily demand panel.

Ray Data reads the orders export (``ray.data.read_parquet``) and keeps each block's lines
of paid orders in parallel; the driver turns them into the panel with
``forecasting.panel.panel_from_lines`` (demand per SKU and UTC day, price, promotion: the
rules of docs/ml/forecasting-evaluation.md). The panel ends on the last complete day with
demand and holds the ``history_days`` before it, from the first day anything sold; series
that sold under ``min_total_units`` in that time are left out. ``split.json`` fixes the
test windows (the last ``windows`` x ``horizon`` days, fewer windows when the panel is
short) and the validation window before them.

On a multi-node cluster the export must be on storage every node can read.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from forecasting.panel import panel_from_lines
from pipelines.forecast import data
from pipelines.forecast.config import ForecastConfig
from pipelines.panels import read_lines
from pipelines.stages import PipelineError, RunContext, write_json


def config(cfg: ForecastConfig) -> dict[str, Any]:
    return {
        "level": cfg.level,
        "history_days": cfg.history_days,
        "min_total_units": cfg.min_total_units,
        "horizon": cfg.horizon,
        "windows": cfg.windows,
    }


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    cfg: ForecastConfig = ctx.config
    extracted = ctx.outputs("extract")
    ctx.ray.ensure()
    lines, end = read_lines(
        extracted, data.ORDER_COLUMNS, data.demand_lines,
        empty="no_demand: the orders export holds no line of a paid order",
    )  # fmt: skip
    start = end - timedelta(days=cfg.history_days - 1)
    try:
        panel = panel_from_lines(
            lines.to_pandas(), level=cfg.level, start=start, end=end,
            min_total_units=cfg.min_total_units,
        )  # fmt: skip
    except ValueError as exc:
        raise PipelineError(f"no_demand: {exc}") from exc
    panel = data.trim_leading(panel)
    if panel.n_series == 0:
        raise PipelineError(f"no_demand: no series sold {cfg.min_total_units:g} units by {end}")
    try:
        split = data.split_for(panel.n_days, horizon=cfg.horizon, windows=cfg.windows)
    except ValueError as exc:
        raise PipelineError(f"cannot cut backtest windows: {exc}") from exc
    if split.windows < cfg.windows:
        ctx.log(f"build: {panel.n_days} days hold {split.windows} of {cfg.windows} test windows")
    data.write_panel(out / data.PANEL_FILE, panel)
    summary = data.describe(panel, split)
    write_json(out / data.SPLIT_FILE, {"split": split.as_dict(), **summary})
    ctx.log(f"build: {panel.n_series} series x {panel.n_days} days ({summary['start']} .. {end})")
    return {
        "dataset": {"lines": lines.num_rows, **summary},
        "split": split.as_dict(),
        "params": {"windows": split.windows},
    }
