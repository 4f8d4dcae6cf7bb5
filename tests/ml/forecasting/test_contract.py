"""The contract every forecaster in the factory passes.

A model joins by adding its factory name to NAMES (and, if its defaults are slow, small
settings to FAST); a name whose module cannot be imported is skipped, not failed.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from forecasting import factory
from forecasting.base import (
    Forecast,
    Forecaster,
    FutureCovariates,
    ModelFormatError,
    NotFittedError,
    Panel,
)
from tests.ml.forecasting.conftest import make_panel

HORIZON = 14
NAMES = ["seasonal_naive", "ets", "croston", "tsb", "lstm"]
# Small and quick: the contract is about behaviour, not accuracy.
FAST: dict[str, dict[str, Any]] = {
    "lstm": {
        "horizon": HORIZON,
        "context_length": 14,
        "hidden_size": 8,
        "max_epochs": 2,
        "windows_per_epoch": 256,
        "batch_size": 64,
    },
}
LEVELS = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


def _importable(name: str) -> Any:
    module = factory.MODELS[name].partition(":")[0]
    try:
        importlib.import_module(module)
    except ImportError as exc:
        return pytest.param(name, marks=pytest.mark.skip(reason=f"{module}: {exc}"))
    return name


PARAMS = [_importable(n) for n in NAMES]


def fitted(name: str, panel: Panel) -> Forecaster:
    return factory.make(name, **FAST.get(name, {})).fit(panel)


def assert_same(a: Forecast, b: Forecast) -> None:
    assert a.start == b.start
    np.testing.assert_array_equal(a.series_ids, b.series_ids)
    np.testing.assert_array_equal(a.mean, b.mean)
    assert sorted(a.quantiles) == sorted(b.quantiles)
    for q in a.quantiles:
        np.testing.assert_array_equal(a.quantiles[q], b.quantiles[q])


def test_every_factory_model_is_under_contract() -> None:
    assert set(factory.names()) == set(NAMES)


@pytest.mark.parametrize("name", PARAMS)
def test_shapes_calendar_and_ids(name: str, panel: Panel) -> None:
    model = factory.make(name, **FAST.get(name, {}))
    assert isinstance(model, Forecaster)
    assert model.name == name
    assert model.fit(panel) is model
    fc = model.predict(HORIZON, quantiles=LEVELS)
    assert fc.mean.shape == (panel.n_series, HORIZON)
    assert sorted(fc.quantiles) == list(LEVELS)
    assert all(fc.quantiles[q].shape == (panel.n_series, HORIZON) for q in LEVELS)
    np.testing.assert_array_equal(fc.series_ids, panel.series_ids)
    assert fc.start == panel.end + (panel.dates()[1] - panel.dates()[0])
    assert fc.horizon == HORIZON


@pytest.mark.parametrize("name", PARAMS)
def test_forecasts_are_finite_non_negative_and_quantiles_ordered(name: str, panel: Panel) -> None:
    fc = fitted(name, panel).predict(HORIZON, quantiles=LEVELS)
    assert np.isfinite(fc.mean).all()
    assert (fc.mean >= 0).all()
    stacked = np.stack([fc.quantiles[q] for q in LEVELS])
    assert np.isfinite(stacked).all()
    assert (stacked >= 0).all()
    assert (np.diff(stacked, axis=0) >= 0).all()
    low, high = fc.interval(0.9)
    assert (low <= high).all()


@pytest.mark.parametrize("name", PARAMS)
def test_deterministic(name: str, panel: Panel) -> None:
    a = fitted(name, panel).predict(HORIZON, quantiles=LEVELS)
    b = fitted(name, panel).predict(HORIZON, quantiles=LEVELS)
    assert_same(a, b)


@pytest.mark.parametrize("name", PARAMS)
def test_save_load_round_trip_without_pickle(name: str, panel: Panel, tmp_path: Path) -> None:
    model = fitted(name, panel)
    model.save(tmp_path)
    meta = json.loads((tmp_path / "model.json").read_text())
    assert meta["model"] == name
    for npz_path in tmp_path.glob("*.npz"):
        with np.load(npz_path, allow_pickle=False) as npz:
            assert all(npz[key].dtype != object for key in npz.files)
    by_factory = factory.load(tmp_path)
    by_class = type(model).load(tmp_path)
    expected = model.predict(HORIZON, quantiles=LEVELS)
    assert_same(by_factory.predict(HORIZON, quantiles=LEVELS), expected)
    assert_same(by_class.predict(HORIZON, quantiles=LEVELS), expected)


@pytest.mark.parametrize("name", PARAMS)
def test_future_covariates_are_accepted(name: str, panel: Panel) -> None:
    future = FutureCovariates(
        price=np.full((panel.n_series, HORIZON), 9.0),
        promo=np.ones((panel.n_series, HORIZON), dtype=bool),
    )
    fc = fitted(name, panel).predict(HORIZON, future=future, quantiles=LEVELS)
    assert fc.mean.shape == (panel.n_series, HORIZON)
    assert (fc.mean >= 0).all()


@pytest.mark.parametrize("name", PARAMS)
def test_unfitted_model_refuses_to_predict_or_save(name: str, tmp_path: Path) -> None:
    model = factory.make(name, **FAST.get(name, {}))
    with pytest.raises(NotFittedError):
        model.predict(HORIZON)
    with pytest.raises(NotFittedError):
        model.save(tmp_path / "m")
    assert not (tmp_path / "m" / "model.json").exists()


@pytest.mark.parametrize("name", PARAMS)
def test_bad_arguments_are_refused(name: str, panel: Panel) -> None:
    model = fitted(name, panel)
    with pytest.raises(ValueError):
        model.predict(HORIZON, quantiles=(0.0, 0.5))
    with pytest.raises(ValueError):
        model.predict(HORIZON, quantiles=(0.5, 1.0))
    with pytest.raises(ValueError):
        model.predict(0)


@pytest.mark.parametrize("name", PARAMS)
def test_loading_another_models_directory_fails(name: str, tmp_path: Path) -> None:
    other = "croston" if name != "croston" else "tsb"
    fitted(other, make_panel(n_series=3, n_days=35)).save(tmp_path)
    with pytest.raises(ModelFormatError):
        factory.model_class(name).load(tmp_path)


def test_unknown_names_fail(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown forecaster"):
        factory.make("prophet")
    with pytest.raises(ModelFormatError):
        factory.load(tmp_path)  # no model.json
    (tmp_path / "model.json").write_text(json.dumps({"model": "prophet", "format_version": 1}))
    with pytest.raises(ModelFormatError, match="unknown model"):
        factory.load(tmp_path)
