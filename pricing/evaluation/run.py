"""Recover the synthetic marketplace's planted elasticities from its orders export.

    python -m pricing.evaluation.run --orders /tmp/export --truth truth.json --out /tmp/out

The panel is built per product (SKUs of one product share its price and elasticity) by
``forecasting.panel.panel_from_orders``; the product behind each ``product_id`` is read
from its SKU codes (``SYN{seed}-{product index}-{variant}``) and matched to the truth's
``products[index].elasticity``. Elasticities are estimated with prices seen only on sale
days (what an orders export gives), shrunk toward their category, and scored; the same
estimator with naively carried-forward prices is scored too, as an ablation. Writes
``pricing-evaluation.json`` and ``pricing-evaluation.md`` into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

from forecasting.base import Panel
from forecasting.panel import panel_from_orders
from pricing.design import Controls
from pricing.elasticity import (
    METHOD,
    ElasticityEstimate,
    Identifiability,
    estimate_elasticities,
)
from pricing.evaluation import metrics, recovery
from pricing.evaluation.policy_check import check_policy
from pricing.evaluation.report import markdown
from pricing.shrinkage import NoIdentifiableSeriesError, shrink

_SKU_CODE = re.compile(r"^SYN(\d+)-(\d+)-(\d+)$")

MAIN = "main"
# name -> (controls, prices seen on sale days only); the first is the library's default.
VARIANTS: dict[str, tuple[Controls, bool]] = {
    MAIN: (Controls(), True),
    "no_trend": (Controls(trend_degree=0), True),
    "no_market_index": (Controls(market_index=False), True),
    "prices_carried_forward": (Controls(), False),
}


def product_keys(orders: str | Path) -> dict[str, tuple[int, str]]:
    """``product_id -> (synthetic product index, category_id)`` from the export's lines."""
    root = Path(orders)
    if (root / "orders").is_dir():
        root = root / "orders"
    table = ds.dataset(root, format="parquet").to_table(
        columns=["product_id", "sku_code", "category_id"]
    )
    out: dict[str, tuple[int, str]] = {}
    for pid, code, cat in zip(
        *(table.column(c).to_pylist() for c in table.column_names), strict=True
    ):
        match = _SKU_CODE.match(str(code))
        if match and pid not in out:
            out[str(pid)] = (int(match.group(2)), str(cat))
    return out


def evaluate(
    panel: Panel,
    keys: dict[str, tuple[int, str]],
    truth: dict[str, Any],
    *,
    level: float = 0.95,
) -> dict[str, Any]:
    """Estimate, shrink and score; the result is what the JSON holds (less the run time)."""
    planted = {int(p["index"]): float(p["elasticity"]) for p in truth["products"]}
    by_series = {pid: planted[idx] for pid, (idx, _) in keys.items() if idx in planted}
    groups = {pid: cat for pid, (_, cat) in keys.items()}
    criteria = Identifiability()
    out: dict[str, Any] = {"variants": {}}
    for name, (controls, seen_on_sales) in VARIANTS.items():
        started = time.perf_counter()
        estimates = estimate_elasticities(
            panel,
            groups=groups,
            controls=controls,
            criteria=criteria,
            level=level,
            price_seen_on_sales=seen_on_sales,
        )
        try:
            shrunk = shrink(estimates, level=level)
        except NoIdentifiableSeriesError:
            out["variants"][name] = _unidentified(estimates, controls, seen_on_sales, started)
            continue
        rows = recovery.pair(estimates, shrunk, by_series)
        out["variants"][name] = {
            "controls": vars(controls),
            "price_seen_on_sales": seen_on_sales,
            "scores": recovery.score(rows),
            "shrinkage": {
                "tau": round(shrunk.tau, 4),
                "global_mean": round(shrunk.global_mean, 4),
                "groups": len(shrunk.priors),
            },
            "estimate_time_s": round(time.perf_counter() - started, 2),
        }
        if name == MAIN:
            out["products"] = [_product_row(r, keys) for r in rows]
            out["reference"] = _reference(rows, truth)
            out["policy"] = check_policy(panel, estimates, shrunk.rows, by_series)
    out["protocol"] = {
        "estimator": METHOD,
        "identifiability": vars(criteria),
        "level": level,
        "series": "product",
        "n_products_truth": len(planted),
        "n_products_sold": panel.n_series,
        "n_days": panel.n_days,
        "start": panel.start.isoformat(),
        "units_total": float(panel.units.sum()),
        "seed": truth.get("seed"),
        "parameters": truth.get("parameters"),
        "elasticity_range": truth.get("model", {}).get("elasticity_range"),
    }
    return out


def _unidentified(
    estimates: Sequence[ElasticityEstimate], controls: Controls, seen: bool, started: float
) -> dict[str, Any]:
    """A variant in which no product could be estimated: only the reasons are reported."""
    return {
        "controls": vars(controls),
        "price_seen_on_sales": seen,
        "scores": None,
        "not_identifiable_reasons": dict(Counter(str(e.reason) for e in estimates)),
        "estimate_time_s": round(time.perf_counter() - started, 2),
    }


def _reference(rows: Sequence[recovery.Scored], truth: dict[str, Any]) -> dict[str, Any]:
    """What knowing only the planted range gives: its mid-point for every product."""
    bounds = truth.get("model", {}).get("elasticity_range")
    if not bounds or not rows:
        return {}
    mid = (float(bounds[0]) + float(bounds[1])) / 2
    values = [r.truth for r in rows]
    return {"midpoint": mid, "mae": round(metrics.mae([mid] * len(values), values), 4)}


def _product_row(r: recovery.Scored, keys: dict[str, tuple[int, str]]) -> dict[str, Any]:
    e = r.raw
    return {
        "product_index": keys[e.series_id][0],
        "product_id": e.series_id,
        "category_id": e.group,
        "truth": r.truth,
        "units": e.units,
        "n_obs": e.n_obs,
        "log_price_sd": round(e.log_price_sd, 4),
        "identifiable": e.identifiable,
        "reason": e.reason,
        "raw": None if not e.identifiable else round(e.estimate, 4),
        "raw_se": None if not e.identifiable else round(e.se, 4),
        "shrunk": round(r.shrunk_estimate, 4),
        "shrunk_ci": [round(r.shrunk_low, 4), round(r.shrunk_high, 4)],
        "shrink_weight": round(r.shrunk_weight, 4),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    started = time.perf_counter()
    truth = json.loads(Path(args.truth).read_text())
    panel = panel_from_orders(args.orders, level="product")
    keys = product_keys(args.orders)
    result = evaluate(panel, keys, truth, level=args.level)
    result["run_time_s"] = round(time.perf_counter() - started, 2)
    result["protocol"]["orders"] = str(args.orders)
    result["protocol"]["truth"] = str(args.truth)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "pricing-evaluation.json").write_text(json.dumps(result, indent=2, sort_keys=True))
    (out / "pricing-evaluation.md").write_text(markdown(result))
    print(markdown(result))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pricing.evaluation.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--orders", required=True, help="an `agora export orders` directory")
    parser.add_argument("--truth", required=True, help="the synthetic ground-truth JSON")
    parser.add_argument("--out", required=True, help="directory for the JSON and markdown")
    parser.add_argument("--level", type=float, default=0.95, help="interval level")
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
