"""HybridRecommender: blending, cold-start users and items, save and load."""

from __future__ import annotations

from pathlib import Path

import pytest

from recsys import factory
from recsys.base import Recommender
from recsys.content.embed import Embeddings, ItemText, encode_items
from recsys.content.model import ContentRecommender
from recsys.hybrid import HybridRecommender, interleave
from recsys.interactions import Interactions
from tests.ml.recsys.content_helpers import catalogue, encoder

COLD_ITEM = ItemText("prd_900", "waterproof trail running shoes", ["Sports", "Running"])


@pytest.fixture(scope="module")
def embeddings() -> Embeddings:
    return encode_items(encoder(), [*catalogue(40), COLD_ITEM])


def hybrid(embeddings: Embeddings, data: Interactions, alpha: float = 0.7) -> HybridRecommender:
    return HybridRecommender(
        factory.make("item_knn"), ContentRecommender(embeddings), alpha=alpha
    ).fit(data)


@pytest.fixture(scope="module")
def model(embeddings: Embeddings, interactions: Interactions) -> HybridRecommender:
    return hybrid(embeddings, interactions)


def test_warm_users_get_ranked_unseen_lists(
    model: HybridRecommender, interactions: Interactions
) -> None:
    assert isinstance(model, Recommender)
    for user in interactions.user_ids[:20]:
        recs = model.recommend(str(user), 5)
        assert len(recs) == 5
        scores = [s for _, s in recs]
        assert scores == sorted(scores, reverse=True)
        assert all(isinstance(s, float) and 0.0 <= s <= 1.0 for s in scores)
        assert not {i for i, _ in recs} & interactions.seen_items(str(user))
    banned = {i for i, _ in model.recommend("usr_000", 3)}
    assert not banned & {i for i, _ in model.recommend("usr_000", 5, exclude=banned)}


def test_alpha_one_follows_the_collaborative_order(
    embeddings: Embeddings, interactions: Interactions
) -> None:
    collab_only = hybrid(embeddings, interactions, alpha=1.0)
    knn = collab_only.collaborative
    for user in interactions.user_ids[:10]:
        expected = [i for i, _ in knn.recommend(str(user), 5)]
        assert [i for i, _ in collab_only.recommend(str(user), 5)] == expected


def test_alpha_zero_follows_the_content_order(
    embeddings: Embeddings, interactions: Interactions
) -> None:
    content_only = hybrid(embeddings, interactions, alpha=0.0)
    for user in interactions.user_ids[:10]:
        expected = [i for i, _ in content_only.content.recommend(str(user), 5)]
        assert [i for i, _ in content_only.recommend(str(user), 5)] == expected


def test_cold_user_gets_popular_in_context_minus_exclusions(model: HybridRecommender) -> None:
    in_category = ["prd_004", "prd_002", "prd_000"]
    in_region = ["prd_001", "prd_002", "prd_003"]
    context = interleave(in_category, in_region)
    assert context == ["prd_004", "prd_001", "prd_002", "prd_000", "prd_003"]
    recs = model.recommend("usr_new", 3, context=context, exclude={"prd_001"})
    assert recs == [("prd_004", 0.0), ("prd_002", 0.0), ("prd_000", 0.0)]
    assert model.recommend("usr_new", 3) == []


def test_cold_user_with_a_session_gets_its_content_neighbours(model: HybridRecommender) -> None:
    recs = model.recommend("usr_new", 4, session_items=["prd_001"], context=["prd_000"])
    expected = model.content.recommend_from_items(["prd_001"], 4)
    assert recs == expected
    assert "prd_001" not in {i for i, _ in recs}


def test_cold_item_gets_content_neighbours(model: HybridRecommender) -> None:
    assert model.collaborative.similar_items("prd_900", 5) == []
    similar = [i for i, _ in model.similar_items("prd_900", 5)]
    assert similar == [i for i, _ in model.content.similar_items("prd_900", 5)]
    assert model.similar_items("prd_unknown", 5) == []


def test_save_load_round_trip_is_identical(
    model: HybridRecommender, interactions: Interactions, tmp_path: Path
) -> None:
    model.save(tmp_path / "h")
    loaded = HybridRecommender.load(tmp_path / "h")
    assert (loaded.alpha, loaded.collaborative.name) == (model.alpha, "item_knn")
    for user in interactions.user_ids[:20]:
        assert loaded.recommend(str(user), 10) == model.recommend(str(user), 10)
    for item in ["prd_000", "prd_900"]:
        assert loaded.similar_items(item, 5) == model.similar_items(item, 5)


def test_alpha_outside_zero_one_is_refused(embeddings: Embeddings) -> None:
    with pytest.raises(ValueError, match="alpha"):
        HybridRecommender(factory.make("popularity"), ContentRecommender(embeddings), alpha=1.5)
