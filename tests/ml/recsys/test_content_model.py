"""ContentRecommender: the shared recommender contract plus what content adds (cold items)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recsys.base import ARRAYS_FILE, NotFittedError, Recommender, read_metadata
from recsys.content.embed import Embeddings, ItemText, encode_items
from recsys.content.model import ContentRecommender
from recsys.interactions import Interactions
from tests.ml.recsys.content_helpers import catalogue, encoder

# The contract checks that take a fitted `model` run here too, on this module's fixture.
from tests.ml.recsys.test_contract import (  # noqa: F401
    test_k_is_honoured,
    test_lists_are_ranked_known_items_at_most_k,
    test_seen_and_excluded_items_are_left_out,
    test_similar_items_never_return_the_item,
    test_unknown_user_and_item_get_nothing,
)

# Embedded but never interacted with: a cold-start item on each side.
COLD = [
    ItemText("prd_900", "waterproof trail running shoes", ["Sports", "Running"]),
    ItemText("prd_901", "non-stick frying pan", ["Home", "Kitchen"]),
]


@pytest.fixture(scope="module")
def embeddings() -> Embeddings:
    return encode_items(encoder(), [*catalogue(40), *COLD])


@pytest.fixture(scope="module")
def model(embeddings: Embeddings, interactions: Interactions) -> ContentRecommender:
    return ContentRecommender(embeddings).fit(interactions)


def side(item_id: str) -> int:
    return int(item_id[4:]) % 2 if item_id < "prd_900" else int(item_id[4:]) - 900


def test_implements_the_protocol(model: ContentRecommender) -> None:
    assert isinstance(model, Recommender)
    assert model.name == "content"


def test_users_get_items_of_their_taste(model: ContentRecommender) -> None:
    # Users of conftest's data interact with items of their own parity only.
    for n in range(10):
        recs = model.recommend(f"usr_{n:03d}", 5)
        assert recs
        assert sum(side(i) == n % 2 for i, _ in recs) >= 4


def test_cold_items_have_content_neighbours_and_are_recommended(model: ContentRecommender) -> None:
    similar = [i for i, _ in model.similar_items("prd_900", 5)]
    assert all(side(i) == 0 for i in similar)
    assert all(side(i) == 1 for i, _ in model.similar_items("prd_901", 5))
    reachable = {i for n in range(40) for i, _ in model.recommend(f"usr_{n:03d}", 10)}
    assert {"prd_900", "prd_901"} & reachable


def test_recommend_from_items_excludes_them(model: ContentRecommender) -> None:
    recs = [i for i, _ in model.recommend_from_items(["prd_003", "prd_005"], 5)]
    assert len(recs) == 5
    assert not {"prd_003", "prd_005"} & set(recs)
    assert all(side(i) == 1 for i in recs)
    assert model.recommend_from_items(["prd_unknown"], 5) == []


def test_score_items_is_the_cosine_used_to_rank(model: ContentRecommender) -> None:
    recs = model.recommend("usr_000", 5)
    scores = model.score_items("usr_000", [i for i, _ in recs] + ["prd_unknown"])
    np.testing.assert_allclose(scores[:5], [s for _, s in recs], atol=1e-5)
    assert np.isnan(scores[5])
    assert np.isnan(model.score_items("usr_unknown", ["prd_000"])).all()


def test_same_input_same_recommendations(
    embeddings: Embeddings, interactions: Interactions, model: ContentRecommender
) -> None:
    again = ContentRecommender(embeddings).fit(interactions)
    for user in interactions.user_ids[:15]:
        assert again.recommend(str(user), 10) == model.recommend(str(user), 10)
    assert again.similar_items("prd_000", 5) == model.similar_items("prd_000", 5)


def test_save_load_round_trip_is_identical(
    model: ContentRecommender, interactions: Interactions, tmp_path: Path
) -> None:
    model.save(tmp_path / "m")
    loaded = ContentRecommender.load(tmp_path / "m")
    for user in interactions.user_ids:
        assert loaded.recommend(str(user), 10) == model.recommend(str(user), 10)
    for item in ["prd_000", "prd_001", "prd_900"]:
        assert loaded.similar_items(item, 5) == model.similar_items(item, 5)
    meta = read_metadata(tmp_path / "m")
    assert (meta["model"], meta["n_items"], meta["index_kind"]) == ("content", 42, "flat")
    assert meta["embedding_model"]["name"] == "sentence-transformers/all-MiniLM-L6-v2"
    with np.load(tmp_path / "m" / ARRAYS_FILE, allow_pickle=False) as npz:
        assert all(npz[key].dtype.kind != "O" for key in npz.files)


def test_hnsw_backed_model_gives_the_same_neighbours(
    embeddings: Embeddings, interactions: Interactions, model: ContentRecommender
) -> None:
    hnsw = ContentRecommender(embeddings, exact_threshold=0).fit(interactions)
    assert hnsw.index is not None
    assert hnsw.index.kind == "hnsw"
    assert [i for i, _ in hnsw.similar_items("prd_000", 5)] == [
        i for i, _ in model.similar_items("prd_000", 5)
    ]


def test_unfitted_model_refuses(embeddings: Embeddings, tmp_path: Path) -> None:
    with pytest.raises(NotFittedError):
        ContentRecommender().similar_items("prd_000", 5)
    unfitted = ContentRecommender(embeddings)
    with pytest.raises(NotFittedError):
        unfitted.recommend("usr_000", 5)
    with pytest.raises(NotFittedError):
        unfitted.save(tmp_path / "m")
    assert not (tmp_path / "m").exists()
