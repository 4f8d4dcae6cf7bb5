"""Poisson pseudo-maximum likelihood (PPML) with heteroskedasticity-robust standard errors.

Why Poisson and not OLS on ``log(units + offset)``: daily unit sales of a SKU are small
counts with many zeros, and the log of a shifted count is biased toward zero elasticity by
an amount that depends on the sales level. The Poisson score only needs the conditional
mean ``E[y | x] = exp(x'b)`` to be right, so the estimate stays consistent when units are
over-dispersed (several units per order, bursts); the sandwich (HC1) covariance then gives
honest standard errors without trusting the Poisson variance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_MAX_ETA = 30.0  # exp(30) units a day is far beyond any SKU: caps runaway steps


class FitError(ValueError):
    """The Poisson fit cannot be computed (singular design, no sales, no convergence)."""


@dataclass(frozen=True)
class PoissonFit:
    coef: np.ndarray  # (k,)
    cov: np.ndarray  # (k, k) HC1 sandwich covariance
    converged: bool
    n_iter: int
    deviance: float

    @property
    def se(self) -> np.ndarray:
        return np.asarray(np.sqrt(np.clip(np.diag(self.cov), 0.0, None)), dtype=np.float64)


def fit_poisson(
    x: np.ndarray,
    y: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    clusters: np.ndarray | None = None,
    start: np.ndarray | None = None,
    max_iter: int = 100,
    tol: float = 1e-9,
) -> PoissonFit:
    """Newton-Raphson (IRLS) with step halving on the (weighted) Poisson log-likelihood.

    ``weights`` let a row stand for a fraction of a day and ``clusters`` say which rows are
    one day, for the covariance: the rows of a day whose price is uncertain (one per
    possible price, weighted by its probability) in ``pricing.elasticity``.
    """
    n, k = x.shape
    if n <= k:
        raise FitError(f"{n} observations for {k} parameters")
    if float(y.sum()) <= 0:
        raise FitError("no sales")
    off = np.zeros(n) if offset is None else offset
    w = np.ones(n) if weights is None else weights
    beta = _start(x, y, off) if start is None else start.copy()
    loglik = _loglik(x, y, off, w, beta)
    converged, n_iter = False, 0
    while n_iter < max_iter:
        n_iter += 1
        mu = np.exp(np.clip(x @ beta + off, -_MAX_ETA, _MAX_ETA))
        step = _solve(x.T @ (x * (w * mu)[:, None]), x.T @ (w * (y - mu)))
        new_beta, new_loglik = _halve(x, y, off, w, beta, step, loglik)
        change = abs(new_loglik - loglik)
        beta, loglik = new_beta, new_loglik
        if change < tol * (abs(loglik) + 1.0):
            converged = True
            break
    mu = np.exp(np.clip(x @ beta + off, -_MAX_ETA, _MAX_ETA))
    cov = _sandwich(x, y, mu, w, clusters)
    return PoissonFit(beta, cov, converged, n_iter, _deviance(y, mu))


def _start(x: np.ndarray, y: np.ndarray, off: np.ndarray) -> np.ndarray:
    """Least squares on log(y + 0.5): a start close enough for Newton to converge fast."""
    target = np.log(y + 0.5) - off
    beta, *_ = np.linalg.lstsq(x, target, rcond=None)
    return np.asarray(beta, dtype=float)


def _solve(hessian: np.ndarray, score: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(hessian, score)
    except np.linalg.LinAlgError as exc:
        raise FitError("singular design (a control or the price does not vary)") from exc


def _halve(
    x: np.ndarray,
    y: np.ndarray,
    off: np.ndarray,
    w: np.ndarray,
    beta: np.ndarray,
    step: np.ndarray,
    loglik: float,
) -> tuple[np.ndarray, float]:
    scale = 1.0
    for _ in range(30):
        candidate = beta + scale * step
        value = _loglik(x, y, off, w, candidate)
        if np.isfinite(value) and value >= loglik - 1e-12:
            return candidate, value
        scale /= 2
    return beta, loglik


def _loglik(
    x: np.ndarray, y: np.ndarray, off: np.ndarray, w: np.ndarray, beta: np.ndarray
) -> float:
    eta = np.clip(x @ beta + off, -_MAX_ETA, _MAX_ETA)
    return float(np.sum(w * (y * eta - np.exp(eta))))


def _sandwich(
    x: np.ndarray, y: np.ndarray, mu: np.ndarray, w: np.ndarray, clusters: np.ndarray | None
) -> np.ndarray:
    """HC1 sandwich; rows of one cluster (the rows of one day) add their scores first."""
    k = x.shape[1]
    scores = x * (w * (y - mu))[:, None]
    if clusters is not None:
        ids, inverse = np.unique(clusters, return_inverse=True)
        summed = np.zeros((ids.size, k))
        np.add.at(summed, inverse, scores)
        scores = summed
    n = scores.shape[0]
    bread = np.linalg.pinv(x.T @ (x * (w * mu)[:, None]))
    return np.asarray(bread @ (scores.T @ scores) @ bread * (n / max(n - k, 1)))


def _deviance(y: np.ndarray, mu: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(y > 0, y * np.log(y / mu), 0.0)
    return float(2 * np.sum(term - (y - mu)))
