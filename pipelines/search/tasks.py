"""The Ray tasks of the search pipeline.

Data goes in by value (through the object store) and comes back by value: the index as the
files of its saved folder, a scoring as the ids each query found. An index with vectors
needs the text encoder for its queries; the scoring tasks encode all the queries in one
batch first (``QueryVectors``) instead of one model call per query.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import ray

from pipelines.model_files import Files, Fitted, saved, write_files
from pipelines.search.recipe import SearchRecipe
from pipelines.stages import peak_rss_mb
from recsys.content.embed import Embeddings, ItemText, TextEncoder
from recsys.search import SearchIndex
from recsys.threads import limited_threads

Answers = tuple[list[list[str]], float]  # the ids found per query, the worker's peak RSS


class QueryVectors(TextEncoder):
    """``encoder`` with the vectors of known query texts computed in one batch; the index
    asks for one query at a time. (It wraps a loaded encoder: it loads no model itself.)"""

    def __init__(self, encoder: TextEncoder, texts: Sequence[str]) -> None:
        self.batch_size = encoder.batch_size
        self.model_name = encoder.model_name
        self.model_version = encoder.model_version
        self._encoder = encoder
        unique = sorted(set(texts))
        self._known = dict(zip(unique, encoder.encode(unique), strict=True))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if texts and all(t in self._known for t in texts):
            return np.stack([self._known[t] for t in texts])
        return self._encoder.encode(texts)


def _answers(index: SearchIndex, texts: Sequence[str], k: int, threads: int) -> Answers:
    if index.vectors is not None:
        index.encoder = QueryVectors(TextEncoder(threads=threads), texts)
    found = [[item for item, _ in index.search(text, k)] for text in texts]
    return found, peak_rss_mb()


# Tasks take positional arguments only: that is what Ray's typed ``.remote`` accepts.
@ray.remote(num_cpus=1)
def build_index(
    items: Sequence[ItemText], embeddings: Embeddings | None, recipe: SearchRecipe, threads: int
) -> Fitted:
    """The index of ``items`` (keyword only when the recipe embeds nothing)."""
    started = time.perf_counter()
    with limited_threads(threads):
        index = SearchIndex.build(
            items, embeddings=embeddings if recipe.embed else None, **recipe.index_params()
        )
    return saved(index, time.perf_counter() - started)


@ray.remote(num_cpus=1)
def search_folder(files: Files, texts: Sequence[str], k: int, threads: int) -> Answers:
    """The top ``k`` ids of each query from a saved index (its folder's files)."""
    with tempfile.TemporaryDirectory(prefix="agora-search-") as tmp:
        write_files(Path(tmp), files)
        index = SearchIndex.load(tmp)
    with limited_threads(threads):
        return _answers(index, texts, k, threads)


@ray.remote(num_cpus=1)
def search_recipe(
    items: Sequence[ItemText], embeddings: Embeddings | None, recipe: SearchRecipe,
    texts: Sequence[str], k: int, threads: int,
) -> Answers:  # fmt: skip
    """The top ``k`` ids of each query from ``recipe``'s index of ``items``."""
    if recipe.embed and embeddings is None:
        raise ValueError("an embedding recipe needs the items' embeddings")
    with limited_threads(threads):
        index = SearchIndex.build(
            items, embeddings=embeddings if recipe.embed else None, **recipe.index_params()
        )
        return _answers(index, texts, k, threads)
