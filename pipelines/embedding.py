"""Product texts embedded in batches across Ray tasks (the search family's index and the
recommenders' hybrid).

Each task loads the offline sentence-transformers model (``recsys.content.embed.TextEncoder``,
all-MiniLM-L6-v2 from its package: ``HF_HUB_OFFLINE=1``, nothing downloaded) and embeds one
batch of ``ItemText``; one more task joins the batches in item order. ``embed_texts`` returns
the join's object reference, so the caller can hand it to other tasks without waiting. The
model is deterministic on CPU: a batch gives the same vectors whatever task runs it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import ray

from recsys.threads import limited_threads

if TYPE_CHECKING:
    from recsys.content.embed import Embeddings, ItemText

# Texts per task: about 10 s of one core for all-MiniLM-L6-v2; a smaller catalogue is one
# task (loading the model costs a task ~2 s, more than embedding a few hundred texts).
DEFAULT_BATCH = 2048


def batches(items: Sequence[ItemText], size: int) -> list[list[ItemText]]:
    """``items`` cut into consecutive batches of at most ``size``."""
    if size < 1:
        raise ValueError("batch size must be >= 1")
    return [list(items[start : start + size]) for start in range(0, len(items), size)]


def joined(parts: Sequence[Embeddings]) -> Embeddings:
    """Batches' embeddings as one, in the batches' order (all from one model)."""
    from recsys.content.embed import DIM, Embeddings

    if not parts:
        return Embeddings([], np.zeros((0, DIM), dtype=np.float32), [])
    first = parts[0]
    if any((p.model_name, p.model_version) != (first.model_name, first.model_version)
           for p in parts):  # fmt: skip
        raise ValueError("batches embedded by different models")
    return Embeddings(
        ids=[i for p in parts for i in p.ids],
        vectors=np.concatenate([p.vectors for p in parts]),
        digests=[d for p in parts for d in p.digests],
        model_name=first.model_name,
        model_version=first.model_version,
    )


# Tasks take positional arguments only: that is what Ray's typed ``.remote`` accepts.
@ray.remote(num_cpus=1)
def embed_batch(items: Sequence[ItemText], threads: int) -> Embeddings:
    """One batch's sentence embeddings."""
    from recsys.content.embed import TextEncoder, encode_items

    with limited_threads(threads):
        return encode_items(TextEncoder(threads=threads), items)


@ray.remote(num_cpus=1)
def join_batches(*parts: Embeddings) -> Embeddings:
    return joined(parts)


def embed_texts(items: Sequence[ItemText], *, threads: int, batch_size: int = DEFAULT_BATCH) -> Any:
    """The object reference of ``items``' embeddings (in order), computed by one task per
    batch of ``batch_size`` texts."""
    refs = [embed_batch.remote(batch, threads) for batch in batches(items, batch_size)]
    if len(refs) == 1:
        return refs[0]
    return join_batches.remote(*refs)
