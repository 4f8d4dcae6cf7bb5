"""Make a forecaster by name, or load a saved one by the name in its metadata."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from forecasting.base import Forecaster, ModelFormatError
from forecasting.models.core import read_metadata

# name -> "module:Class"; imported on demand so that naming a model loads only its code
# (statsforecast for "ets", torch for "lstm").
MODELS: dict[str, str] = {
    "seasonal_naive": "forecasting.models.naive:SeasonalNaiveForecaster",
    "ets": "forecasting.models.ets:ETSForecaster",
    "croston": "forecasting.models.intermittent:CrostonForecaster",
    "tsb": "forecasting.models.intermittent:TSBForecaster",
    "lstm": "forecasting.models.lstm:LSTMForecaster",
}

# The statistical baselines a learned model has to beat (docs/ml/forecasting-evaluation.md).
BASELINES: tuple[str, ...] = ("seasonal_naive", "ets", "croston", "tsb")


def names() -> list[str]:
    """Every model the factory can make."""
    return list(MODELS)


def model_class(name: str) -> type[Forecaster]:
    """The class registered under ``name``; ValueError for an unknown name."""
    target = MODELS.get(name)
    if target is None:
        raise ValueError(f"unknown forecaster {name!r}; known: {', '.join(MODELS)}")
    module_name, _, attr = target.partition(":")
    cls: type[Forecaster] = getattr(importlib.import_module(module_name), attr)
    return cls


def make(name: str, **params: Any) -> Forecaster:
    """A new, unfitted model."""
    return model_class(name)(**params)


def load(directory: str | Path) -> Forecaster:
    """A saved model, whatever it is (dispatches on ``model`` in its model.json)."""
    meta = read_metadata(directory)
    name = meta.get("model")
    if not isinstance(name, str) or name not in MODELS:
        raise ModelFormatError(f"{directory}: unknown model {name!r}")
    return model_class(name).load(directory)
