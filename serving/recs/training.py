"""Fit the served models from an export and publish them as new versions.

``publish`` fits one model per surface (a model named twice is fitted once; the user
model also scores every known user's top ``USER_TOP_N`` at once), saves each
to ``<out>/.tmp-*`` and renames it to ``<out>/<name>@<n>`` (n: one more than the highest
version of that name there), then replaces ``aliases.json`` atomically. With product texts
embedded, similar items are served by a hybrid of the "similar" model and the text
embeddings (cold products get text neighbours). A serving process
polling the file then loads the new versions; surfaces not retrained keep their alias.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from serving.recs.registry import ALIASES_FILE

# surface -> (model name, params). The user model follows docs/ml/recsys-evaluation.md.
DEFAULT_MODELS: dict[str, tuple[str, dict[str, Any]]] = {
    "user": ("als", {}),
    "similar": ("item_knn", {}),
    "bought_together": ("bought_together", {}),
    "trending": ("trending", {}),
    "popular": ("recent_popularity", {}),
}
# Known users' lists are scored once at training time, this many items each: a request
# over-fetches 5 x k (100 for k = 20) plus the user's purchases, so 200 leaves room for
# 100 bought items before a request has to score live.
USER_TOP_N = 200


@dataclass
class Published:
    aliases: dict[str, str]
    fit_seconds: dict[str, float] = field(default_factory=dict)


def next_folder(out: Path, name: str) -> str:
    pattern = re.compile(rf"^{re.escape(name)}@(\d+)$")
    versions = [int(m.group(1)) for p in out.iterdir() if (m := pattern.match(p.name))]
    return f"{name}@{max(versions, default=0) + 1}"


def _save(out: Path, name: str, save: Any) -> str:
    """Save into a hidden folder, then rename it to the next version (atomic)."""
    staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=out))
    save(staging)
    folder = next_folder(out, name)
    staging.rename(out / folder)
    return folder


def write_aliases(out: Path, aliases: Mapping[str, str]) -> None:
    """Merge into aliases.json, replacing it atomically (readers see old or new)."""
    path = out / ALIASES_FILE
    current = json.loads(path.read_text()) if path.exists() else {}
    current.update(aliases)
    fd, tmp = tempfile.mkstemp(prefix=".aliases-", dir=out)
    with os.fdopen(fd, "w") as f:
        json.dump(current, f, indent=2, sort_keys=True)
    os.replace(tmp, path)


def publish(
    data: Any,
    out: Path,
    *,
    models: Mapping[str, tuple[str, dict[str, Any]]] = DEFAULT_MODELS,
    search_items: Sequence[Any] | None = None,
    embed: bool = True,
) -> Published:
    """Fit ``models`` on ``data`` (recsys Interactions) and, with ``search_items``
    (recsys ItemText), build the search index; write them and the aliases."""
    from recsys import factory

    out.mkdir(parents=True, exist_ok=True)
    result = Published(aliases={})
    fitted: dict[tuple[str, str], tuple[str, Any]] = {}  # -> (folder, model)
    keys = {s: (name, json.dumps(params, sort_keys=True)) for s, (name, params) in models.items()}
    for surface, (name, params) in models.items():
        key = keys[surface]
        if key not in fitted:
            started = time.perf_counter()
            model = factory.make(name, **params).fit(data)
            if keys.get("user") == key and hasattr(model, "precompute"):
                model.precompute(USER_TOP_N)
            result.fit_seconds[name] = round(time.perf_counter() - started, 3)
            fitted[key] = (_save(out, name, model.save), model)
        result.aliases[surface] = fitted[key][0]
    if search_items:
        embeddings = _embed(search_items, result) if embed else None
        result.aliases["search"] = _build_search(out, search_items, embeddings, result)
        if embeddings is not None and "similar" in keys:
            collaborative = fitted[keys["similar"]][1]
            result.aliases["similar"] = _build_hybrid(out, data, collaborative, embeddings, result)
    write_aliases(out, result.aliases)
    return result


def _embed(items: Sequence[Any], result: Published) -> Any:
    from recsys.content.embed import TextEncoder, encode_items

    started = time.perf_counter()
    embeddings = encode_items(TextEncoder(), items)
    result.fit_seconds["embed"] = round(time.perf_counter() - started, 3)
    return embeddings


def _build_search(out: Path, items: Sequence[Any], embeddings: Any, result: Published) -> str:
    from recsys.search import SearchIndex

    started = time.perf_counter()
    index = SearchIndex.build(items, embeddings=embeddings)
    result.fit_seconds["search"] = round(time.perf_counter() - started, 3)
    return _save(out, "search", index.save)


def _build_hybrid(
    out: Path, data: Any, collaborative: Any, embeddings: Any, result: Published
) -> str:
    """Similar items blend the collaborative neighbours with text neighbours, so a product
    nobody has interacted with yet (embedded, as every listed one is) still has some."""
    from recsys.content.model import ContentRecommender
    from recsys.hybrid import HybridRecommender

    started = time.perf_counter()
    hybrid = HybridRecommender(collaborative, ContentRecommender(embeddings).fit(data))
    result.fit_seconds["hybrid"] = round(time.perf_counter() - started, 3)
    return _save(out, "hybrid", hybrid.save)
