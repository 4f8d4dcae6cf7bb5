"""The faiss wrapper: exact search finds each item itself, HNSW recall against exact, filters,
save and load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recsys.content.index import VectorIndex


def unit_vectors(n: int, dim: int = 384, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def ids(n: int) -> list[str]:
    return [f"prd_{i:05d}" for i in range(n)]


def recall_at(truth: np.ndarray, found: np.ndarray) -> float:
    hits = [len(set(t.tolist()) & set(f.tolist())) for t, f in zip(truth, found, strict=True)]
    return float(np.sum(hits)) / truth.size


def test_exact_index_finds_each_item_itself_first() -> None:
    x = unit_vectors(1000)
    index = VectorIndex.build(ids(1000), x)
    assert index.kind == "flat"
    scores, rows = index.search(x, 3)
    assert np.array_equal(rows[:, 0], np.arange(1000))
    np.testing.assert_allclose(scores[:, 0], 1.0, atol=1e-5)
    assert np.all(np.diff(scores, axis=1) <= 1e-6)


def test_hnsw_beyond_the_threshold_with_its_parameters() -> None:
    index = VectorIndex.build(ids(500), unit_vectors(500), exact_threshold=100, ef_search=64)
    assert index.kind == "hnsw"
    assert index.params == {"dim": 384, "m": 32, "ef_construction": 200, "ef_search": 64}
    assert index.search(unit_vectors(1, seed=9), 5)[1].shape == (1, 5)


@pytest.mark.slow  # ~15 s alone, ~35 s on a busy 2-core machine (building HNSW for 20k)
def test_hnsw_recall_at_10_against_exact_on_20k_random_vectors() -> None:
    x, queries = unit_vectors(20_000), unit_vectors(300, seed=1)
    _, truth = VectorIndex.build(ids(20_000), x, threads=2).search(queries, 10)
    hnsw = VectorIndex.build(ids(20_000), x, exact_threshold=0, threads=2)
    recalls = {}
    for ef in (128, 512):
        hnsw.ef_search = ef
        recalls[ef] = recall_at(truth, hnsw.search(queries, 10)[1])
    print(f"HNSW recall@10 on 20k isotropic random 384-d unit vectors: {recalls}")
    # Isotropic random vectors are HNSW's worst case; embeddings reach ~1.0 at ef 128.
    assert recalls[512] >= 0.95


def test_hnsw_recall_on_structured_vectors_with_default_parameters() -> None:
    rng = np.random.default_rng(3)
    basis = rng.standard_normal((24, 384))
    x = rng.standard_normal((5000, 24)) @ basis + 0.1 * rng.standard_normal((5000, 384))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    queries = x[:200] + 0.05 * rng.standard_normal((200, 384)).astype(np.float32)
    _, truth = VectorIndex.build(ids(5000), x).search(queries, 10)
    _, found = VectorIndex.build(ids(5000), x, exact_threshold=0).search(queries, 10)
    assert recall_at(truth, found) >= 0.98


@pytest.mark.parametrize(("threshold", "allowed_n"), [(10**6, 50), (0, 50), (0, 1500)])
def test_allowed_rows_restrict_results(threshold: int, allowed_n: int) -> None:
    x = unit_vectors(2000)
    index = VectorIndex.build(ids(2000), x, exact_threshold=threshold)
    allowed = set(range(0, 2000, 2000 // allowed_n))
    _, rows = index.search(x[:20], 10, allowed_rows=allowed)
    assert rows.shape == (20, 10)
    assert set(rows.ravel().tolist()) <= allowed
    # An allowed item still finds itself first.
    _, own = index.search(x[:20:5], 1, allowed_rows=allowed)
    assert own[0, 0] == 0


def test_k_is_capped_by_the_number_of_items_and_allowed_rows() -> None:
    index = VectorIndex.build(ids(5), unit_vectors(5))
    assert index.search(unit_vectors(1), 10)[1].shape == (1, 5)
    assert index.search(unit_vectors(1), 10, allowed_rows={1, 2})[1].shape == (1, 2)
    assert index.search(unit_vectors(1), 10, allowed_rows=set())[1].shape == (1, 0)


@pytest.mark.parametrize("threshold", [10**6, 0])
def test_save_load_round_trip(threshold: int, tmp_path: Path) -> None:
    x = unit_vectors(300)
    index = VectorIndex.build(ids(300), x, exact_threshold=threshold)
    index.save(tmp_path / "ix")
    loaded = VectorIndex.load(tmp_path / "ix")
    assert (loaded.kind, loaded.ids, loaded.params) == (index.kind, index.ids, index.params)
    assert np.array_equal(loaded.search(x[:10], 5)[1], index.search(x[:10], 5)[1])
    np.testing.assert_array_equal(loaded.vectors([3, 7]), x[[3, 7]])
    assert sorted(p.name for p in (tmp_path / "ix").iterdir()) == ["index.faiss", "index.json"]


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="vectors for 3 ids"):
        VectorIndex.build(ids(3), unit_vectors(2))
    with pytest.raises(ValueError, match="duplicate ids"):
        VectorIndex.build(["a", "a"], unit_vectors(2))
