"""The search index's recipe: defaults, validation, the run's configuration, and reading it
back from a saved folder (the search family's ``recipe.json``, or an index the recommender
family registered before, from its ``search.json``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipelines.search.config import SearchConfig
from pipelines.search.recipe import SearchRecipe, read_recipe, write_recipe
from recsys.content.embed import MODEL_NAME, Embeddings, ItemText
from recsys.search import SearchIndex

ITEMS = [ItemText("p1", "Tea cup", ("Home",)), ItemText("p2", "Wok", ("Kitchen",))]


def test_the_default_recipe_embeds_with_minilm_and_searchindex_settings() -> None:
    recipe = SearchRecipe.from_dict({})
    index = SearchIndex.build(ITEMS)

    assert recipe.embedding_model == MODEL_NAME
    assert recipe.embed
    assert recipe.index_params() == index.params
    assert not recipe.keyword_only().embed
    assert recipe.keyword_only().index_params() == recipe.index_params()
    assert SearchRecipe.from_dict(recipe.as_dict()) == recipe


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"max_terms": 3}, "unknown search recipe parameter"),
        ({"depth": 0}, "depth"),
        ({"depth": 2.5}, "depth"),
        ({"depth": True}, "depth"),
        ({"semantic_weight": -1}, "semantic_weight"),
        ({"cjk_semantic_weight": "high"}, "cjk_semantic_weight"),
        ({"semantic_weight": float("nan")}, "semantic_weight"),
        ({"embedding_model": 3}, "embedding_model"),
    ],
)
def test_an_invalid_recipe_is_refused(params: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SearchRecipe.from_dict(params)


def test_the_configuration_makes_the_recipe_and_hides_the_password() -> None:
    cfg = SearchConfig(database_url="postgresql://agora:s3cret@db:5432/agora",
                       params={"semantic_weight": 0.5})  # fmt: skip

    assert cfg.recipe().semantic_weight == 0.5
    assert cfg.recipe().embedding_model == MODEL_NAME
    keyword = SearchConfig(database_url="sqlite:///x.db", embed=False, params={"depth": 10})
    assert keyword.recipe() == SearchRecipe(None, 10, 1.0, 0.3)
    assert "database_url" not in cfg.as_dict()
    assert cfg.as_dict()["params"] == {"semantic_weight": 0.5}
    assert cfg.source()["database"] == "postgresql://agora@db:5432/agora"


def test_the_recipe_written_beside_the_index_is_read_back(tmp_path: Path) -> None:
    recipe = SearchRecipe.from_dict({"depth": 50, "semantic_weight": 0.5})
    SearchIndex.build(ITEMS).save(tmp_path)
    write_recipe(tmp_path, recipe)

    assert read_recipe(tmp_path) == recipe
    assert SearchIndex.load(tmp_path).ids == ["p1", "p2"]  # serving ignores the file


def test_an_index_without_recipe_json_gets_it_from_search_json(tmp_path: Path) -> None:
    vectors = np.eye(2, 384, dtype=np.float32)
    embedded = Embeddings(["p1", "p2"], vectors, ["d1", "d2"])
    SearchIndex.build(ITEMS, embeddings=embedded, depth=40).save(tmp_path / "hybrid")
    SearchIndex.build(ITEMS, semantic_weight=0.7).save(tmp_path / "keyword")

    assert read_recipe(tmp_path / "hybrid") == SearchRecipe(MODEL_NAME, 40, 1.0, 0.3)
    assert read_recipe(tmp_path / "keyword") == SearchRecipe(None, 100, 0.7, 0.3)
    with pytest.raises(ValueError, match="no search index"):
        read_recipe(tmp_path / "empty")
