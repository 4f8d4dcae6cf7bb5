"""What the search family and the recommenders share: the catalogue's product texts
(``pipelines.catalog_texts``), their embedding batches (``pipelines.embedding``), and the
registered name serving syncs the index under."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from pipelines.catalog_texts import item_rows, read_items, write_items
from pipelines.embedding import batches, joined
from recsys.content.embed import Embeddings, ItemText


def test_catalogue_texts_one_per_listed_product() -> None:
    table = pa.table({
        "product_id": ["p1", "p1", "p2", "p3", "p4"],
        "product_status": ["listed", "listed", "listed", "draft", "listed"],
        "title_en": ["Tea cup", "Tea cup", None, "Hidden", "Pot"],
        "title_zh": ["茶杯", "茶杯", "茶壶", None, None],
        "category_path_en": [["Home", "Kitchen"], [], [], [], []],
        "category_path_zh": [["家居"], [], ["家居"], [], []],
        "attributes": [[("colour", "red")], [], None, [], []],
    })  # fmt: skip

    rows = item_rows(table, sellable=None)
    only_sellable = item_rows(table, sellable={"p2"})

    assert [r["item_id"] for r in rows] == ["p1", "p2", "p4"]
    assert rows[0] == {"item_id": "p1", "title": "Tea cup", "category_path": ["Home", "Kitchen"],
                       "attributes": {"colour": "red", "title_zh": "茶杯"}}  # fmt: skip
    assert rows[1]["title"] == "茶壶"
    assert rows[1]["category_path"] == ["家居"]
    assert [r["item_id"] for r in only_sellable] == ["p2"]


def test_texts_written_read_back_as_item_texts_in_order(tmp_path: Path) -> None:
    rows = [
        {"item_id": "p2", "title": "茶壶", "category_path": ["家居"], "attributes": {}},
        {"item_id": "p1", "title": "Tea cup", "category_path": ["Home", "Kitchen"],
         "attributes": {"colour": "red", "title_zh": "茶杯"}},
    ]  # fmt: skip
    write_items(tmp_path / "items.jsonl", rows)

    items = read_items(tmp_path)

    assert items == [
        ItemText("p2", "茶壶", ("家居",), {}),
        ItemText("p1", "Tea cup", ("Home", "Kitchen"), {"colour": "red", "title_zh": "茶杯"}),
    ]
    assert read_items(tmp_path / "missing") == []


def _items(n: int) -> list[ItemText]:
    return [ItemText(f"p{i}", f"title {i}") for i in range(n)]


def test_texts_are_cut_into_consecutive_batches() -> None:
    cut = batches(_items(5), 2)
    assert [[it.item_id for it in b] for b in cut] == [["p0", "p1"], ["p2", "p3"], ["p4"]]
    assert batches([], 2) == []
    with pytest.raises(ValueError, match="batch size"):
        batches(_items(1), 0)


def _embedded(ids: list[str], start: float, version: str = "1") -> Embeddings:
    vectors = np.arange(start, start + 2 * len(ids), dtype=np.float32).reshape(len(ids), 2)
    return Embeddings(ids, vectors, [f"d-{i}" for i in ids], model_version=version)


def test_batches_embeddings_join_in_batch_order() -> None:
    one = joined([_embedded(["a", "b"], 0.0), _embedded(["c"], 10.0)])

    assert one.ids == ["a", "b", "c"]
    assert one.digests == ["d-a", "d-b", "d-c"]
    np.testing.assert_array_equal(one.vectors, [[0, 1], [2, 3], [10, 11]])
    assert joined([]).vectors.shape == (0, 384)
    with pytest.raises(ValueError, match="different models"):
        joined([_embedded(["a"], 0.0), _embedded(["b"], 0.0, version="2")])


def test_the_index_is_registered_under_the_name_serving_syncs_for_search() -> None:
    from pipelines.recsys.config import REGISTERED as SERVED
    from pipelines.search.config import MODEL, REGISTERED, SURFACE
    from serving.recs.mlflow_sync import REGISTERED_MODELS
    from serving.recs.registry import SURFACES

    assert SURFACE in SURFACES
    assert REGISTERED_MODELS[SURFACE] == SERVED[SURFACE] == REGISTERED == "agora-recs-search"
    assert MODEL == "search"  # serving loads a `search@<version>` folder as the index
