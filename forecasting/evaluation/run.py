"""Backtest forecasters on an orders export.

    python -m forecasting.evaluation.run --orders <export dir> --out <dir> \
        [--models seasonal_naive,ets,croston,tsb] [--top 500]

Writes ``<out>/report.json``, ``<out>/report.md`` and ``<out>/series.csv`` (per-series
scores) and prints the markdown. docs/ml/forecasting-evaluation.md describes the protocol.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from threadpoolctl import threadpool_limits

from forecasting import factory
from forecasting.base import Panel
from forecasting.evaluation.backtest import BacktestConfig, ModelResult, backtest, origins
from forecasting.evaluation.report import (
    champion,
    champion_of,
    compare,
    to_json,
    to_markdown,
    verdict,
)
from forecasting.panel import panel_from_orders


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m forecasting.evaluation.run")
    parser.add_argument("--orders", required=True, help="orders export (root or orders/)")
    parser.add_argument("--out", required=True, help="directory for the report")
    parser.add_argument("--models", default=",".join(factory.BASELINES))
    parser.add_argument("--top", type=int, default=None, help="keep the N series with most units")
    parser.add_argument("--level", choices=["sku", "product"], default="sku")
    parser.add_argument("--min-total-units", type=float, default=0.0)
    parser.add_argument("--min-active-days", type=int, default=0)
    parser.add_argument(
        "--end",
        type=date.fromisoformat,
        default=None,
        help="last day of the panel (default: the last day with an order)",
    )
    parser.add_argument("--horizon", type=int, default=28)
    parser.add_argument("--windows", type=int, default=3)
    parser.add_argument(
        "--future-covariates",
        action="store_true",
        help="pass each window's observed prices and promotions (leaks a little)",
    )
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads")
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default=None, help="dataset label in the report")
    parser.add_argument(
        "--params", default="{}", help='JSON per model, e.g. {"ets": {"model": "ZZA"}}'
    )
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build the panel, backtest every model, write the report; returns the JSON report."""
    t0 = time.perf_counter()
    panel = panel_from_orders(
        args.orders,
        level=args.level,
        min_total_units=args.min_total_units,
        min_active_days=args.min_active_days,
        top_n=args.top,
        end=args.end,
    )
    panel_seconds = time.perf_counter() - t0
    config = BacktestConfig(
        horizon=args.horizon, windows=args.windows, future_covariates=args.future_covariates
    )
    results = backtest_models(args, panel, config)
    comparisons = compare(results, factory.BASELINES, n_boot=args.n_boot, seed=args.seed)
    best = champion_of(results, comparisons, factory.BASELINES)
    decision = verdict(best, comparisons, passed_over=champion(results))
    info = _info(args, panel, config, panel_seconds)
    report = to_json(info, results, comparisons, decision)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    markdown = to_markdown(report)
    (out / "report.md").write_text(markdown)
    write_series_scores(out / "series.csv", results)
    print(markdown)
    return report


def backtest_models(
    args: argparse.Namespace, panel: Panel, config: BacktestConfig
) -> dict[str, ModelResult]:
    """Every model named in --models, under the thread limit."""
    overrides: dict[str, dict[str, Any]] = json.loads(args.params)
    results: dict[str, ModelResult] = {}
    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        params = dict(overrides.get(name, {}))
        factory.model_class(name)  # an unknown name fails before any work
        with threadpool_limits(limits=args.threads):
            results[name] = backtest(name, partial(factory.make, name, **params), panel, config)
        s = results[name].summary()
        print(
            f"{name}: RMSSE {s['rmsse']:.3f}, fit {s['fit_seconds']:.1f} s, "
            f"predict {s['predict_seconds']:.1f} s",
            flush=True,
        )
    return results


def _info(
    args: argparse.Namespace, panel: Panel, config: BacktestConfig, panel_seconds: float
) -> dict[str, Any]:
    starts = origins(panel.n_days, config.horizon, config.windows)
    return {
        "dataset": args.name or str(args.orders),
        "level": args.level,
        "n_series": panel.n_series,
        "n_days": panel.n_days,
        "start": panel.start.isoformat(),
        "end": panel.end.isoformat(),
        "units": float(panel.units.sum()),
        "zero_share": float((panel.units == 0).mean()),
        "top": args.top,
        "min_total_units": args.min_total_units,
        "min_active_days": args.min_active_days,
        "horizon": config.horizon,
        "windows": config.windows,
        "origins": [panel.dates()[o].isoformat() for o in starts],
        "quantiles": list(config.quantiles),
        "future_covariates": config.future_covariates,
        "params": json.loads(args.params),
        "n_boot": args.n_boot,
        "seed": args.seed,
        "threads": args.threads,
        "panel_seconds": panel_seconds,
    }


def write_series_scores(path: Path, results: dict[str, ModelResult]) -> None:
    """One row per (model, series): the window-averaged scaled scores."""
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["model", "series_id", "rmsse", "mase", "spl"])
        for name, r in results.items():
            columns = [r.per_series(m) for m in ("rmsse", "mase", "spl")]
            for i, sid in enumerate(r.series_ids):
                writer.writerow([name, sid, *(f"{c[i]:.6g}" for c in columns)])


def main(argv: list[str] | None = None) -> None:
    run(parse_args(argv))


if __name__ == "__main__":
    main()
