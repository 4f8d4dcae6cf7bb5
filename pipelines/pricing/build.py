"""``build``: the orders export read with Ray Data into the product panel.

Ray Data reads the orders export (``ray.data.read_parquet``) and keeps each block's lines of
paid orders in parallel; the driver turns them into the daily panel per product with
``forecasting.panel.panel_from_lines(level="product")`` (units, the quantity-weighted price
paid, promotion days: docs/ml/pricing.md) and records each product's category. The panel
ends on the last complete day with sales and holds the ``history_days`` before it, from
the first day anything sold. ``split.json`` fixes the test window (the last
``holdout_days``) and the validation window before it.

On a multi-node cluster the export must be on storage every node can read.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from forecasting.panel import panel_from_lines
from pipelines.panels import read_lines
from pipelines.pricing import data
from pipelines.pricing.config import MIN_FIT_DAYS, PricingConfig
from pipelines.stages import PipelineError, RunContext, write_json


def config(cfg: PricingConfig) -> dict[str, Any]:
    return {"history_days": cfg.history_days, "holdout_days": cfg.holdout_days}


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    cfg: PricingConfig = ctx.config
    extracted = ctx.outputs("extract")
    ctx.ray.ensure()
    lines, end = read_lines(
        extracted, data.ORDER_COLUMNS, data.sold_lines,
        empty="no_sales: the orders export holds no line of a paid order",
    )  # fmt: skip
    start = end - timedelta(days=cfg.history_days - 1)
    try:
        panel = panel_from_lines(lines.to_pandas(), level="product", start=start, end=end,
                                 min_total_units=1)  # fmt: skip
    except ValueError as exc:
        raise PipelineError(f"no_sales: {exc}") from exc
    panel = data.trim_leading(panel)
    if panel.n_series == 0:
        raise PipelineError(f"no_sales: no product sold between {start} and {end}")
    try:
        split = data.split_for(panel.n_days, holdout_days=cfg.holdout_days,
                               min_fit_days=MIN_FIT_DAYS)  # fmt: skip
    except ValueError as exc:
        raise PipelineError(f"cannot cut the test window: {exc}") from exc
    categories = data.categories(lines)
    data.write_panel(out / data.PANEL_FILE, panel)
    write_json(out / data.CATEGORIES_FILE, {p: categories.get(p, "") for p in panel.series_ids})
    summary = data.describe(panel, split)
    write_json(out / data.SPLIT_FILE, {"split": split.as_dict(), **summary})
    ctx.log(f"build: {panel.n_series} products x {panel.n_days} days ({summary['start']} .. "
            f"{end}), {summary['products_with_price_changes']} with price changes")  # fmt: skip
    keys = ("products", "days", "units", "products_with_price_changes")
    return {
        "dataset": {"lines": lines.num_rows, **summary},
        "split": split.as_dict(),
        "metrics": {f"data.{k}": summary[k] for k in keys},
    }
