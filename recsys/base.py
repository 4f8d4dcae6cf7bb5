"""The one interface every recommender implements, and its on-disk format.

A saved model is a directory holding `model.json` (model name, format, version, params,
counts) and `arrays.npz` (user and item ids as unicode arrays, the seen-items matrix, the
model's own arrays). Both are read without pickle (`allow_pickle=False`), so a model file
can never run code when it is loaded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, Protocol, Self, runtime_checkable

import numpy as np

from recsys.interactions import Interactions

Recommendation = tuple[str, float]
META_FILE = "model.json"
ARRAYS_FILE = "arrays.npz"
FORMAT_VERSION = 1


class NotFittedError(RuntimeError):
    """A model was asked to recommend or save before `fit` (or `load`)."""


class ModelFormatError(ValueError):
    """A model directory is missing, of another model, or of an unknown format version."""


@runtime_checkable
class Recommender(Protocol):
    """Fit on interactions, then rank items for a user or next to an item.

    `recommend` returns at most k (item_id, score) pairs, best first; an unknown user gets
    [] so that the caller falls back (to popularity, content). `exclude_seen` drops every
    item the user interacted with in training; `exclude` drops more (e.g. already bought,
    out of stock). `similar_items` never returns the item itself; [] for an unknown item or a
    model without an item-to-item notion.
    """

    name: str

    def fit(self, data: Interactions) -> Self: ...

    def recommend(
        self,
        user_id: str,
        k: int,
        *,
        exclude: Collection[str] = (),
        exclude_seen: bool = True,
    ) -> list[Recommendation]: ...

    def recommend_many(
        self, user_ids: Sequence[str], k: int, *, exclude_seen: bool = True
    ) -> list[list[Recommendation]]: ...

    def similar_items(self, item_id: str, k: int) -> list[Recommendation]: ...

    def save(self, directory: str | Path) -> None: ...

    @classmethod
    def load(cls, directory: str | Path) -> Self: ...


@runtime_checkable
class Ranking(Protocol):
    """A non-personalised list (popularity, trending): what a caller falls back to."""

    def top(self, k: int, *, exclude: Collection[str] = ()) -> list[Recommendation]: ...


@runtime_checkable
class BasketCompleter(Protocol):
    """Items bought together with an item (or with every item of a cart)."""

    def bought_together(
        self, item_id: str, k: int, *, exclude: Collection[str] = ()
    ) -> list[Recommendation]: ...


def write_model(
    directory: str | Path,
    *,
    name: str,
    params: dict[str, Any],
    arrays: dict[str, np.ndarray],
    info: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write `arrays.npz` then `model.json`; the version is a hash of the arrays."""
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for key, value in arrays.items():
        if value.dtype.kind == "O":
            raise ModelFormatError(f"array {key!r} has object dtype and would need pickle")
    np.savez_compressed(path / ARRAYS_FILE, **arrays)  # type: ignore[arg-type]
    meta = {
        "model": name,
        "format_version": FORMAT_VERSION,
        "version": _digest(arrays),
        "params": params,
        **(info or {}),
    }
    (path / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return meta


def read_metadata(directory: str | Path) -> dict[str, Any]:
    """The `model.json` of a saved model; ModelFormatError when absent or unknown."""
    meta_path = Path(directory) / META_FILE
    if not meta_path.is_file():
        raise ModelFormatError(f"no {META_FILE} in {directory}")
    meta: dict[str, Any] = json.loads(meta_path.read_text())
    if meta.get("format_version") != FORMAT_VERSION:
        raise ModelFormatError(f"unknown model format {meta.get('format_version')!r}")
    return meta


def read_arrays(directory: str | Path) -> dict[str, np.ndarray]:
    """Every array of a saved model, loaded without pickle."""
    with np.load(Path(directory) / ARRAYS_FILE, allow_pickle=False) as npz:
        return {key: npz[key] for key in npz.files}


def _digest(arrays: dict[str, np.ndarray]) -> str:
    sha = hashlib.sha256()
    for key in sorted(arrays):
        sha.update(key.encode())
        sha.update(np.ascontiguousarray(arrays[key]).tobytes())
    return sha.hexdigest()[:16]
