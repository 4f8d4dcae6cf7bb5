"""Matrix factorisation with `implicit`: ALS and BPR, kept as plain factor arrays.

implicit's own save uses pickle-free npz too, but ties the file to its classes; here only
the two factor matrices are kept, and scoring is a dot product in numpy, so a saved model
loads (and serves) without implicit installed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from recsys.interactions import Interactions
from recsys.models.core import ScoringRecommender
from recsys.threads import limited_threads, scoring_threads


class FactorRecommender(ScoringRecommender):
    """score(u, j) = user_factors[u] . item_factors[j]; similar items by cosine of factors."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.user_factors = np.zeros((0, 0), dtype=np.float32)
        self.item_factors = np.zeros((0, 0), dtype=np.float32)
        self._item_unit = np.zeros((0, 0), dtype=np.float32)

    def _make(self) -> Any:
        raise NotImplementedError

    def _fit(self, data: Interactions) -> None:
        # Import (and so load implicit's native libraries) before capping the thread pools:
        # threadpoolctl only limits libraries already loaded.
        import implicit.cpu.als
        import implicit.cpu.bpr  # noqa: F401

        with limited_threads(int(self.params["num_threads"]), blas=1):
            model = self._make()
            model.fit(self._training_matrix(data), show_progress=False)
        self._set_factors(np.asarray(model.user_factors), np.asarray(model.item_factors))

    def _training_matrix(self, data: Interactions) -> Any:
        return data.matrix

    def _set_factors(self, users: np.ndarray, items: np.ndarray) -> None:
        self.user_factors = np.ascontiguousarray(users, dtype=np.float32)
        self.item_factors = np.ascontiguousarray(items, dtype=np.float32)
        norms = np.linalg.norm(self.item_factors, axis=1, keepdims=True)
        self._item_unit = self.item_factors / np.maximum(norms, 1e-12)

    def _score_user(self, row: int) -> np.ndarray:
        with scoring_threads():
            scores: np.ndarray = self.item_factors @ self.user_factors[row]
        return scores

    def _score_users(self, rows: np.ndarray) -> np.ndarray:
        scores: np.ndarray = self.user_factors[rows] @ self.item_factors.T
        return scores

    def _score_item(self, col: int) -> np.ndarray | None:
        with scoring_threads():
            scores: np.ndarray = self._item_unit @ self._item_unit[col]
        return scores

    def _state(self) -> dict[str, np.ndarray]:
        return {"user_factors": self.user_factors, "item_factors": self.item_factors}

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self._set_factors(arrays["user_factors"], arrays["item_factors"])


class ALSRecommender(FactorRecommender):
    """Weighted implicit ALS (Hu, Koren, Volinsky): confidence = 1 + alpha * weight.

    ALS solves each user (then each item) independently, so it is deterministic for a
    seed at any thread count.
    """

    name = "als"

    def __init__(
        self,
        *,
        factors: int = 64,
        regularization: float = 0.05,
        alpha: float = 2.0,
        iterations: int = 15,
        seed: int = 42,
        num_threads: int = 1,
    ) -> None:
        super().__init__(
            factors=factors,
            regularization=regularization,
            alpha=alpha,
            iterations=iterations,
            seed=seed,
            num_threads=num_threads,
        )

    def _make(self) -> Any:
        from implicit.cpu.als import AlternatingLeastSquares

        p = self.params
        return AlternatingLeastSquares(
            factors=p["factors"],
            regularization=p["regularization"],
            alpha=p["alpha"],
            iterations=p["iterations"],
            random_state=p["seed"],
            num_threads=p["num_threads"],
        )


class BPRRecommender(FactorRecommender):
    """Bayesian personalised ranking (on interacted-or-not; weights only mark positives).

    BPR's SGD is lock-free across threads (hogwild), so only num_threads=1 is
    deterministic for a seed: that is the default.
    """

    name = "bpr"

    def __init__(
        self,
        *,
        factors: int = 64,
        learning_rate: float = 0.05,
        regularization: float = 0.01,
        iterations: int = 100,
        seed: int = 42,
        num_threads: int = 1,
    ) -> None:
        super().__init__(
            factors=factors,
            learning_rate=learning_rate,
            regularization=regularization,
            iterations=iterations,
            seed=seed,
            num_threads=num_threads,
        )

    def _make(self) -> Any:
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        p = self.params
        return BayesianPersonalizedRanking(
            factors=p["factors"],
            learning_rate=p["learning_rate"],
            regularization=p["regularization"],
            iterations=p["iterations"],
            random_state=p["seed"],
            num_threads=p["num_threads"],
        )
