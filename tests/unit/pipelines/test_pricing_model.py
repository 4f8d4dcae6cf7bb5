"""The elasticity model of the pricing pipeline (``pricing.model``) and its held-out score
(``pricing.evaluation.holdout``): fitting on a simulated panel with known elasticities, the
saved folder (no pickle) round trip, predictions and deviances by hand."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from forecasting.base import ModelFormatError, Panel
from pricing.evaluation.holdout import poisson_deviance, score_window
from pricing.evaluation.simulator import SimulatedPanel, SimulationSpec, simulate
from pricing.model import (
    META_FILE,
    TABLE_FILE,
    ElasticityModel,
    ElasticityRecipe,
    fit_elasticity_model,
)

HOLDOUT = 28


@pytest.fixture(scope="module")
def sim() -> SimulatedPanel:
    spec = SimulationSpec(n_series=24, n_days=240, n_groups=3, mean_units_range=(4.0, 20.0),
                          price_from_sales_only=True)  # fmt: skip
    return simulate(spec, seed=3)


def _groups(sim: SimulatedPanel) -> dict[str, str]:
    return dict(zip(sim.panel.series_ids.tolist(), sim.groups.tolist(), strict=True))


@pytest.fixture(scope="module")
def model(sim: SimulatedPanel) -> ElasticityModel:
    return fit_elasticity_model(sim.panel, groups=_groups(sim))


def test_a_fit_recovers_the_planted_elasticities_within_their_intervals(
    sim: SimulatedPanel, model: ElasticityModel
) -> None:
    c = model.columns
    assert model.product_ids.tolist() == sim.panel.series_ids.tolist()
    assert c["identifiable"].mean() > 0.9
    covered = (c["low"] <= sim.elasticity) & (sim.elasticity <= c["high"])
    assert covered.mean() >= 0.8
    assert np.corrcoef(c["elasticity"], sim.elasticity)[0, 1] > 0.8
    assert model.shrinkage["applied"]
    summary = model.summary()
    assert summary["products"] == 24
    assert summary["median_elasticity"] == pytest.approx(float(np.median(c["elasticity"])))


def test_the_level_is_the_poisson_estimate_given_the_elasticity(
    sim: SimulatedPanel, model: ElasticityModel
) -> None:
    panel, row, days = sim.panel, 5, model.recipe.level_days
    price, units = panel.price[row, -days:], panel.units[row, -days:]
    e, ref = model.columns["elasticity"][row], model.columns["reference_price"][row]

    assert ref == panel.price[row, -1]
    assert model.columns["level"][row] == pytest.approx(units.sum() / ((price / ref) ** e).sum())
    assert model.columns["recent_units"][row] == pytest.approx(units.mean())


def test_expected_units_follow_the_constant_elasticity_curve(model: ElasticityModel) -> None:
    ids = model.product_ids[:2]
    c = model.columns
    ref = c["reference_price"][:2]
    prices = np.stack([ref * 0.8, ref * 1.1], axis=1)  # two days per product

    mu = model.expected_units(ids, prices)
    flat = model.expected_units(ids, prices, price_effect=False)
    ratio = model.units_ratio(ids, [0.8, 0.8])

    expected = c["level"][:2, None] * np.array([[0.8, 1.1]]) ** c["elasticity"][:2, None]
    np.testing.assert_allclose(mu, expected)
    np.testing.assert_allclose(flat, np.repeat(c["recent_units"][:2, None], 2, axis=1))
    np.testing.assert_allclose(ratio, 0.8 ** c["elasticity"][:2])
    unknown = model.expected_units(["nope"], np.array([[1.0]]))
    assert np.isnan(unknown).all()
    assert np.isnan(model.units_ratio(["nope"], [0.9])).all()


def test_the_saved_folder_loads_back_without_pickle(model: ElasticityModel, tmp_path: Path) -> None:
    model.save(tmp_path / "m")

    meta = json.loads((tmp_path / "m" / META_FILE).read_text())
    with np.load(tmp_path / "m" / TABLE_FILE, allow_pickle=False) as npz:
        stored = set(npz.files)
    loaded = ElasticityModel.load(tmp_path / "m")

    assert meta["model"] == "elasticity"
    assert meta["params"] == ElasticityRecipe().as_dict()
    assert meta["summary"]["identifiable"] == model.summary()["identifiable"]
    assert stored == set(model.columns)
    assert loaded.recipe == model.recipe
    assert loaded.trained_until == model.trained_until
    assert loaded.shrinkage == pytest.approx(model.shrinkage)
    for name, values in model.columns.items():
        np.testing.assert_array_equal(loaded.columns[name], values, err_msg=name)
    assert loaded.policy_elasticity(model.product_ids[0]) == model.policy_elasticity(
        model.product_ids[0]
    )
    assert loaded.policy_elasticity(model.product_ids[0]).source == "shrunk"


def test_loading_refuses_another_model_or_format(model: ElasticityModel, tmp_path: Path) -> None:
    model.save(tmp_path / "m")
    meta_path = tmp_path / "m" / META_FILE
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "model": "als"}))
    with pytest.raises(ModelFormatError, match="'als'"):
        ElasticityModel.load(tmp_path / "m")
    meta_path.write_text(json.dumps({**meta, "format_version": 99}))
    with pytest.raises(ModelFormatError, match="format 99"):
        ElasticityModel.load(tmp_path / "m")
    with pytest.raises(ModelFormatError, match="no readable"):
        ElasticityModel.load(tmp_path / "missing")


def test_recipes_compare_by_value_and_refuse_unknown_parameters() -> None:
    recipe = ElasticityRecipe.from_dict({"shrinkage": False, "level_days": 14})

    assert recipe == ElasticityRecipe(shrinkage=False, level_days=14)
    assert recipe != ElasticityRecipe(shrinkage=False)
    assert ElasticityRecipe.from_dict(recipe.as_dict()) == recipe
    assert recipe.controls().market_index
    assert recipe.criteria().min_units == 20.0
    with pytest.raises(ValueError, match="unknown recipe parameter"):
        ElasticityRecipe.from_dict({"shrink": True})
    with pytest.raises(ValueError, match="level_days"):
        ElasticityRecipe(level_days=0)


def test_poisson_deviance_by_hand() -> None:
    y = np.array([0.0, 2.0, 1.0, 3.0])
    mu = np.array([2.0, 2.0, math.e, 1.0])

    got = poisson_deviance(y, mu)

    # 2 (y log(y / mu) - (y - mu)), with y log y = 0 at y = 0
    expected = [4.0, 0.0, 2 * (-1.0 - (1 - math.e)), 2 * (3 * math.log(3) - 2)]
    np.testing.assert_allclose(got, expected)


def test_a_window_is_scored_against_the_no_price_effect_baseline_by_hand() -> None:
    columns = {
        "product_id": np.array(["a", "b"]), "category": np.array(["c", "c"]),
        "reason": np.array(["", ""]), "identifiable": np.array([True, False]),
        "from_prior": np.array([False, False]), "elasticity": np.array([-2.0, np.nan]),
        "reference_price": np.array([10.0, 5.0]), "level": np.array([4.0, 1.0]),
        "recent_units": np.array([3.0, 1.0]),
        **{k: np.zeros(2) for k in ("raw", "raw_se", "raw_low", "raw_high", "se", "low",
                                     "high", "shrink_weight", "units", "n_obs")},
    }  # fmt: skip
    model = ElasticityModel(columns, recipe=ElasticityRecipe(), trained_until=date(2026, 1, 1))
    window = Panel(
        series_ids=np.array(["a", "b", "new"]), start=date(2026, 1, 2),
        units=np.array([[16.0, 1.0], [0.0, 2.0], [5.0, 5.0]]),
        price=np.array([[5.0, 20.0], [5.0, 6.0], [1.0, 1.0]]),
        promo=np.zeros((3, 2), dtype=bool),
    )  # fmt: skip

    scores = score_window(model, window)

    # a: 4 x (5/10)^-2 = 16 and 4 x (20/10)^-2 = 1, exact; baseline 3 a day.
    # b: no elasticity, no price effect: 1 a day under both.
    assert scores.product_ids.tolist() == ["a", "b"]  # "new" is unknown to the model
    assert scores.days.tolist() == [2, 2]
    dev_b = poisson_deviance(np.array([0.0, 2.0]), np.ones(2)).sum()
    base_a = poisson_deviance(np.array([16.0, 1.0]), np.full(2, 3.0)).sum()
    np.testing.assert_allclose(scores.deviance, [0.0, dev_b])
    np.testing.assert_allclose(scores.baseline_deviance, [base_a, dev_b])
    assert scores.mean_deviance == pytest.approx(dev_b / 4)
    assert scores.baseline_mean_deviance == pytest.approx((base_a + dev_b) / 4)
    report = scores.report(n_boot=200)
    assert report["gain"]["value"] == pytest.approx(1 - dev_b / (base_a + dev_b))
    assert report["predicted_units"] == pytest.approx(16 + 1 + 2)


def test_prices_beat_no_price_effect_on_held_out_simulated_days(sim: SimulatedPanel) -> None:
    panel, first = sim.panel, sim.panel.n_days - HOLDOUT
    fitted = fit_elasticity_model(panel.head(first), groups=_groups(sim))

    report = score_window(fitted, panel.window(first, HOLDOUT)).report(n_boot=500)

    assert report["products"] == 24
    assert report["mean_deviance"] < report["baseline_mean_deviance"]
    assert report["gain"]["low"] > 0


def test_without_identifiable_products_the_model_predicts_no_price_effect() -> None:
    spec = SimulationSpec(n_series=6, n_days=60, mean_units_range=(0.05, 0.1),
                          price_from_sales_only=True)  # fmt: skip
    sparse = simulate(spec, seed=1).panel

    fitted = fit_elasticity_model(sparse.head(40), groups={})
    scores = score_window(fitted, sparse.window(40, 20))

    assert not fitted.columns["identifiable"].any()
    assert fitted.shrinkage == {"requested": True, "applied": False}
    assert np.isnan(fitted.columns["elasticity"]).all()
    assert fitted.summary()["median_elasticity"] is None
    np.testing.assert_allclose(scores.deviance, scores.baseline_deviance)
