"""Hybrid product search: BM25 keywords + embedding similarity, fused by reciprocal rank.

Public API::

    index = SearchIndex.build(item_texts, encoder=TextEncoder())   # or embeddings=cached
    index.search("red cotton shirt", k=20, allowed=None) -> [(item_id, score), ...]
    index.save(directory); SearchIndex.load(directory, encoder=TextEncoder())

How a query is ranked:

1. Keyword side: BM25 over title (counted twice) + category path + attributes
   (``recsys.content.bm25``: Latin words; Chinese characters and bigrams).
2. Semantic side: cosine of the query's all-MiniLM-L6-v2 embedding with every item's
   (``recsys.content.index``; exact up to 200k items, HNSW beyond).
3. Reciprocal rank fusion (RRF): ``score = sum_side weight / (60 + rank)`` over the top
   ``depth`` of each side. RRF needs no calibration between BM25 and cosine scales, which
   differ per query. Returned scores are these RRF values, comparable within one query only.
4. An item whose whole title equals the query (after normalisation) is put first.

The embedding model is English-centric: for a mostly Chinese query its vectors are weak, so
the semantic side's weight drops to ``cjk_semantic_weight`` and the keyword side carries the
ranking. Without an encoder (``encoder=None``) search is keyword-only.

Filters (category ids, price range, merchant ids...) are the caller's business: it passes
the ids they allow as ``allowed``, applied inside both retrievers, not after them.
Saved as bm25.npz/bm25.json, index.faiss/index.json and search.json; no pickle.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from recsys.content.bm25 import KeywordIndex, cjk_share, normalise
from recsys.content.embed import Embeddings, ItemText, TextEncoder, encode_items
from recsys.content.index import EXACT_THRESHOLD, VectorIndex

RRF_K = 60
Hit = tuple[str, float]


class SearchIndex:
    """Keyword + semantic retrieval over one catalogue."""

    def __init__(
        self,
        ids: Sequence[str],
        titles: Sequence[str],
        keyword: KeywordIndex,
        vectors: VectorIndex | None,
        encoder: TextEncoder | None = None,
        *,
        depth: int = 100,
        semantic_weight: float = 1.0,
        cjk_semantic_weight: float = 0.3,
    ) -> None:
        self.ids = list(ids)
        self.keyword = keyword
        self.vectors = vectors
        self.encoder = encoder
        self.params: dict[str, Any] = {
            "depth": depth,
            "semantic_weight": semantic_weight,
            "cjk_semantic_weight": cjk_semantic_weight,
        }
        self._titles = list(titles)
        self._rows = {item_id: row for row, item_id in enumerate(self.ids)}
        self._by_title: dict[str, list[int]] = defaultdict(list)
        for row, title in enumerate(self._titles):
            self._by_title[normalise(title)].append(row)

    @classmethod
    def build(
        cls,
        items: Sequence[ItemText],
        *,
        encoder: TextEncoder | None = None,
        embeddings: Embeddings | None = None,
        exact_threshold: int = EXACT_THRESHOLD,
        **params: Any,
    ) -> SearchIndex:
        """Index ``items``; embeds them with ``encoder`` unless ``embeddings`` (same ids,
        same order) are given. With neither, the index is keyword-only."""
        docs = [(it.title, _rest(it)) for it in items]
        keyword = KeywordIndex.build(docs)
        ids = [it.item_id for it in items]
        if embeddings is None and encoder is not None:
            embeddings = encode_items(encoder, items)
        vectors = None
        if embeddings is not None:
            if embeddings.ids != ids:
                raise ValueError("embeddings do not follow the items' ids and order")
            vectors = VectorIndex.build(ids, embeddings.vectors, exact_threshold=exact_threshold)
        return cls(ids, [it.title for it in items], keyword, vectors, encoder, **params)

    def search(self, query: str, k: int = 20, allowed: Collection[str] | None = None) -> list[Hit]:
        """Best ``k`` items for ``query`` as (item_id, RRF score), best first."""
        if k <= 0 or not query.strip():
            return []
        rows = None
        if allowed is not None:
            rows = {r for r in (self._rows.get(i) for i in allowed) if r is not None}
            if not rows:
                return []
        fused: dict[int, float] = defaultdict(float)
        for rank, row in enumerate(self._keyword_rows(query, rows)):
            fused[row] += 1.0 / (RRF_K + rank + 1)
        weight = self._semantic_weight(query)
        if weight > 0:
            for rank, row in enumerate(self._semantic_rows(query, rows)):
                fused[row] += weight / (RRF_K + rank + 1)
        for row in self._by_title.get(normalise(query), ()):
            if rows is None or row in rows:
                fused[row] += 1.0  # more than any fused rank can add
        ranked = sorted(fused.items(), key=lambda pair: (-pair[1], self.ids[pair[0]]))
        return [(self.ids[row], float(score)) for row, score in ranked[:k]]

    def _keyword_rows(self, query: str, rows: set[int] | None) -> list[int]:
        scores = self.keyword.scores(query)
        if rows is not None:
            mask = np.zeros(len(scores), dtype=bool)
            mask[list(rows)] = True
            scores = np.where(mask, scores, 0.0)
        hits = np.flatnonzero(scores > 0)
        depth = int(self.params["depth"])
        if len(hits) > depth:
            hits = hits[np.argpartition(-scores[hits], depth - 1)[:depth]]
        order = np.lexsort((hits, -scores[hits]))
        return [int(r) for r in hits[order]]

    def _semantic_rows(self, query: str, rows: set[int] | None) -> list[int]:
        if self.vectors is None or self.encoder is None:
            return []
        vector = self.encoder.encode([query])
        _, found = self.vectors.search(vector, int(self.params["depth"]), allowed_rows=rows)
        return [int(r) for r in found[0] if r >= 0]

    def _semantic_weight(self, query: str) -> float:
        mostly_cjk = cjk_share(query) >= 0.5
        key = "cjk_semantic_weight" if mostly_cjk else "semantic_weight"
        return float(self.params[key])

    def save(self, directory: str | Path) -> None:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        self.keyword.save(path)
        if self.vectors is not None:
            self.vectors.save(path)
        meta = {"ids": self.ids, "titles": self._titles, "params": self.params}
        (path / "search.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, directory: str | Path, *, encoder: TextEncoder | None = None) -> SearchIndex:
        path = Path(directory)
        meta = json.loads((path / "search.json").read_text("utf-8"))
        vectors = VectorIndex.load(path) if (path / "index.faiss").exists() else None
        keyword = KeywordIndex.load(path)
        return cls(meta["ids"], meta["titles"], keyword, vectors, encoder, **meta["params"])


def _rest(item: ItemText) -> str:
    """What BM25 reads besides the title: category path and attribute values."""
    attrs = " ".join(f"{k} {v}" for k, v in sorted(item.attributes.items()))
    return " ".join([*item.category_path, attrs])
