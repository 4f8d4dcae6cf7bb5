"""The offline test of a search index: queries made from the catalogue itself, and scores.

**Known-item queries.** For a seeded sample of products, queries a shopper looking for that
very product might type, made from its own texts:

- ``words``: about half of its title's words, a seeded choice kept in title order
  ("Classic duvet #3" -> "duvet #3"); titles of one word have none;
- ``truncated``: the first 60 % of the title's characters, as typed so far ("Classic du");
- ``translated``: its title in the other language (the Chinese title of an English-titled
  product), when it has one.

A query equal to the product's whole title is dropped: the index puts exact titles first
by rule, which would test nothing. Each is scored by the rank of the product itself in the
top ``k``: reciprocal rank (MRR@k over queries) and hit (recall@k: one relevant item).

**Category queries.** Each leaf category's name ("Bedding"): precision@k, the share of the
top ``k`` in that category, out of ``min(k, products in it)``.

Means come with percentile-bootstrap intervals over queries (seeded). Everything here is
pure: the same catalogue, sample size and seed give the same queries.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from pipelines.catalog_texts import OTHER_TITLE
from recsys.content.bm25 import normalise
from recsys.content.embed import ItemText
from recsys.evaluation.bootstrap import Interval, bootstrap_mean, paired_relative_difference

KNOWN_ITEM_KINDS = ("words", "truncated", "translated")
CATEGORY = "category"
TRUNCATE_SHARE = 0.6


@dataclass(frozen=True)
class Query:
    """A query and what it looks for: a product id (known item) or a category name."""

    text: str
    kind: str
    target: str

    @property
    def is_known_item(self) -> bool:
        return self.kind != CATEGORY

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Query:
        return cls(str(data["text"]), str(data["kind"]), str(data["target"]))


def title_words(title: str, rng: random.Random) -> str | None:
    """About half of the title's words (at least one, never all), in title order."""
    words = title.split()
    if len(words) < 2:
        return None
    keep = min((len(words) + 1) // 2, len(words) - 1)
    chosen = sorted(rng.sample(range(len(words)), keep))
    return " ".join(words[i] for i in chosen)


def truncated(title: str) -> str | None:
    """The first ``TRUNCATE_SHARE`` of the title's characters (None for short titles)."""
    text = title.strip()
    if len(text) < 4:
        return None
    return text[: math.ceil(len(text) * TRUNCATE_SHARE)].rstrip() or None


def translated(item: ItemText) -> str | None:
    """The title in the other language, when the catalogue has one."""
    other = item.attributes.get(OTHER_TITLE)
    return other if other and normalise(other) != normalise(item.title) else None


def known_item_queries(items: Sequence[ItemText], *, sample: int, seed: int) -> list[Query]:
    """The known-item queries of ``sample`` products drawn with ``seed`` (by id order)."""
    ordered = sorted(items, key=lambda it: it.item_id)
    rng = random.Random(seed)
    chosen = sorted(rng.sample(ordered, min(sample, len(ordered))), key=lambda it: it.item_id)
    queries = []
    for item in chosen:
        texts = {
            "words": title_words(item.title, rng),
            "truncated": truncated(item.title),
            "translated": translated(item),
        }
        for kind in KNOWN_ITEM_KINDS:
            text = texts[kind]
            if text and normalise(text) != normalise(item.title):
                queries.append(Query(text, kind, item.item_id))
    return queries


def leaf_members(items: Sequence[ItemText]) -> dict[str, set[str]]:
    """Leaf category name -> the ids of its products."""
    members: dict[str, set[str]] = {}
    for item in items:
        if item.category_path:
            members.setdefault(item.category_path[-1], set()).add(item.item_id)
    return members


def category_queries(items: Sequence[ItemText], *, limit: int) -> list[Query]:
    """One query per leaf category (its name), the first ``limit`` by name."""
    return [Query(name, CATEGORY, name) for name in sorted(leaf_members(items))[:limit]]


def make_queries(items: Sequence[ItemText], *, sample: int, seed: int) -> list[Query]:
    return [
        *known_item_queries(items, sample=sample, seed=seed),
        *category_queries(items, limit=sample),
    ]


def reciprocal_rank(hits: Sequence[str], target: str, k: int) -> float:
    """1 / rank of ``target`` in the top ``k`` of ``hits``; 0 when it is not there."""
    for rank, item in enumerate(hits[:k], start=1):
        if item == target:
            return 1.0 / rank
    return 0.0


def category_precision(hits: Sequence[str], members: set[str], k: int) -> float:
    """Share of the top ``k`` in the category, out of ``min(k, its size)``."""
    if not members:
        return 0.0
    found = sum(1 for item in hits[:k] if item in members)
    return found / min(k, len(members))


@dataclass(frozen=True)
class Scores:
    """Per-query values of one index on the queries: known-item queries' reciprocal ranks
    (with their kinds), category queries' precisions."""

    kinds: list[str]
    reciprocal_ranks: list[float]
    precisions: list[float]

    def mrr(self, kind: str | None = None) -> np.ndarray:
        return np.asarray(
            [rr for k, rr in zip(self.kinds, self.reciprocal_ranks, strict=True)
             if kind is None or k == kind]
        )  # fmt: skip


def score(
    queries: Sequence[Query], hits: Sequence[Sequence[str]], items: Sequence[ItemText], k: int
) -> Scores:
    """Each query's value given the index's answers ``hits`` (one id list per query)."""
    members = leaf_members(items)
    kinds, ranks, precisions = [], [], []
    for query, found in zip(queries, hits, strict=True):
        if query.is_known_item:
            kinds.append(query.kind)
            ranks.append(reciprocal_rank(found, query.target, k))
        else:
            precisions.append(category_precision(found, members.get(query.target, set()), k))
    return Scores(kinds, ranks, precisions)


def _interval(interval: Interval) -> dict[str, float | None]:
    return {k: (v if math.isfinite(v) else None) for k, v in interval.as_dict().items()}


def summary(scores: Scores, k: int, *, n_boot: int, seed: int) -> dict[str, Any]:
    """MRR@k and recall@k of the known-item queries (overall and per kind), precision@k of
    the category queries; each with its bootstrap interval."""

    def block(ranks: np.ndarray) -> dict[str, Any]:
        return {
            "queries": len(ranks),
            f"mrr@{k}": _interval(bootstrap_mean(ranks, n_boot=n_boot, seed=seed)),
            f"recall@{k}": _interval(bootstrap_mean(ranks > 0, n_boot=n_boot, seed=seed)),
        }

    precisions = np.asarray(scores.precisions)
    return {
        "known_item": block(scores.mrr()),
        "by_kind": {
            kind: block(scores.mrr(kind)) for kind in KNOWN_ITEM_KINDS if kind in scores.kinds
        },
        "category": {
            "queries": len(precisions),
            f"precision@{k}": _interval(bootstrap_mean(precisions, n_boot=n_boot, seed=seed)),
        },
    }


def relative_gain(
    scores: Scores, baseline: Scores, *, n_boot: int, seed: int
) -> dict[str, float | None]:
    """mean MRR / baseline's - 1 over the same known-item queries, paired bootstrap."""
    interval = paired_relative_difference(scores.mrr(), baseline.mrr(), n_boot=n_boot, seed=seed)
    return _interval(interval)
