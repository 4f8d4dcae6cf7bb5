"""Empirical-Bayes shrinkage of elasticities toward their group (category) mean.

The model: a series' raw estimate ``b_i ~ N(theta_i, s_i^2)`` with its own standard error,
and ``theta_i ~ N(mu_g, tau^2)`` around the mean of its group ``g``. ``tau^2`` (one spread
for all groups, so small groups borrow it) is the restricted maximum likelihood estimate
and ``mu_g`` the precision-weighted group mean. The posterior mean pulls each estimate
toward ``mu_g`` by the factor ``B_i = s_i^2 / (s_i^2 + tau^2)``: a sparse series (large
``s_i``) moves a lot, a dense one hardly. Its variance ``(1 - B_i) s_i^2 + B_i^2 var(mu_g)``
counts the uncertainty of the group mean too (Morris, 1983). A series that cannot be
identified gets its group's prior: ``mu_g`` with variance ``tau^2 + var(mu_g)``.

Groups with fewer than ``min_group_size`` identified series are pooled into the global
mean (their own mean would be mostly noise).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

from pricing.elasticity import ElasticityEstimate

GLOBAL = "__all__"


class NoIdentifiableSeriesError(ValueError):
    """Not one series has its own estimate: there is nothing to learn a prior from."""


@dataclass(frozen=True)
class GroupPrior:
    group: str
    mean: float
    mean_se: float
    n_series: int  # identified series that informed the mean
    pooled: bool  # True: too few series, the global mean stands in


@dataclass(frozen=True)
class ShrunkElasticity:
    series_id: str
    group: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    weight: float  # 1 - B: the share of the series' own estimate (0 for a prior)
    prior_mean: float
    from_prior: bool  # not identifiable: the group prior stands in

    def covers(self, value: float) -> bool:
        return self.ci_low <= value <= self.ci_high


@dataclass(frozen=True)
class Shrinkage:
    rows: list[ShrunkElasticity]
    tau: float  # spread of true elasticities within a group
    global_mean: float
    priors: dict[str, GroupPrior]


def shrink(
    estimates: Sequence[ElasticityEstimate],
    *,
    level: float = 0.95,
    min_group_size: int = 3,
) -> Shrinkage:
    """Shrink identified estimates toward their group mean; give the rest the prior."""
    ident = [e for e in estimates if e.identifiable]
    if not ident:
        raise NoIdentifiableSeriesError("no identifiable series to learn a prior from")
    b = np.array([e.estimate for e in ident])
    s2 = np.array([e.se for e in ident]) ** 2
    labels = _pooled_labels([e.group for e in ident], min_group_size)
    tau2 = _reml_tau2(b, s2, labels)
    priors, global_mean = _priors(b, s2, labels, tau2, estimates)
    z = float(stats.norm.ppf(0.5 + level / 2))
    rows = [_posterior(e, priors[e.group], tau2, z) for e in estimates]
    return Shrinkage(rows, math.sqrt(tau2), global_mean, priors)


def _pooled_labels(groups: list[str], min_group_size: int) -> np.ndarray:
    counts: dict[str, int] = {}
    for g in groups:
        counts[g] = counts.get(g, 0) + 1
    return np.array([g if counts[g] >= min_group_size else GLOBAL for g in groups])


def _weighted_means(
    b: np.ndarray, s2: np.ndarray, labels: np.ndarray, tau2: float
) -> tuple[dict[str, float], dict[str, float]]:
    """Precision-weighted mean of each label, and its variance."""
    w = 1.0 / (s2 + tau2)
    means, variances = {}, {}
    for g in np.unique(labels):
        m = labels == g
        means[str(g)] = float(np.sum(w[m] * b[m]) / np.sum(w[m]))
        variances[str(g)] = float(1.0 / np.sum(w[m]))
    return means, variances


def _neg_reml(tau2: float, b: np.ndarray, s2: np.ndarray, labels: np.ndarray) -> float:
    v = s2 + tau2
    means, _ = _weighted_means(b, s2, labels, tau2)
    fitted = np.array([means[str(g)] for g in labels])
    logdet = sum(math.log(np.sum(1.0 / v[labels == g])) for g in np.unique(labels))
    return 0.5 * float(np.sum(np.log(v)) + logdet + np.sum((b - fitted) ** 2 / v))


def _reml_tau2(b: np.ndarray, s2: np.ndarray, labels: np.ndarray) -> float:
    if len(np.unique(labels)) >= b.size:
        return 0.0  # one series per mean: the spread cannot be told from the noise
    upper = max(float(np.var(b)) * 4.0, 1e-6)
    result = optimize.minimize_scalar(
        _neg_reml, bounds=(0.0, upper), args=(b, s2, labels), method="bounded"
    )
    tau2 = float(result.x)
    # The bounded search never lands exactly on 0; prefer it when it is as good.
    if _neg_reml(0.0, b, s2, labels) <= _neg_reml(tau2, b, s2, labels):
        return 0.0
    return tau2


def _priors(
    b: np.ndarray,
    s2: np.ndarray,
    labels: np.ndarray,
    tau2: float,
    estimates: Sequence[ElasticityEstimate],
) -> tuple[dict[str, GroupPrior], float]:
    means, variances = _weighted_means(b, s2, labels, tau2)
    all_mean, all_var = _weighted_means(b, s2, np.full(b.size, GLOBAL), tau2)
    global_mean, global_var = all_mean[GLOBAL], all_var[GLOBAL]
    priors: dict[str, GroupPrior] = {}
    for group in {e.group for e in estimates}:
        n = int(np.sum(labels == group))
        if group in means:
            priors[group] = GroupPrior(group, means[group], math.sqrt(variances[group]), n, False)
        else:
            priors[group] = GroupPrior(group, global_mean, math.sqrt(global_var), n, True)
    return priors, global_mean


def _posterior(e: ElasticityEstimate, prior: GroupPrior, tau2: float, z: float) -> ShrunkElasticity:
    mean_var = prior.mean_se**2
    if not e.identifiable:
        estimate, var, weight = prior.mean, tau2 + mean_var, 0.0
    else:
        shrink_factor = e.se**2 / (e.se**2 + tau2)
        weight = 1.0 - shrink_factor
        estimate = prior.mean + weight * (e.estimate - prior.mean)
        var = weight * e.se**2 + shrink_factor**2 * mean_var
    sd = math.sqrt(var)
    return ShrunkElasticity(
        series_id=e.series_id,
        group=e.group,
        estimate=estimate,
        se=sd,
        ci_low=estimate - z * sd,
        ci_high=estimate + z * sd,
        weight=weight,
        prior_mean=prior.mean,
        from_prior=not e.identifiable,
    )
