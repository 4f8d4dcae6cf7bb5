"""Frequently bought together: item pairs in the same order, ranked by lift.

lift(i, j) = P(i and j in a basket) / (P(i) P(j)). Lift alone favours rare pairs seen
once, so a pair needs `min_support` baskets in common before it counts.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import scipy.sparse as sp

from recsys.base import Recommendation
from recsys.interactions import Interactions
from recsys.models.core import ScoringRecommender
from recsys.models.neighbours import blockwise_neighbours, from_arrays, to_arrays
from recsys.threads import limited_threads


class BoughtTogetherRecommender(ScoringRecommender):
    """Baskets x items co-occurrence -> lift, top `neighbours` per item kept.

    As a user recommender it completes what the user bought (sum of lifts from their
    items); `bought_together` is the product-page and cart use.
    """

    name = "bought_together"

    def __init__(self, *, min_support: int = 2, neighbours: int = 50) -> None:
        super().__init__(min_support=min_support, neighbours=neighbours)
        self.lift = sp.csr_matrix((0, 0), dtype=np.float32)
        self.prior = np.zeros(0, dtype=np.float64)
        self._bought = sp.csr_matrix((0, 0), dtype=np.float32)

    def _fit(self, data: Interactions) -> None:
        baskets = data.basket_matrix().tocsc()
        n_baskets = max(baskets.shape[0], 1)
        counts = np.asarray(baskets.sum(axis=0)).ravel().astype(np.float64)
        min_support = float(self.params["min_support"])

        def score_lift(product: sp.csr_matrix, rows: slice) -> sp.csr_matrix:
            coo = product.tocoo()
            keep = coo.data >= min_support
            r, c, together = coo.row[keep], coo.col[keep], coo.data[keep]
            vals = together * n_baskets / (counts[rows][r] * counts[c])
            return sp.csr_matrix((vals, (r, c)), shape=product.shape)

        with limited_threads():
            self.lift = blockwise_neighbours(
                baskets, baskets, int(self.params["neighbours"]), score_lift
            )
        self._bought = (data.purchases > 0).astype(np.float32).tocsr()
        self.prior = 1e-6 * counts / max(counts.max(initial=0.0), 1.0)

    def bought_together(
        self, item_id: str, k: int, *, exclude: Collection[str] = ()
    ) -> list[Recommendation]:
        """Items most often in the same order as `item_id` (by lift), without `exclude`."""
        self._require_fitted()
        col = self._item_index.get(item_id)
        if col is None or k <= 0:
            return []
        scores = self._neighbour_scores(col)
        scores[col] = -np.inf
        return self._top(scores, k, exclude)

    def _neighbour_scores(self, col: int) -> np.ndarray:
        row = self.lift[col]
        scores = np.full(len(self.item_ids), -np.inf)
        scores[row.indices] = row.data
        return scores

    def _score_user(self, row: int) -> np.ndarray:
        scores = np.asarray((self._bought[row] @ self.lift).todense()).ravel()
        return scores + self.prior

    def _score_item(self, col: int) -> np.ndarray | None:
        return self._neighbour_scores(col)

    def _state(self) -> dict[str, np.ndarray]:
        arrays = to_arrays(self.lift, "lift")
        arrays["prior"] = self.prior
        arrays.update(to_arrays(self._bought, "bought"))
        return arrays

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        self.lift = from_arrays(arrays, "lift", len(self.item_ids))
        self.prior = arrays["prior"]
        self._bought = sp.csr_matrix(
            (arrays["bought_data"], arrays["bought_indices"], arrays["bought_indptr"]),
            shape=(len(self.user_ids), len(self.item_ids)),
        )
