"""Pure parts of the pricing pipeline: the order lines kept, the last complete day, the
time split, the recipe a run uses (and what tuning may change), the champion's recipe read
from its folder, and the pyfunc's answers."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from forecasting.base import Panel
from pipelines.panels import last_complete_day
from pipelines.pricing import data
from pipelines.pricing.config import TUNE_SPACE, PricingConfig
from pipelines.pricing.promote import champion_recipe
from pipelines.pricing.pyfunc import OUTPUT_COLUMNS, SIGNATURE, ElasticityPyfunc, answer
from pipelines.pricing.tune import space
from pipelines.pyfunc import MODEL_DIR
from pricing.evaluation.simulator import SimulationSpec, simulate
from pricing.model import META_FILE, ElasticityModel, ElasticityRecipe, fit_elasticity_model

T0 = datetime(2026, 1, 1, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def model() -> ElasticityModel:
    sim = simulate(SimulationSpec(n_series=8, n_days=150, mean_units_range=(5.0, 15.0),
                                  price_from_sales_only=True), seed=2)  # fmt: skip
    return fit_elasticity_model(sim.panel, groups={}, recipe=ElasticityRecipe(level_days=14))


def _lines(rows: list[tuple[int, str, str | None]]) -> pa.Table:
    """(day, status, product) order lines in the export's columns (+ one it does not need)."""
    n = len(rows)
    return pa.table({
        "sku_id": [f"s{i}" for i in range(n)], "product_id": [r[2] for r in rows],
        "quantity": [1] * n, "refunded_quantity": [0] * n, "unit_price_minor": [100] * n,
        "list_price_minor": [100] * n, "price_rule": ["list"] * n, "currency": ["CNY"] * n,
        "placed_at": pa.array([T0 + timedelta(days=r[0]) for r in rows],
                              pa.timestamp("us", tz="UTC")),
        "status": [r[1] for r in rows], "category_id": ["c1"] * n, "buyer_id": ["b"] * n,
    })  # fmt: skip


def test_sold_lines_keep_paid_lines_with_a_product_and_the_needed_columns() -> None:
    batch = _lines([(0, "paid", "p1"), (1, "cancelled", "p1"), (2, "pending_payment", "p2"),
                    (3, "delivered", None), (4, "delivered", "p3")])  # fmt: skip

    kept = data.sold_lines(batch)

    assert kept.column_names == data.ORDER_COLUMNS
    assert kept["product_id"].to_pylist() == ["p1", "p3"]
    assert data.categories(kept) == {"p1": "c1", "p3": "c1"}


def test_the_last_complete_day_leaves_out_a_day_still_being_lived() -> None:
    placed = _lines([(0, "paid", "p"), (5, "paid", "p")])["placed_at"]
    last = (T0 + timedelta(days=5)).date()

    assert last_complete_day(placed, None) == last
    assert last_complete_day(placed, "2027-01-01T00:00:00+00:00") == last
    assert last_complete_day(placed, (T0 + timedelta(days=5, hours=3)).isoformat()) == (
        last - timedelta(days=1)
    )


def test_the_split_puts_validation_right_before_the_test_window() -> None:
    split = data.split_for(100, holdout_days=28, min_fit_days=28)

    assert split.window("test") == (72, 28)
    assert split.window("validation") == (44, 28)
    assert data.Split.from_dict(split.as_dict()) == split
    with pytest.raises(ValueError, match="needs 56"):
        data.split_for(55, holdout_days=28, min_fit_days=28)


def test_trim_leading_drops_the_days_before_the_first_sale() -> None:
    units = np.array([[0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 2.0]])
    price = np.where(units > 0, 5.0, np.nan)
    panel = Panel(np.array(["a", "b"]), date(2026, 1, 1), units, price,
                       np.zeros_like(units, dtype=bool))  # fmt: skip

    trimmed = data.trim_leading(panel)

    assert trimmed.start == date(2026, 1, 3)
    assert trimmed.n_days == 2


def test_the_recipe_is_defaults_then_params_then_tuned_and_params_are_not_tuned() -> None:
    cfg = PricingConfig(database_url="sqlite://", params={"level_days": 7, "min_units": 5})

    recipe = cfg.recipe({"shrinkage": False})

    assert recipe == ElasticityRecipe(level_days=7, min_units=5, shrinkage=False)
    assert set(space(cfg)) == set(TUNE_SPACE) - {"level_days"}
    assert "level_days" not in json.dumps(space(cfg))
    assert "database_url" not in cfg.as_dict()
    with pytest.raises(ValueError, match="unknown recipe parameter"):
        PricingConfig(database_url="sqlite://", params={"levels": 3}).recipe()


def test_the_champion_recipe_comes_from_its_folder(model: ElasticityModel, tmp_path: Path) -> None:
    model.save(tmp_path / "m")

    assert champion_recipe(tmp_path / "m") == ElasticityRecipe(level_days=14)
    assert champion_recipe(tmp_path / "m") != ElasticityRecipe()
    meta = json.loads((tmp_path / "m" / META_FILE).read_text())
    (tmp_path / "m" / META_FILE).write_text(json.dumps({**meta, "model": "tsb"}))
    with pytest.raises(ValueError, match="'tsb'"):
        champion_recipe(tmp_path / "m")


def test_the_pyfunc_answers_every_row(model: ElasticityModel, tmp_path: Path) -> None:
    model.save(tmp_path / MODEL_DIR)
    wrapper = ElasticityPyfunc()
    wrapper.load_context(SimpleNamespace(artifacts={MODEL_DIR: str(tmp_path / MODEL_DIR)}))
    first = str(model.product_ids[0])
    frame = pd.DataFrame({"product_id": [first, first, "unknown"],
                          "price_ratio": [0.9, None, 1.1]})  # fmt: skip

    out = wrapper.predict(None, frame)

    e = float(model.columns["elasticity"][0])
    assert list(out.columns) == OUTPUT_COLUMNS == [c.name for c in SIGNATURE.outputs.inputs]
    assert out["product_id"].tolist() == [first, first, "unknown"]
    assert out["elasticity"].iloc[0] == pytest.approx(e)
    assert out["low"].iloc[0] < e < out["high"].iloc[0]
    assert out["expected_units_ratio"].iloc[0] == pytest.approx(0.9**e)
    assert out["expected_units_ratio"].iloc[1] == pytest.approx(1.0)  # no ratio: the same price
    assert out["identifiable"].tolist() == [True, True, False]
    unknown = out.loc[2, ["elasticity", "low", "high", "expected_units_ratio"]]
    assert np.isnan(unknown.to_numpy(np.float64)).all()
    no_ratio = answer(model, pd.DataFrame({"product_id": [first]}))
    assert no_ratio["expected_units_ratio"].tolist() == [1.0]
