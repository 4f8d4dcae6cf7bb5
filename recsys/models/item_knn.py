"""Item-kNN: cosine similarity of items' interaction columns, top-N neighbours kept."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recsys.interactions import Interactions
from recsys.models.core import ScoringRecommender
from recsys.models.neighbours import blockwise_neighbours, from_arrays, to_arrays
from recsys.threads import limited_threads


class ItemKNNRecommender(ScoringRecommender):
    """score(u, j) = sum over the user's items i of weight(u, i) * sim(i, j).

    Similarity is the cosine of who interacted (binary columns), while a user's own
    weights (kind, time decay) say which of their items count: on Online Retail's
    validation window binary similarity found twice the recall of weighted similarity.
    `shrink` damps similarities resting on few common users; a tiny popularity prior
    breaks ties and fills lists for users whose items have few neighbours.
    """

    name = "item_knn"

    def __init__(self, *, neighbours: int = 20, shrink: float = 10.0) -> None:
        super().__init__(neighbours=neighbours, shrink=shrink)
        self.similarity = sp.csr_matrix((0, 0), dtype=np.float32)
        self.prior = np.zeros(0, dtype=np.float64)
        self._weights = sp.csr_matrix((0, 0), dtype=np.float32)

    def _fit(self, data: Interactions) -> None:
        x = data.matrix.tocsc().astype(np.float32)
        x.data[:] = 1.0
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel())
        shrink = float(self.params["shrink"])

        def cosine(product: sp.csr_matrix, rows: slice) -> sp.csr_matrix:
            coo = product.tocoo()
            denom = norms[rows][coo.row] * norms[coo.col] + shrink
            vals = coo.data / np.maximum(denom, 1e-12)
            return sp.csr_matrix((vals, (coo.row, coo.col)), shape=product.shape)

        with limited_threads():
            self.similarity = blockwise_neighbours(x, x, int(self.params["neighbours"]), cosine)
        self._weights = data.matrix.astype(np.float32)
        counts = np.asarray((data.matrix > 0).sum(axis=0)).ravel().astype(np.float64)
        self.prior = 1e-6 * counts / max(counts.max(initial=0.0), 1.0)

    def _score_user(self, row: int) -> np.ndarray:
        scores = np.asarray((self._weights[row] @ self.similarity).todense()).ravel()
        return scores + self.prior

    def _score_item(self, col: int) -> np.ndarray | None:
        row = self.similarity[col]
        scores = np.full(len(self.item_ids), -np.inf)
        scores[row.indices] = row.data
        return scores

    def _state(self) -> dict[str, np.ndarray]:
        arrays = to_arrays(self.similarity, "sim")
        arrays["prior"] = self.prior
        arrays.update({f"w_{k}": v for k, v in _csr_arrays(self._weights).items()})
        return arrays

    def _restore(self, arrays: dict[str, np.ndarray]) -> None:
        n_items = len(self.item_ids)
        self.similarity = from_arrays(arrays, "sim", n_items)
        self.prior = arrays["prior"]
        self._weights = sp.csr_matrix(
            (arrays["w_data"], arrays["w_indices"], arrays["w_indptr"]),
            shape=(len(self.user_ids), n_items),
        )


def _csr_arrays(matrix: sp.csr_matrix) -> dict[str, np.ndarray]:
    return {
        "data": matrix.data.astype(np.float32),
        "indices": matrix.indices.astype(np.int32),
        "indptr": matrix.indptr.astype(np.int64),
    }
