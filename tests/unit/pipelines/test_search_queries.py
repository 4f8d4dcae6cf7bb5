"""The search family's offline test: queries made from the catalogue (seeded, whole titles
left out) and their scores against hand-computed values."""

from __future__ import annotations

import random

import pytest

from pipelines.search import queries as q
from recsys.content.embed import ItemText

ITEMS = [
    ItemText("p3", "Classic duvet #3", ("Home", "Bedding"), {"title_zh": "床上用品 经典 羽绒被"}),
    ItemText("p1", "Soft pillow #1", ("Home", "Bedding")),
    ItemText("p2", "Wok", ("Home", "Kitchenware"), {"title_zh": "Wok"}),
    ItemText("p4", "蓝牙耳机降噪", ("数码", "耳机")),
]


def test_title_words_keep_about_half_in_title_order_never_all() -> None:
    rng = random.Random(0)
    for _ in range(20):
        words = q.title_words("Classic soft duvet cover #3", rng)
        assert words is not None
        kept = words.split()
        assert len(kept) == 3
        order = [w for w in ["Classic", "soft", "duvet", "cover", "#3"] if w in kept]
        assert kept == order
    assert q.title_words("Classic duvet", rng) in {"Classic", "duvet"}
    assert q.title_words("Wok", rng) is None


def test_truncated_titles_keep_sixty_percent_of_the_characters() -> None:
    assert q.truncated("Classic duvet #3") == "Classic du"  # 16 -> 10 characters
    assert q.truncated("蓝牙耳机降噪") == "蓝牙耳机"  # ceil(3.6)
    assert q.truncated("Wok") is None


def test_the_translated_title_is_the_other_language_one_when_it_differs() -> None:
    assert q.translated(ITEMS[0]) == "床上用品 经典 羽绒被"
    assert q.translated(ITEMS[1]) is None
    assert q.translated(ITEMS[2]) is None  # the same text: nothing to translate


def test_known_item_queries_are_seeded_and_never_a_whole_title() -> None:
    every = q.known_item_queries(ITEMS, sample=10, seed=7)
    again = q.known_item_queries(list(reversed(ITEMS)), sample=10, seed=7)

    assert every == again  # the catalogue's order does not matter
    assert {(x.target, x.kind) for x in every} == {
        ("p1", "words"), ("p1", "truncated"),
        ("p3", "words"), ("p3", "truncated"), ("p3", "translated"),
        ("p4", "truncated"),
    }  # fmt: skip
    titles = {it.title.lower() for it in ITEMS}
    assert all(x.text.lower() not in titles for x in every)
    samples = [{x.target for x in q.known_item_queries(ITEMS, sample=2, seed=s)} for s in range(8)]
    assert all(len(targets) <= 2 for targets in samples)  # two products (Wok makes no query)
    assert len({frozenset(t) for t in samples}) > 1  # the seed draws them


def test_category_queries_name_each_leaf() -> None:
    assert q.category_queries(ITEMS, limit=10) == [
        q.Query("Bedding", "category", "Bedding"),
        q.Query("Kitchenware", "category", "Kitchenware"),
        q.Query("耳机", "category", "耳机"),
    ]
    assert len(q.category_queries(ITEMS, limit=1)) == 1
    query = q.Query("duvet", "words", "p3")
    assert q.Query.from_dict(query.as_dict()) == query


def test_reciprocal_rank_and_category_precision_by_hand() -> None:
    assert q.reciprocal_rank(["a", "b", "c"], "c", 10) == pytest.approx(1 / 3)
    assert q.reciprocal_rank(["a", "b", "c"], "c", 2) == 0.0
    assert q.reciprocal_rank([], "c", 10) == 0.0
    assert q.category_precision(["a", "x", "b"], {"a", "b"}, 10) == 1.0  # 2 of min(10, 2)
    assert q.category_precision(["a", "x", "y"], {"a", "b", "c"}, 2) == 0.5
    assert q.category_precision(["a"], set(), 10) == 0.0


def test_scores_and_summary_by_hand() -> None:
    queries = [
        q.Query("duvet", "words", "p3"),
        q.Query("Classic du", "truncated", "p3"),
        q.Query("Soft", "words", "p1"),
        q.Query("Bedding", "category", "Bedding"),
    ]
    hits = [["p3", "p1"], ["p1", "p2", "p3"], ["p2"], ["p3", "p2"]]

    scores = q.score(queries, hits, ITEMS, 10)
    report = q.summary(scores, 10, n_boot=200, seed=0)

    assert scores.reciprocal_ranks == pytest.approx([1.0, 1 / 3, 0.0])
    assert scores.precisions == [0.5]  # p3 of {p1, p3}
    known = report["known_item"]
    assert known["queries"] == 3
    assert known["mrr@10"]["value"] == pytest.approx(4 / 9)
    assert known["recall@10"]["value"] == pytest.approx(2 / 3)
    assert known["mrr@10"]["low"] <= 4 / 9 <= known["mrr@10"]["high"]
    assert report["by_kind"]["words"]["mrr@10"]["value"] == pytest.approx(0.5)
    assert report["by_kind"]["truncated"]["recall@10"]["value"] == 1.0
    assert "translated" not in report["by_kind"]
    assert report["category"] == {
        "queries": 1, "precision@10": {"value": 0.5, "low": 0.5, "high": 0.5},
    }  # fmt: skip


def test_relative_gain_is_paired_over_the_same_queries() -> None:
    better = q.Scores(["words", "words"], [1.0, 0.5], [])
    worse = q.Scores(["words", "words"], [0.5, 0.25], [])
    gain = q.relative_gain(better, worse, n_boot=200, seed=0)
    assert gain == {"value": pytest.approx(1.0), "low": pytest.approx(1.0),
                    "high": pytest.approx(1.0)}  # fmt: skip
