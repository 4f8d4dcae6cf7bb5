"""The contract every recommender in the factory passes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from recsys import factory
from recsys.base import (
    ARRAYS_FILE,
    META_FILE,
    ModelFormatError,
    NotFittedError,
    Recommender,
    read_metadata,
)
from recsys.interactions import Interactions
from recsys.models.core import _block_top, top_k

NAMES = factory.names()
# Small and quick: the contract is about behaviour, not quality.
FAST = {"als": {"factors": 8, "iterations": 5}, "bpr": {"factors": 8, "iterations": 20}}


def fitted(name: str, data: Interactions) -> Recommender:
    return factory.make(name, **FAST.get(name, {})).fit(data)


@pytest.fixture(scope="module", params=NAMES)
def model(request: pytest.FixtureRequest, interactions: Interactions) -> Recommender:
    return fitted(request.param, interactions)


def test_implements_the_protocol(model: Recommender) -> None:
    assert isinstance(model, Recommender)
    assert model.name in NAMES


def test_lists_are_ranked_known_items_at_most_k(
    model: Recommender, interactions: Interactions
) -> None:
    known = set(interactions.item_ids.tolist())
    for user in interactions.user_ids[:20]:
        recs = model.recommend(str(user), 5)
        assert 0 < len(recs) <= 5
        items = [i for i, _ in recs]
        scores = [s for _, s in recs]
        assert all(isinstance(i, str) and isinstance(s, float) for i, s in recs)
        assert len(set(items)) == len(items)
        assert set(items) <= known
        assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("k", [1, 3, 7])
def test_k_is_honoured(model: Recommender, interactions: Interactions, k: int) -> None:
    user = str(interactions.user_ids[0])
    assert len(model.recommend(user, k, exclude_seen=False)) == k
    assert model.recommend(user, 0) == []
    assert len(model.recommend_many([user, "usr_nobody"], k)[0]) <= k


def test_seen_and_excluded_items_are_left_out(
    model: Recommender, interactions: Interactions
) -> None:
    for user in interactions.user_ids[:20]:
        seen = interactions.seen_items(str(user))
        recs = {i for i, _ in model.recommend(str(user), 10)}
        assert not recs & seen
        unfiltered = [i for i, _ in model.recommend(str(user), 10, exclude_seen=False)]
        banned = set(unfiltered[:3])
        filtered = {
            i for i, _ in model.recommend(str(user), 10, exclude=banned, exclude_seen=False)
        }
        assert not filtered & banned


def test_unknown_user_and_item_get_nothing(model: Recommender) -> None:
    assert model.recommend("usr_unknown", 10) == []
    assert model.recommend_many(["usr_unknown"], 10) == [[]]
    assert model.similar_items("prd_unknown", 10) == []


def test_similar_items_never_return_the_item(
    model: Recommender, interactions: Interactions
) -> None:
    for item in interactions.item_ids[:10]:
        similar = model.similar_items(str(item), 5)
        assert len(similar) <= 5
        assert str(item) not in {i for i, _ in similar}


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_recommendations(name: str, interactions: Interactions) -> None:
    first, second = fitted(name, interactions), fitted(name, interactions)
    for user in interactions.user_ids[:15]:
        assert first.recommend(str(user), 10) == second.recommend(str(user), 10)
    item = str(interactions.item_ids[0])
    assert first.similar_items(item, 5) == second.similar_items(item, 5)


def test_save_load_round_trip_is_identical(
    model: Recommender, interactions: Interactions, tmp_path: Path
) -> None:
    model.save(tmp_path / "m")
    loaded = factory.load(tmp_path / "m")
    assert type(loaded) is type(model)
    for user in interactions.user_ids:
        assert loaded.recommend(str(user), 10) == model.recommend(str(user), 10)
    for item in interactions.item_ids[:10]:
        assert loaded.similar_items(str(item), 5) == model.similar_items(str(item), 5)
    meta = read_metadata(tmp_path / "m")
    assert meta["model"] == model.name
    assert meta["n_items"] == interactions.n_items
    assert len(meta["version"]) == 16
    # The arrays load without pickle: no object arrays were written.
    with np.load(tmp_path / "m" / ARRAYS_FILE, allow_pickle=False) as npz:
        assert all(npz[key].dtype.kind != "O" for key in npz.files)


@pytest.mark.parametrize("name", NAMES)
def test_unfitted_model_refuses(name: str, tmp_path: Path) -> None:
    model = factory.make(name)
    with pytest.raises(NotFittedError):
        model.recommend("usr_000", 5)
    with pytest.raises(NotFittedError):
        model.save(tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_factory_refuses_unknown_names_and_foreign_files(
    interactions: Interactions, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="unknown recommender"):
        factory.make("nope")
    fitted("popularity", interactions).save(tmp_path / "pop")
    before = {p.name: p.read_bytes() for p in (tmp_path / "pop").iterdir()}
    with pytest.raises(ModelFormatError):
        factory.model_class("item_knn").load(tmp_path / "pop")
    meta = tmp_path / "pop" / META_FILE
    with pytest.raises(ModelFormatError):
        factory.load(tmp_path / "missing")
    assert {p.name: p.read_bytes() for p in (tmp_path / "pop").iterdir()} == before
    meta.write_text(meta.read_text().replace('"format_version": 1', '"format_version": 9'))
    with pytest.raises(ModelFormatError, match="unknown model format"):
        factory.load(tmp_path / "pop")


def _precomputable(name: str) -> bool:
    return hasattr(factory.model_class(name), "precompute")


@pytest.mark.parametrize("name", [n for n in NAMES if _precomputable(n)])
def test_precomputed_lists_answer_as_live_scoring_does(
    name: str, interactions: Interactions, tmp_path: Path
) -> None:
    live = fitted(name, interactions)
    pre: Any = fitted(name, interactions)
    pre.precompute(12)
    pre.save(tmp_path / "m")
    loaded: Any = factory.load(tmp_path / "m")  # memory-mapped lists
    assert loaded.precomputed == pre.precomputed == 12
    for user in map(str, interactions.user_ids[:30]):
        seen = interactions.seen_items(user)
        banned = {i for i, _ in live.recommend(user, 4, exclude_seen=False)[:2]}
        for kwargs in (
            {"k": 5, "exclude_seen": False},
            {"k": 5, "exclude_seen": True},  # may run past the 12 (then scored live)
            {"k": 8, "exclude": banned, "exclude_seen": False},
            {"k": 20, "exclude_seen": False},  # more than precomputed: scored live
        ):
            expected = live.recommend(user, **kwargs)
            for model in (pre, loaded):
                got = model.recommend(user, **kwargs)
                assert [i for i, _ in got] == [i for i, _ in expected], (user, kwargs)
                assert np.allclose([s for _, s in got], [s for _, s in expected], rtol=1e-5)
        assert not {i for i, _ in pre.recommend(user, 5)} & seen


def test_block_top_ranks_ties_by_lower_column_and_drops_non_finite() -> None:
    block = np.array(
        [
            [1.0, 3.0, 3.0, 2.0, 3.0],
            [-np.inf, 0.5, -np.inf, -np.inf, -np.inf],
        ]
    )
    cols, scores = _block_top(block, 3)
    assert cols.tolist() == [[1, 2, 4], [1, -1, -1]]
    assert scores[0].tolist() == [3.0, 3.0, 3.0]
    cols, _ = _block_top(np.array([[0.0, 1.0, 1.0, 1.0, 0.0]]), 2)
    assert cols.tolist() == [[1, 2]]
    cols, _ = _block_top(np.array([[0.0, 2.0, 1.0]]), 3)  # n == n_items: a full sort
    assert cols.tolist() == [[1, 2, 0]]


def test_block_top_ranks_exactly_as_top_k_on_tie_heavy_blocks() -> None:
    rng = np.random.default_rng(0)
    ids = np.array([str(i) for i in range(60)])
    for _ in range(100):
        block = rng.integers(0, 5, size=(8, 60)).astype(np.float64)  # many ties
        block[rng.random(block.shape) < 0.2] = -np.inf
        n = int(rng.integers(1, 61))
        cols, _ = _block_top(block, n)
        for row in range(8):
            expected = [int(i) for i, _ in top_k(block[row].copy(), n, ids)]
            assert [c for c in cols[row].tolist() if c >= 0] == expected


def test_a_precomputed_list_is_a_lookup(
    interactions: Interactions, monkeypatch: pytest.MonkeyPatch
) -> None:
    model: Any = fitted("als", interactions).precompute(12)
    user = str(interactions.user_ids[0])
    expected = model.recommend(user, 5, exclude_seen=False)

    def scoring_is_not_expected(row: int) -> np.ndarray:
        raise AssertionError("scored live although the precomputed list sufficed")

    monkeypatch.setattr(model, "_score_user", scoring_is_not_expected)
    assert model.recommend(user, 5, exclude_seen=False) == expected
    with pytest.raises(AssertionError, match="scored live"):
        model.recommend(user, 13, exclude_seen=False)
