"""Hybrid product search: exact titles first, filters, English and Chinese, save and load."""

from __future__ import annotations

from pathlib import Path

import pytest

from recsys.content.bm25 import KeywordIndex, cjk_share, tokenize
from recsys.content.embed import ItemText
from recsys.search import SearchIndex
from tests.ml.recsys.content_helpers import encoder

ITEMS = [
    ItemText("p01", "Trail running shoes", ["Sports", "Running"], {"brand": "Stride"}),
    ItemText("p02", "Trail running shoes waterproof", ["Sports", "Running"]),
    ItemText("p03", "Road running shoes", ["Sports", "Running"], {"color": "red"}),
    ItemText("p04", "Cast iron frying pan", ["Home", "Kitchen"]),
    ItemText("p05", "Chef kitchen knife", ["Home", "Kitchen"], {"material": "steel"}),
    ItemText("p06", "Wireless bluetooth headphones", ["Electronics", "Audio"]),
    ItemText("p07", "苹果手机壳 透明", ["手机配件", "手机壳"], {"颜色": "透明"}),
    ItemText("p08", "蓝牙耳机 无线 降噪", ["数码", "耳机"]),
    ItemText("p09", "不粘锅 炒锅", ["厨房", "锅具"]),
    ItemText("p10", "跑步鞋 男款", ["运动", "跑步"]),
]


@pytest.fixture(scope="module")
def index() -> SearchIndex:
    return SearchIndex.build(ITEMS, encoder=encoder())


def ids(hits: list[tuple[str, float]]) -> list[str]:
    return [i for i, _ in hits]


def test_tokenizer_splits_latin_words_and_chinese_characters_and_bigrams() -> None:
    assert tokenize("Trail-Running SHOES, size 42") == ["trail", "running", "shoes", "size", "42"]
    assert tokenize("手机壳") == ["手", "机", "壳", "手机", "机壳"]
    assert tokenize("iPhone手机壳") == ["iphone", "手", "机", "壳", "手机", "机壳"]
    assert cjk_share("蓝牙 headset") == pytest.approx(2 / 9)


def test_exact_title_match_ranks_first(index: SearchIndex) -> None:
    assert ids(index.search("Trail running shoes", 5))[0] == "p01"
    assert ids(index.search("trail running shoes waterproof", 5))[0] == "p02"
    assert ids(index.search("  ROAD running   shoes ", 5))[0] == "p03"


def test_scores_are_descending_and_k_is_honoured(index: SearchIndex) -> None:
    hits = index.search("running shoes", 3)
    assert len(hits) == 3
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert set(ids(hits)) == {"p01", "p02", "p03"}
    assert index.search("running shoes", 0) == []
    assert index.search("   ", 5) == []


def test_semantic_side_finds_items_without_shared_words(index: SearchIndex) -> None:
    assert ids(index.search("earbuds", 3))[0] == "p06"
    assert ids(index.search("skillet", 3))[0] == "p04"


def test_allowed_ids_are_respected(index: SearchIndex) -> None:
    allowed = {"p03", "p04", "p05"}
    hits = index.search("trail running shoes", 10, allowed=allowed)
    assert ids(hits)[0] == "p03"
    assert set(ids(hits)) <= allowed
    assert index.search("trail running shoes", 10, allowed=set()) == []
    assert index.search("trail running shoes", 10, allowed={"nope"}) == []


def test_chinese_queries_are_answered_by_the_keyword_side(index: SearchIndex) -> None:
    assert ids(index.search("手机壳", 3))[0] == "p07"
    assert ids(index.search("蓝牙耳机", 3))[0] == "p08"
    assert ids(index.search("炒锅", 3))[0] == "p09"
    assert ids(index.search("跑步鞋", 3, allowed={"p01", "p10"}))[0] == "p10"
    assert ids(index.search("苹果手机壳 透明", 3))[0] == "p07"


def test_keyword_only_index_without_an_encoder() -> None:
    plain = SearchIndex.build(ITEMS)
    assert plain.vectors is None
    assert ids(plain.search("frying pan", 3)) == ["p04"]
    # 机 alone also matches 手机壳; the shared bigram 耳机 puts the headphones first.
    assert ids(plain.search("耳机", 3)) == ["p08", "p07"]


def test_save_load_round_trip(index: SearchIndex, tmp_path: Path) -> None:
    index.save(tmp_path / "s")
    loaded = SearchIndex.load(tmp_path / "s", encoder=index.encoder)
    for query in ["Trail running shoes", "earbuds", "手机壳", "kitchen"]:
        assert loaded.search(query, 5) == index.search(query, 5)
    keyword_only = SearchIndex.load(tmp_path / "s")
    assert ids(keyword_only.search("手机壳", 1)) == ["p07"]


def test_bm25_prefers_rarer_terms_and_title_matches() -> None:
    kw = KeywordIndex.build([("red shoes", "sports"), ("blue shoes", "red"), ("red hat", "x")])
    scores = kw.scores("red shoes")
    assert scores[0] > scores[1] > 0
    assert kw.scores("unknown words").tolist() == [0.0, 0.0, 0.0]


def test_embeddings_must_follow_the_items() -> None:
    from recsys.content.embed import encode_items

    emb = encode_items(encoder(), ITEMS[:2])
    with pytest.raises(ValueError, match="order"):
        SearchIndex.build(ITEMS[1::-1], embeddings=emb)
