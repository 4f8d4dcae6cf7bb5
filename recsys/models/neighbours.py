"""Sparse item x item neighbour matrices built in blocks, keeping the top N per row.

A full items x items product is quadratic in memory; computing it a block of rows at a
time and keeping only each row's N best neighbours bounds memory by block x items.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

BLOCK_ROWS = 2048


def top_n_rows(block: sp.csr_matrix, n: int, first_row: int) -> sp.csr_matrix:
    """Keep the n largest positive entries of each row; drop the diagonal."""
    block = block.tocsr()
    rows, cols, vals = [], [], []
    for r in range(block.shape[0]):
        start, end = block.indptr[r], block.indptr[r + 1]
        idx = block.indices[start:end]
        val = block.data[start:end]
        keep = (idx != first_row + r) & (val > 0)
        idx, val = idx[keep], val[keep]
        if len(val) > n:
            # Stable order (score desc, index asc) so equal scores keep the same neighbours.
            order = np.lexsort((idx, -val))[:n]
            idx, val = idx[order], val[order]
        rows.append(np.full(len(idx), r, dtype=np.int64))
        cols.append(idx)
        vals.append(val)
    return sp.csr_matrix(
        (
            np.concatenate(vals) if vals else np.zeros(0),
            (
                np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64),
                np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64),
            ),
        ),
        shape=block.shape,
        dtype=np.float32,
    )


def blockwise_neighbours(
    left: sp.csc_matrix,
    right: sp.csc_matrix,
    n: int,
    score: Callable[[sp.csr_matrix, slice], sp.csr_matrix],
) -> sp.csr_matrix:
    """items x items: rows of left.T @ right, rescored by `score`, top n kept per row."""
    n_items = left.shape[1]
    blocks = []
    for start in range(0, n_items, BLOCK_ROWS):
        rows = slice(start, min(start + BLOCK_ROWS, n_items))
        product = (left[:, rows].T @ right).tocsr()
        blocks.append(top_n_rows(score(product, rows), n, start))
    if not blocks:
        return sp.csr_matrix((0, 0), dtype=np.float32)
    return sp.vstack(blocks, format="csr").astype(np.float32)


def to_arrays(matrix: sp.csr_matrix, prefix: str) -> dict[str, np.ndarray]:
    """A CSR as three plain arrays (for the .npz)."""
    return {
        f"{prefix}_data": matrix.data.astype(np.float32),
        f"{prefix}_indices": matrix.indices.astype(np.int32),
        f"{prefix}_indptr": matrix.indptr.astype(np.int64),
    }


def from_arrays(arrays: dict[str, np.ndarray], prefix: str, n_items: int) -> sp.csr_matrix:
    """The CSR written by to_arrays."""
    return sp.csr_matrix(
        (arrays[f"{prefix}_data"], arrays[f"{prefix}_indices"], arrays[f"{prefix}_indptr"]),
        shape=(n_items, n_items),
    )
