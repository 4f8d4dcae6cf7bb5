"""A fitted elasticity model: every product's elasticity (raw and shrunk) and its demand
level, saved without pickle.

``fit_elasticity_model(panel, groups=..., recipe=...)`` runs ``estimate_elasticities``
(prices seen on sale days, as an orders export gives them) and, when the recipe says so,
``shrink``s toward the category. For predictions it adds each product's reference price
(its last known price) and level: the expected units a day at the reference price over
the last ``level_days`` days, ``sum(units) / sum((price / reference) ** elasticity)``
(the Poisson estimate of the level once the elasticity is known). Expected units at a
price ``p`` are then ``level * (p / reference) ** elasticity``; a product without an
elasticity (not identifiable, and no prior) is predicted without a price effect.

Saved as a folder: ``model.json`` (name ``elasticity``, format version, the recipe as
``params``, a summary) and ``elasticities.npz`` (one row per product, strings as fixed-width
unicode, read with ``allow_pickle=False``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from forecasting.base import ModelFormatError, Panel
from pricing.design import Controls
from pricing.domain import Elasticity
from pricing.elasticity import ElasticityEstimate, Identifiability, estimate_elasticities
from pricing.shrinkage import NoIdentifiableSeriesError, Shrinkage, shrink

MODEL_NAME = "elasticity"
FORMAT_VERSION = 1
META_FILE, TABLE_FILE = "model.json", "elasticities.npz"
# A product that sold nothing in the level window is given half a unit over it: a level
# of zero would make any later sale infinitely surprising.
_MIN_UNITS = 0.5
_FLOATS = (
    "raw", "raw_se", "raw_low", "raw_high", "elasticity", "se", "low", "high",
    "shrink_weight", "reference_price", "level", "recent_units", "units", "n_obs",
)  # fmt: skip
_STRINGS = ("product_id", "category", "reason")
_BOOLS = ("identifiable", "from_prior")


@dataclass(frozen=True)
class ElasticityRecipe:
    """What the model is fitted with: the estimator's controls and identifiability rules,
    shrinkage, and the window of the demand level. Equal recipes give equal models on
    equal data."""

    shrinkage: bool = True
    min_group_size: int = 3
    market_index: bool = True
    day_of_week: bool = True
    trend_degree: int = 1
    min_days: int = 28
    min_units: float = 20.0
    max_se: float = 2.0
    level_days: int = 28
    ci_level: float = 0.95

    def __post_init__(self) -> None:
        if self.level_days < 1 or self.min_group_size < 1 or self.trend_degree < 0:
            raise ValueError("level_days and min_group_size >= 1, trend_degree >= 0")
        if not 0 < self.ci_level < 1:
            raise ValueError("ci_level must lie strictly between 0 and 1")

    def controls(self) -> Controls:
        return Controls(day_of_week=self.day_of_week, trend_degree=self.trend_degree,
                        market_index=self.market_index)  # fmt: skip

    def criteria(self) -> Identifiability:
        return Identifiability(min_days=self.min_days, min_units=self.min_units,
                               max_se=self.max_se)  # fmt: skip

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ElasticityRecipe:
        """The recipe of ``data``; ValueError on a key that is not a recipe field."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown recipe parameter(s) {unknown}; known: {sorted(known)}")
        return cls(**dict(data))


