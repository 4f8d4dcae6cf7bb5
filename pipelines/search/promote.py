"""``promote``: the promotion gate (pipelines.registry) for this run's index.

The champion's recipe (its folder's ``recipe.json``: embedding model and index settings) is
rebuilt on **this run's** catalogue and scored on the very queries ``evaluate`` scored the
challenger on; its saved index is not scored as it is (it indexes an older catalogue, so
new products would count against it). MRR@10, higher is better. When the two recipes are
equal (a rebuild after a catalogue change) the challenger may lose up to ``tolerance``; a
new recipe must win by ``margin``. A champion whose recipe cannot be read, or embeds with a
model this code cannot load, is not replaced by the gate (the reason says why).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines import runtime
from pipelines.catalog_texts import read_items
from pipelines.embedding import embed_texts
from pipelines.promotion import champion_folder, conclude
from pipelines.registry import CHAMPION, GateDecision, alias_version, gate
from pipelines.search import queries as q
from pipelines.search.config import METRIC, SURFACE, K, SearchConfig
from pipelines.search.evaluate import read_queries
from pipelines.search.recipe import EMBEDDING_MODELS, SearchRecipe, read_recipe
from pipelines.search.tasks import search_recipe
from pipelines.search.train import trained_recipe
from pipelines.stages import RunContext

if TYPE_CHECKING:
    from mlflow import MlflowClient


def config(cfg: SearchConfig) -> dict[str, Any]:
    return {"margin": cfg.margin, "tolerance": cfg.tolerance, "metric": METRIC}


def _embeddings(ctx: RunContext, recipe: SearchRecipe, items: list[Any]) -> Any:
    """This run's embeddings when it embedded with the recipe's model, else new ones."""
    from recsys.content.embed import Embeddings

    if not recipe.embed:
        return None
    saved = ctx.outputs("train").get("embeddings")
    if saved and trained_recipe(ctx).embedding_model == recipe.embedding_model:
        return Embeddings.load(saved)
    cfg: SearchConfig = ctx.config
    return embed_texts(items, threads=cfg.task_threads, batch_size=cfg.embed_batch)


def champion_score(ctx: RunContext, recipe: SearchRecipe) -> float:
    """``recipe`` rebuilt on this run's catalogue, MRR@10 on this run's queries."""
    import ray

    cfg: SearchConfig = ctx.config
    items = read_items(ctx.stage_dir("build"))
    queries = read_queries(ctx)
    ctx.ray.ensure()
    texts = [query.text for query in queries]
    ref = search_recipe.remote(
        items, _embeddings(ctx, recipe, items), recipe, texts, K, cfg.task_threads
    )
    hits, _ = ray.get(ref)
    return float(q.score(queries, hits, items, K).mrr().mean())


def _champion(
    ctx: RunContext, name: str, version: str
) -> tuple[float | None, SearchRecipe | None, str]:
    """The champion's recipe and its score on this run's catalogue; None (and why) when it
    cannot be rebuilt."""
    with champion_folder(name, version) as folder:
        try:
            recipe = read_recipe(folder)
        except (OSError, ValueError, TypeError) as exc:
            return None, None, f"champion v{version} has no readable recipe: {exc}"
    if recipe.embed and recipe.embedding_model not in EMBEDDING_MODELS:
        why = f"champion v{version} embeds with {recipe.embedding_model!r}, not available here"
        return None, recipe, why
    score = champion_score(ctx, recipe)
    ctx.log(f"promote: champion v{version} {recipe.as_dict()} -> {METRIC} {score:.4f}")
    return score, recipe, ""


def decide(ctx: RunContext, client: MlflowClient, name: str, version: str) -> GateDecision:
    cfg: SearchConfig = ctx.config
    score = float(ctx.outputs("evaluate")["score"])
    common: dict[str, Any] = {"margin": cfg.margin, "tolerance": cfg.tolerance}
    champion = alias_version(client, name, CHAMPION)
    if champion is not None and str(champion.version) == version:  # a resumed promote
        return GateDecision(name, version, version, METRIC, score, score, cfg.margin, True,
                            "already champion", cfg.tolerance)  # fmt: skip
    if champion is None:
        return gate(name, challenger_version=version, champion_version=None, metric=METRIC,
                    challenger_score=score, champion_score=None, **common)  # fmt: skip
    champion_value, recipe, why = _champion(ctx, name, str(champion.version))
    if champion_value is None:
        return GateDecision(name, version, str(champion.version), METRIC, score, None,
                            cfg.margin, False, why, cfg.tolerance)  # fmt: skip
    return gate(name, challenger_version=version, champion_version=str(champion.version),
                metric=METRIC, challenger_score=score, champion_score=champion_value,
                same_recipe=recipe == trained_recipe(ctx), **common)  # fmt: skip


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    runtime.setup_mlflow(ctx.tracking)
    client = runtime.client(ctx.tracking)
    entry = ctx.outputs("register")["versions"][SURFACE]
    decision = decide(ctx, client, entry["name"], entry["version"])
    return conclude(ctx, client, out, [decision], leader=decision)
