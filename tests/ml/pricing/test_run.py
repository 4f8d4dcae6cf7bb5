"""The validation run end to end, on an orders export written from the simulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pricing.evaluation.policy_check import recent_mean_forecast
from pricing.evaluation.run import main, product_keys
from pricing.evaluation.simulator import SimulationSpec, simulate


def _write_export(root: Path, seed: int = 3) -> dict[str, Any]:
    spec = SimulationSpec(
        n_series=24,
        n_days=150,
        mean_units_range=(4.0, 15.0),
        n_groups=2,
        price_from_sales_only=True,
    )
    sim = simulate(spec, seed=seed)
    rows: dict[str, list[Any]] = {
        k: []
        for k in (
            "sku_id",
            "product_id",
            "sku_code",
            "category_id",
            "quantity",
            "refunded_quantity",
            "unit_price_minor",
            "list_price_minor",
            "price_rule",
            "currency",
            "placed_at",
            "status",
        )
    }
    for i in range(spec.n_series):
        for day in np.flatnonzero(sim.panel.units[i] > 0):
            unit = round(sim.true_price[i, day])
            # Two variants of one product: the units split between their SKUs.
            for variant, qty in enumerate(_split(int(sim.panel.units[i, day]))):
                if qty == 0:
                    continue
                rows["sku_id"].append(f"sku_{i}_{variant}")
                rows["product_id"].append(f"prod_{i:03d}")
                rows["sku_code"].append(f"SYN{seed}-{i}-{variant}")
                rows["category_id"].append(f"cat_{sim.groups[i]}")
                rows["quantity"].append(qty)
                rows["refunded_quantity"].append(0)
                rows["unit_price_minor"].append(unit)
                rows["list_price_minor"].append(
                    round(unit * 1.3) if sim.panel.promo[i, day] else unit
                )
                rows["price_rule"].append("list")
                rows["currency"].append("CNY")
                start = datetime.combine(spec.start + timedelta(days=int(day)), time(12), UTC)
                rows["placed_at"].append(start)
                rows["status"].append("completed")
    (root / "orders").mkdir(parents=True)
    pq.write_table(pa.table(rows), root / "orders" / "part-0.parquet")
    return {
        "seed": seed,
        "parameters": {},
        "model": {"elasticity_range": [-3.0, -0.5]},
        "products": [{"index": i, "elasticity": float(e)} for i, e in enumerate(sim.elasticity)],
    }


def _split(units: int) -> tuple[int, int]:
    return (units + 1) // 2, units // 2


def test_recent_mean_forecast() -> None:
    sim = simulate(SimulationSpec(n_series=2, n_days=40), seed=1)
    fc = recent_mean_forecast(sim.panel, window=10, horizon=5)
    assert fc.start == sim.panel.end + timedelta(days=1)
    assert fc.mean.shape == (2, 5)
    assert np.allclose(fc.mean[:, 0], sim.panel.units[:, -10:].mean(axis=1))


def test_product_keys_read_the_sku_codes(tmp_path: Path) -> None:
    _write_export(tmp_path)
    keys = product_keys(tmp_path)
    assert keys["prod_005"] == (5, keys["prod_005"][1])
    assert keys["prod_005"][1].startswith("cat_g")
    assert len(keys) == 24


def test_run_writes_json_and_markdown_with_the_figures(tmp_path: Path) -> None:
    truth = _write_export(tmp_path / "export")
    truth_path = tmp_path / "truth.json"
    truth_path.write_text(json.dumps(truth))
    out = tmp_path / "out"
    assert (
        main(["--orders", str(tmp_path / "export"), "--truth", str(truth_path), "--out", str(out)])
        == 0
    )
    result = json.loads((out / "pricing-evaluation.json").read_text())
    main_scores = result["variants"]["main"]["scores"]
    assert result["protocol"]["n_products_sold"] == 24
    assert main_scores["raw"]["n"] + main_scores["prior_only"]["n"] == 24
    assert main_scores["shrunk_all"]["n"] == 24
    assert 0.0 <= main_scores["raw"]["coverage_95"] <= 1.0
    assert main_scores["raw"]["mae"] < 0.6
    assert main_scores["shrunk_identifiable"]["mae"] <= main_scores["raw"]["mae"]
    assert {p["product_index"] for p in result["products"]} == set(range(24))
    assert result["reference"]["midpoint"] == -1.75
    assert result["run_time_s"] > 0
    policy = result["policy"]
    assert policy["requests"] == 24
    assert 0 < policy["changed"] <= 24
    assert policy["changed"] + sum(policy["reasons"].values()) == 24
    # Scored with the planted elasticities, the moves raise profit on average.
    assert policy["share_true_profit_gain"] > 0.5
    assert policy["mean_true_profit_gain_pct"] > 0
    text = (out / "pricing-evaluation.md").read_text()
    assert "raw, identifiable products" in text
    assert "prices_carried_forward" in text
