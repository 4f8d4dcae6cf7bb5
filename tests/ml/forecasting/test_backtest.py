"""Rolling origins, window scores by hand, the champion rule, the report and the command."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from forecasting import factory
from forecasting.base import Forecast, Panel
from forecasting.evaluation.backtest import BacktestConfig, backtest, origins, score_window
from forecasting.evaluation.bootstrap import paired_relative_difference
from forecasting.evaluation.report import (
    champion,
    champion_of,
    compare,
    to_json,
    to_markdown,
    verdict,
)
from forecasting.evaluation.run import main
from tests.ml.forecasting.conftest import WEEK


def test_origins_step_back_from_the_end() -> None:
    assert origins(100, 28, 3) == [16, 44, 72]
    assert origins(50, 7, 1) == [43]
    with pytest.raises(ValueError, match="cannot hold"):
        origins(90, 28, 3)  # 6 training days


def test_score_window_by_hand() -> None:
    units = np.array([[0.0, 2.0, 4.0, 2.0, 1.0, 3.0]])
    panel = Panel(
        np.array(["a"]), date(2025, 1, 1), units, np.ones_like(units), np.zeros_like(units, bool)
    )
    fc = Forecast(
        np.array(["a"]),
        date(2025, 1, 5),
        np.array([[2.0, 2.0]]),
        {0.05: np.array([[0.0, 0.0]]), 0.5: np.array([[2.0, 2.0]]), 0.95: np.array([[4.0, 4.0]])},
    )
    cfg = BacktestConfig(horizon=2, quantiles=(0.05, 0.5, 0.95), intervals=(0.9,), mase_season=1)
    w = score_window(panel, 4, fc, cfg)
    # training from the first sale: [2, 4, 2]; naive MSE 4, MAE 2; errors -1, +1
    assert w.rmsse[0] == pytest.approx(0.5)
    assert w.mase[0] == pytest.approx(0.5)
    # pinball 0.1, 0.5, 0.1 at the three levels, mean 0.7 / 3, over the naive MAE 2
    assert w.spl[0] == pytest.approx(0.7 / 3 / 2)
    assert (w.abs_error, w.actual, w.forecast) == (2.0, 4.0, 4.0)
    assert w.covered == {0.9: 2}
    assert w.points == 2
    assert w.origin == date(2025, 1, 5)
    late = Forecast(np.array(["a"]), date(2025, 1, 6), fc.mean, fc.quantiles)
    with pytest.raises(ValueError, match="cover"):
        score_window(panel, 4, late, cfg)


def weekly_panel(n_days: int = 98) -> Panel:
    """Three perfectly weekly series and one that starts selling in the last window."""
    pattern = np.tile(WEEK * 4, n_days // 7 + 1)[:n_days]
    units = np.vstack([pattern, 2 * pattern, 3 * pattern, np.zeros(n_days)])
    units[3, -5:] = 1.0
    ids = np.array(["a", "b", "c", "d"])
    return Panel(ids, date(2025, 1, 6), units, np.ones_like(units), np.zeros_like(units, bool))


def test_backtest_refits_at_each_origin_and_scores_every_window() -> None:
    panel = weekly_panel()
    result = backtest(
        "seasonal_naive",
        lambda: factory.make("seasonal_naive"),
        panel,
        BacktestConfig(horizon=14, windows=3),
    )
    assert [w.origin for w in result.windows] == [
        panel.start + timedelta(days=d) for d in (56, 70, 84)
    ]
    assert np.isnan(result.per_series("rmsse")[3])  # never sold before any origin
    np.testing.assert_allclose(result.per_series("rmsse")[:3], 0.0)
    s = result.summary()
    assert s["rmsse"] == 0.0
    assert s["series_scored"] == 3
    total = panel.units[:, 56:].sum()
    assert s["wape"] == pytest.approx(5.0 / total)  # only the newcomer's 5 units missed
    assert s["bias"] == pytest.approx(-5.0 / total)
    assert s["fit_seconds"] >= 0.0
    assert 0.9 < s["coverage_90"] <= 1.0


def test_champion_comparison_and_report() -> None:
    panel = weekly_panel()
    cfg = BacktestConfig(horizon=14, windows=3)
    results = {
        n: backtest(n, partial(factory.make, n), panel, cfg)
        for n in ("seasonal_naive", "croston", "tsb")
    }
    assert champion(results) == "seasonal_naive"
    comparisons = compare(results, factory.BASELINES, n_boot=200, seed=1)
    snaive = comparisons["seasonal_naive"]
    best_other = min(("croston", "tsb"), key=lambda n: results[n].summary()["rmsse"])
    assert snaive.reference == best_other
    assert snaive.difference.value == pytest.approx(-1.0)  # 0 against something > 0
    assert comparisons["croston"].reference in {"seasonal_naive", "tsb"}
    decision = verdict("seasonal_naive", comparisons)
    assert decision["champion"] == "seasonal_naive"
    assert decision["clear"]
    info = {
        "dataset": "weekly",
        "level": "sku",
        "n_series": 4,
        "n_days": 98,
        "start": "2025-01-06",
        "end": "2025-04-13",
        "windows": 3,
        "horizon": 14,
        "origins": ["2025-03-03", "2025-03-17", "2025-03-31"],
        "n_boot": 200,
    }
    report = to_json(info, results, comparisons, decision)
    assert report["models"]["seasonal_naive"]["rmsse"] == 0.0
    assert len(report["models"]["tsb"]["windows"]) == 3
    md = to_markdown(report)
    assert "| seasonal_naive | 0.000 |" in md
    assert "**Verdict:** seasonal_naive is champion" in md
    json.dumps(report)  # JSON-ready


def test_a_challenger_must_win_clearly_to_become_champion() -> None:
    panel = weekly_panel()
    cfg = BacktestConfig(horizon=14, windows=3)
    results = {n: backtest(n, partial(factory.make, n), panel, cfg) for n in ("croston", "tsb")}
    baseline = min(results, key=lambda n: results[n].summary()["rmsse"])
    # A challenger that scores exactly as the best baseline: first by name, no clear win.
    results["challenger"] = results[baseline]
    comparisons = compare(results, factory.BASELINES, n_boot=200, seed=1)
    assert champion(results) == "challenger"
    assert champion_of(results, comparisons, factory.BASELINES) == baseline
    decision = verdict(baseline, comparisons, passed_over="challenger")
    assert decision["champion"] == baseline
    assert "challenger must win clearly" in decision["text"]
    # A baseline keeps the plain rule: the lowest mean RMSSE, clear or not.
    del results["challenger"]
    assert champion_of(results, compare(results, factory.BASELINES, n_boot=200, seed=1),
                       factory.BASELINES) == baseline  # fmt: skip


def test_paired_relative_difference() -> None:
    d = paired_relative_difference(np.array([1.0, 1.0, np.nan]), np.array([2.0, 2.0, 5.0]))
    assert (d.value, d.low, d.high) == (-0.5, -0.5, -0.5)
    assert d.excludes_zero()
    mixed = paired_relative_difference(np.array([1.0, 3.0, 2.0, 2.0]), np.array([2, 2, 2, 2.0]))
    assert mixed.value == 0.0
    assert mixed.low < 0 < mixed.high
    assert np.isnan(paired_relative_difference(np.array([np.nan]), np.array([1.0])).value)


def _export(root: Path, n_days: int = 84) -> None:
    rows = []
    start = datetime(2025, 1, 6, 10, tzinfo=UTC)
    for day in range(n_days):
        for sku, size in (("sku_a", 3), ("sku_b", 1), ("sku_c", 2)):
            qty = int(size * WEEK[day % 7] * 3)
            if qty and (sku != "sku_c" or day % 3 == 0):
                rows.append(
                    {
                        "sku_id": sku,
                        "product_id": "spu_" + sku,
                        "quantity": qty,
                        "refunded_quantity": 0,
                        "unit_price_minor": 1000,
                        "list_price_minor": 1000,
                        "price_rule": "list",
                        "currency": "CNY",
                        "placed_at": start + timedelta(days=day),
                        "status": "completed",
                    }
                )
    (root / "orders").mkdir(parents=True)
    table = pa.Table.from_pandas(pd.DataFrame(rows), preserve_index=False)
    pq.write_table(table, root / "orders" / "part-0.parquet")


def test_the_command_writes_json_markdown_and_series_scores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _export(tmp_path / "export")
    out = tmp_path / "report"
    main(
        [
            "--orders",
            str(tmp_path / "export"),
            "--out",
            str(out),
            "--models",
            "seasonal_naive,tsb",
            "--top",
            "2",
            "--horizon",
            "14",
            "--n-boot",
            "50",
            "--name",
            "tiny",
        ]
    )
    report = json.loads((out / "report.json").read_text())
    assert report["info"]["n_series"] == 2
    assert report["info"]["dataset"] == "tiny"
    assert report["info"]["origins"] == ["2025-02-17", "2025-03-03", "2025-03-17"]
    assert set(report["models"]) == {"seasonal_naive", "tsb"}
    assert report["verdict"]["champion"] == "seasonal_naive"
    assert (out / "report.md").read_text().startswith("# Forecast backtest: tiny")
    with (out / "series.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["model"], r["series_id"]) for r in rows} == {
        (m, s) for m in ("seasonal_naive", "tsb") for s in ("sku_a", "sku_b")
    }
    assert "Verdict" in capsys.readouterr().out
    with pytest.raises(ValueError, match="unknown forecaster"):
        main(["--orders", str(tmp_path / "export"), "--out", str(out), "--models", "nope"])