class ElasticityModel:
    """One row per product (``columns``); predictions by product id."""

    name = MODEL_NAME

    def __init__(
        self,
        columns: Mapping[str, np.ndarray],
        *,
        recipe: ElasticityRecipe,
        trained_until: date,
        shrinkage: Mapping[str, Any] | None = None,
    ) -> None:
        missing = set(_FLOATS + _STRINGS + _BOOLS) - set(columns)
        if missing:
            raise ModelFormatError(f"elasticity table lacks {sorted(missing)}")
        self.columns = {k: np.asarray(v) for k, v in columns.items()}
        self.recipe = recipe
        self.trained_until = trained_until
        self.shrinkage = dict(shrinkage or {})
        ids = self.columns["product_id"].astype(str)
        self._row = {pid: i for i, pid in enumerate(ids.tolist())}

    @property
    def product_ids(self) -> np.ndarray:
        return self.columns["product_id"].astype(str)

    def __len__(self) -> int:
        return len(self._row)

    def rows(self, product_ids: Sequence[str] | np.ndarray) -> np.ndarray:
        """Row of each product, -1 for a product the model does not know."""
        return np.array([self._row.get(str(p), -1) for p in product_ids], dtype=np.int64)

    def units_ratio(
        self, product_ids: Sequence[str] | np.ndarray, price_ratio: np.ndarray | Sequence[float]
    ) -> np.ndarray:
        """Expected units at ``price_ratio`` x the reference price over units at it:
        ``ratio ** elasticity`` (NaN for an unknown product or one without elasticity)."""
        rows = self.rows(product_ids)
        ratio = np.asarray(price_ratio, dtype=np.float64)
        e = np.where(rows >= 0, self.columns["elasticity"][np.maximum(rows, 0)], np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(np.where(ratio > 0, ratio**e, np.nan), dtype=np.float64)

    def expected_units(
        self, product_ids: Sequence[str] | np.ndarray, prices: np.ndarray, *,
        price_effect: bool = True,
    ) -> np.ndarray:  # fmt: skip
        """Expected daily units at ``prices`` (one row of days per product); without
        ``price_effect``, each product's recent mean (the no-price-effect baseline). NaN
        for unknown products and unknown prices."""
        rows = self.rows(product_ids)
        safe = np.maximum(rows, 0)
        known = (rows >= 0)[:, None]
        p = np.asarray(prices, dtype=np.float64).reshape(len(rows), -1)
        if not price_effect:
            flat = self.columns["recent_units"][safe][:, None] * np.ones_like(p)
            return np.asarray(np.where(known & np.isfinite(p), flat, np.nan))
        e = np.nan_to_num(self.columns["elasticity"][safe], nan=0.0)[:, None]
        ref = self.columns["reference_price"][safe][:, None]
        with np.errstate(invalid="ignore", divide="ignore"):
            mu = self.columns["level"][safe][:, None] * (p / ref) ** e
        return np.asarray(np.where(known & (p > 0), mu, np.nan))

    def policy_elasticity(self, product_id: str) -> Elasticity:
        """The elasticity a pricing request uses (``pricing.domain.Elasticity``)."""
        row = self._row[str(product_id)]
        c = self.columns
        identifiable = bool(c["identifiable"][row])
        if self.shrinkage.get("applied"):
            source = "prior" if bool(c["from_prior"][row]) else "shrunk"
        else:
            source = "raw"
        return Elasticity(float(c["elasticity"][row]), float(c["se"][row]), identifiable, source)

    def summary(self) -> dict[str, Any]:
        """Products, share identifiable, median elasticities (for reports and MLflow)."""
        c = self.columns
        n = len(self)
        ident = c["identifiable"].astype(bool)
        shrunk, raw = c["elasticity"], c["raw"]
        return {
            "products": n,
            "identifiable": int(ident.sum()),
            "share_identifiable": float(ident.mean()) if n else 0.0,
            "with_elasticity": int(np.isfinite(shrunk).sum()),
            "median_elasticity": _median(shrunk),
            "median_raw_elasticity": _median(raw[ident]),
            "shrinkage": self.shrinkage,
        }

    def records(self) -> list[dict[str, Any]]:
        """The table as one dict per product (NaN stays NaN)."""
        c = self.columns
        out = []
        for i in range(len(self)):
            row: dict[str, Any] = {k: str(c[k][i]) for k in _STRINGS}
            row.update({k: float(c[k][i]) for k in _FLOATS})
            row.update({k: bool(c[k][i]) for k in _BOOLS})
            out.append(row)
        return out

    def save(self, directory: str | Path) -> None:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {k: self.columns[k].astype(str) for k in _STRINGS}
        arrays |= {k: self.columns[k].astype(np.float64) for k in _FLOATS}
        arrays |= {k: self.columns[k].astype(bool) for k in _BOOLS}
        np.savez(path / TABLE_FILE, allow_pickle=False, **arrays)
        meta = {
            "model": self.name,
            "format_version": FORMAT_VERSION,
            "params": self.recipe.as_dict(),
            "trained_until": self.trained_until.isoformat(),
            "summary": _jsonable(self.summary()),
        }
        (path / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, directory: str | Path) -> ElasticityModel:
        meta = read_metadata(directory)
        if meta.get("model") != MODEL_NAME or meta.get("format_version") != FORMAT_VERSION:
            raise ModelFormatError(
                f"{directory} holds {meta.get('model')!r} format "
                f"{meta.get('format_version')!r}, not {MODEL_NAME!r} format {FORMAT_VERSION}"
            )
        try:
            with np.load(Path(directory) / TABLE_FILE, allow_pickle=False) as npz:
                columns = {key: npz[key] for key in npz.files}
            recipe = ElasticityRecipe.from_dict(meta["params"])
        except (OSError, ValueError, KeyError) as exc:
            raise ModelFormatError(f"{directory}: unreadable elasticity model: {exc}") from exc
        shrinkage = meta.get("summary", {}).get("shrinkage", {})
        return cls(columns, recipe=recipe, trained_until=date.fromisoformat(
            meta["trained_until"]), shrinkage=shrinkage)  # fmt: skip


def read_metadata(directory: str | Path) -> dict[str, Any]:
    """The ``model.json`` of a saved model; ModelFormatError when absent or unreadable."""
    path = Path(directory) / META_FILE
    try:
        meta = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"no readable {META_FILE} in {directory}") from exc
    if not isinstance(meta, dict):
        raise ModelFormatError(f"{path} is not a JSON object")
    return meta


