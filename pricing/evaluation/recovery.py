"""Score estimated elasticities against planted ones: raw, shrunk, and by sales volume."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pricing.elasticity import ElasticityEstimate
from pricing.evaluation import metrics
from pricing.shrinkage import Shrinkage


@dataclass(frozen=True)
class Scored:
    """One series' estimates next to its truth."""

    raw: ElasticityEstimate
    shrunk_estimate: float
    shrunk_low: float
    shrunk_high: float
    shrunk_weight: float
    truth: float


def pair(
    estimates: Sequence[ElasticityEstimate], shrinkage: Shrinkage, truth: dict[str, float]
) -> list[Scored]:
    """Series that have a truth, with their raw and shrunk estimates."""
    out = []
    for raw, sh in zip(estimates, shrinkage.rows, strict=True):
        if raw.series_id in truth:
            out.append(
                Scored(raw, sh.estimate, sh.ci_low, sh.ci_high, sh.weight, truth[raw.series_id])
            )
    return out


def summary(
    est: np.ndarray, low: np.ndarray, high: np.ndarray, truth: np.ndarray
) -> dict[str, Any]:
    return {
        "n": int(truth.size),
        "mae": _r(metrics.mae(est, truth)),
        "rmse": _r(metrics.rmse(est, truth)),
        "bias": _r(metrics.bias(est, truth)),
        "coverage_95": _r(metrics.coverage(low, high, truth)),
        "mean_ci_width": _r(metrics.mean_width(low, high)),
    }


def score(rows: Sequence[Scored]) -> dict[str, Any]:
    """Raw (identifiable series) and shrunk (the same series, and every series) metrics."""
    ident = [r for r in rows if r.raw.identifiable]
    prior = [r for r in rows if not r.raw.identifiable]
    return {
        "raw": _raw(ident),
        "shrunk_identifiable": _shrunk(ident),
        "shrunk_all": _shrunk(rows),
        "prior_only": _shrunk(prior),
        "not_identifiable_reasons": dict(Counter(str(r.raw.reason) for r in prior)),
        "by_volume": by_volume(ident),
    }


def by_volume(rows: Sequence[Scored], n_bins: int = 3) -> list[dict[str, Any]]:
    """Identifiable series split into sales-volume bins (terciles by units)."""
    if not rows:
        return []
    ordered = sorted(rows, key=lambda r: r.raw.units)
    out = []
    for part in np.array_split(np.arange(len(ordered)), n_bins):
        chunk = [ordered[i] for i in part]
        if not chunk:
            continue
        out.append(
            {
                "units_min": chunk[0].raw.units,
                "units_max": chunk[-1].raw.units,
                "raw": _raw(chunk),
                "shrunk": _shrunk(chunk),
                "mean_shrink_weight": _r(float(np.mean([r.shrunk_weight for r in chunk]))),
            }
        )
    return out


def _raw(rows: Sequence[Scored]) -> dict[str, Any]:
    return summary(
        np.array([r.raw.estimate for r in rows]),
        np.array([r.raw.ci_low for r in rows]),
        np.array([r.raw.ci_high for r in rows]),
        np.array([r.truth for r in rows]),
    )


def _shrunk(rows: Sequence[Scored]) -> dict[str, Any]:
    return summary(
        np.array([r.shrunk_estimate for r in rows]),
        np.array([r.shrunk_low for r in rows]),
        np.array([r.shrunk_high for r in rows]),
        np.array([r.truth for r in rows]),
    )


def _r(x: float) -> float | None:
    return None if not math.isfinite(x) else round(x, 4)
