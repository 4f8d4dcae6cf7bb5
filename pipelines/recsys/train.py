"""``train``: fit every surface's model on all events, one Ray task each.

The user model gets the tuned parameters (explicit ``params`` of the run underneath them)
and precomputes each known user's top ``USER_TOP_N``; similar items, bought together,
trending and recent popularity are fitted beside it. With embeddings (``embed``: the
catalogue texts embedded by ``pipelines.embedding``'s tasks) similar items become the
hybrid of item-kNN and text neighbours. The search index is the search family's
(``pipelines/search``), not built here. Each result is written to
``train/<surface>/model_dir/``, our no-pickle folder, which ``register`` logs as it is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.catalog_texts import read_items
from pipelines.embedding import embed_texts
from pipelines.model_files import Fitted, write_files
from pipelines.pyfunc import MODEL_DIR
from pipelines.recsys import data
from pipelines.recsys.config import SURFACE_MODELS, USER_TOP_N, RecsysConfig
from pipelines.recsys.tasks import Recipe, build_hybrid, fit_model
from pipelines.stages import PipelineError, RunContext
from recsys.interactions import Interactions


def config(cfg: RecsysConfig) -> dict[str, Any]:
    return {
        "user_model": cfg.user_model,
        "params": {k: dict(v) for k, v in cfg.params.items()},
        "half_life_days": cfg.half_life_days,
        "embed": cfg.embed,
        "user_top_n": USER_TOP_N,
    }


def recipes(ctx: RunContext) -> dict[str, tuple[str, dict[str, Any]]]:
    """surface -> (model name, params) for the collaborative and popularity surfaces."""
    cfg: RecsysConfig = ctx.config
    tuned = ctx.outputs("tune").get("best_params", {})
    found = {"user": (cfg.user_model, {**cfg.model_params(cfg.user_model), **tuned})}
    for surface, name in SURFACE_MODELS.items():
        found[surface] = (name, cfg.model_params(name))
    return found


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    import ray

    cfg: RecsysConfig = ctx.config
    build_dir = ctx.stage_dir("build")
    log = data.read_events(build_dir)
    items = read_items(build_dir)
    ctx.ray.ensure()
    interactions = data.all_interactions(log, half_life_days=cfg.half_life_days)
    data_ref = ray.put(interactions)
    threads = cfg.task_threads
    chosen = recipes(ctx)
    embed = cfg.embed and bool(items)
    _check_distinct(chosen, embed=embed)
    refs: dict[str, Any] = {}
    for surface, (name, params) in chosen.items():
        top_n = USER_TOP_N if surface == "user" else 0
        refs[surface] = fit_model.remote(Recipe(name, params, threads, top_n), data_ref)
    if embed:
        embeddings = embed_texts(items, threads=threads)
        refs["similar"] = build_hybrid.remote(refs["similar"], data_ref, embeddings, threads)
    fitted: dict[str, Fitted] = dict(zip(refs, ray.get(list(refs.values())), strict=True))
    models = {surface: _write(out, surface, f) for surface, f in fitted.items()}
    params = {f"user.{k}": v for k, v in chosen["user"][1].items()}
    return {
        "models": models,
        "examples": _examples(interactions),
        "trained_until": str(log.timestamps.max()),
        "params": {"user_model": cfg.user_model, **params},
        "worker_peak_rss_mb": max(f.worker_peak_rss_mb for f in fitted.values()),
    }


def _check_distinct(chosen: dict[str, tuple[str, dict[str, Any]]], *, embed: bool) -> None:
    """Serving names a version's folder after its model (``<agora.model>@<version>``):
    two surfaces registering the same model name would claim the same folders."""
    names = {surface: name for surface, (name, _) in chosen.items()}
    if embed:
        names["similar"] = "hybrid"
    by_name: dict[str, list[str]] = {}
    for surface, name in names.items():
        by_name.setdefault(name, []).append(surface)
    shared = {name: s for name, s in by_name.items() if len(s) > 1}
    if shared:
        name, surfaces = next(iter(shared.items()))
        raise PipelineError(
            f"surfaces {' and '.join(surfaces)} would both register model {name!r}; "
            "choose another --user-model"
        )


def _write(out: Path, surface: str, fitted: Fitted) -> dict[str, Any]:
    folder = out / surface / MODEL_DIR
    write_files(folder, fitted.files)
    meta_path = folder / "model.json"
    meta = json.loads(meta_path.read_text())
    return {
        "folder": str(folder),
        "model": meta["model"],
        "params": meta.get("params", {}),
        "fit_seconds": round(fitted.seconds, 3),
    }


def _examples(interactions: Interactions) -> dict[str, str]:
    """A query each surface can answer, for the registered signature's input example."""
    user = str(interactions.user_ids[0]) if interactions.n_users else ""
    item = str(interactions.item_ids[0]) if interactions.n_items else ""
    return {
        "user": user, "similar": item, "bought_together": item, "trending": "", "popular": "",
    }  # fmt: skip
