"""``train``: the product texts embedded in batches across Ray tasks
(``pipelines.embedding``, the offline all-MiniLM-L6-v2), then the index built in one more
task: BM25 over the texts, with the vectors when the recipe embeds (``--no-embed``: keyword
only). Written to ``train/model_dir/`` (``recsys.search.SearchIndex``'s folder, plus
``recipe.json``), the embeddings to ``train/embeddings/`` (the gate reuses them to rebuild
a champion embedding with the same model)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from pipelines.catalog_texts import read_items
from pipelines.embedding import embed_texts
from pipelines.fingerprint import MANIFEST
from pipelines.model_files import Fitted, write_files
from pipelines.pyfunc import MODEL_DIR
from pipelines.search.config import MODEL, SearchConfig
from pipelines.search.recipe import SearchRecipe, write_recipe
from pipelines.search.tasks import build_index
from pipelines.stages import RunContext

EMBEDDINGS_DIR = "embeddings"


def config(cfg: SearchConfig) -> dict[str, Any]:
    return {"recipe": cfg.recipe().as_dict(), "embed_batch": cfg.embed_batch}


def trained_recipe(ctx: RunContext) -> SearchRecipe:
    """The recipe this run's index was built with."""
    return SearchRecipe.from_dict(ctx.outputs("train")["model"]["recipe"])


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    import ray

    cfg: SearchConfig = ctx.config
    recipe = cfg.recipe()
    items = read_items(ctx.stage_dir("build"))
    ctx.ray.ensure()
    started = time.perf_counter()
    embeddings = None
    if recipe.embed:
        embeddings = embed_texts(items, threads=cfg.task_threads, batch_size=cfg.embed_batch)
    fitted: Fitted = ray.get(build_index.remote(items, embeddings, recipe, cfg.task_threads))
    folder = out / MODEL_DIR
    write_files(folder, fitted.files)
    write_recipe(folder, recipe)
    if embeddings is not None:
        ray.get(embeddings).save(out / EMBEDDINGS_DIR)
    seconds = round(time.perf_counter() - started, 3)
    ctx.log(f"train: {len(items)} products indexed in {seconds:.1f} s ({_kind(recipe)})")
    words = items[0].title.split() if items else []
    model = {"folder": str(folder), "model": MODEL, "recipe": recipe.as_dict(),
             "fit_seconds": round(fitted.seconds, 3)}  # fmt: skip
    return {
        "model": model,
        "embeddings": str(out / EMBEDDINGS_DIR) if embeddings is not None else None,
        "example": words[0] if words else "",
        "trained_until": _catalog_time(ctx),
        "params": {f"recipe.{k}": v for k, v in recipe.as_dict().items()},
        "metrics": {"train.seconds": seconds, "train.index_seconds": fitted.seconds},
        "worker_peak_rss_mb": fitted.worker_peak_rss_mb,
    }


def _kind(recipe: SearchRecipe) -> str:
    return f"keywords + {recipe.embedding_model}" if recipe.embed else "keywords only"


def _catalog_time(ctx: RunContext) -> str:
    """When the catalogue snapshot was taken (its export manifest's ``created_at``)."""
    catalog = Path(ctx.outputs("extract")["datasets"]["catalog"])
    manifest = json.loads((catalog / MANIFEST).read_text())
    return str(manifest.get("created_at", ""))