def fit_elasticity_model(
    panel: Panel, *, groups: Mapping[str, str], recipe: ElasticityRecipe | None = None
) -> ElasticityModel:
    """Estimate (and shrink) every product of ``panel`` that has a known price."""
    recipe = recipe or ElasticityRecipe()
    priced = np.flatnonzero(np.isfinite(panel.price).any(axis=1))
    if priced.size == 0:
        raise ValueError("no product of the panel has a known price")
    panel = panel.select(priced)
    estimates = estimate_elasticities(
        panel, groups=groups, controls=recipe.controls(), criteria=recipe.criteria(),
        level=recipe.ci_level, price_seen_on_sales=True,
    )  # fmt: skip
    shrunk: Shrinkage | None = None
    if recipe.shrinkage:
        try:
            shrunk = shrink(estimates, level=recipe.ci_level, min_group_size=recipe.min_group_size)
        except NoIdentifiableSeriesError:
            shrunk = None  # nothing to learn a prior from: the raw estimates stand
    columns = _estimate_columns(estimates, shrunk)
    columns |= _levels(panel, columns["elasticity"], recipe.level_days)
    info: dict[str, Any] = {"requested": recipe.shrinkage, "applied": shrunk is not None}
    if shrunk is not None:
        info |= {"tau": shrunk.tau, "global_mean": shrunk.global_mean,
                 "groups": len(shrunk.priors)}  # fmt: skip
    return ElasticityModel(columns, recipe=recipe, trained_until=panel.end, shrinkage=info)


def _estimate_columns(
    estimates: Sequence[ElasticityEstimate], shrunk: Shrinkage | None
) -> dict[str, np.ndarray]:
    def floats(values: Any) -> np.ndarray:
        return np.array(list(values), dtype=np.float64)

    cols: dict[str, np.ndarray] = {
        "product_id": np.array([e.series_id for e in estimates], dtype=str),
        "category": np.array([e.group for e in estimates], dtype=str),
        "reason": np.array([e.reason or "" for e in estimates], dtype=str),
        "raw": floats(e.estimate for e in estimates),
        "raw_se": floats(e.se for e in estimates),
        "raw_low": floats(e.ci_low for e in estimates),
        "raw_high": floats(e.ci_high for e in estimates),
        "units": floats(e.units for e in estimates),
        "n_obs": floats(e.n_obs for e in estimates),
        "identifiable": np.array([e.identifiable for e in estimates], dtype=bool),
    }
    if shrunk is None:
        cols |= {"elasticity": cols["raw"], "se": cols["raw_se"], "low": cols["raw_low"],
                 "high": cols["raw_high"], "shrink_weight": np.where(cols["identifiable"], 1.0,
                 0.0), "from_prior": np.zeros(len(estimates), dtype=bool)}  # fmt: skip
        return cols
    rows = shrunk.rows
    cols |= {
        "elasticity": floats(s.estimate for s in rows),
        "se": floats(s.se for s in rows),
        "low": floats(s.ci_low for s in rows),
        "high": floats(s.ci_high for s in rows),
        "shrink_weight": floats(s.weight for s in rows),
        "from_prior": np.array([s.from_prior for s in rows], dtype=bool),
    }
    return cols


def _levels(panel: Panel, elasticity: np.ndarray, level_days: int) -> dict[str, np.ndarray]:
    """Reference price (last known), level at it, and the plain recent mean, per product."""
    last = panel.price.shape[1] - 1 - np.argmax(np.isfinite(panel.price[:, ::-1]), axis=1)
    reference = panel.price[np.arange(panel.n_series), last]
    window = slice(max(0, panel.n_days - level_days), panel.n_days)
    price, units = panel.price[:, window], panel.units[:, window]
    known = np.isfinite(price) & (price > 0)
    e = np.nan_to_num(elasticity, nan=0.0)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        weight = np.where(known, (price / reference[:, None]) ** e, 0.0)
    sold = np.maximum(np.where(known, units, 0.0).sum(axis=1), _MIN_UNITS)
    days = np.maximum(known.sum(axis=1), 1)
    return {
        "reference_price": reference,
        "level": sold / np.maximum(weight.sum(axis=1), 1e-12),
        "recent_units": sold / days,
    }


def _median(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
