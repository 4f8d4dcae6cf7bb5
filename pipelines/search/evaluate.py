"""``evaluate``: the trained index answers the catalogue's own queries
(``pipelines.search.queries``: known-item queries of a seeded sample of products, one query
per leaf category), scored by MRR@10 and recall@10 of the product itself and by category
precision@10, with bootstrap intervals over queries. MRR@10 is what the gate compares.

When the index embeds, the same recipe without vectors (keyword only) is scored on the same
queries too, and the hybrid's gain over it on MRR (paired bootstrap): what the embeddings
bring. Each index is queried in its own Ray task.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipelines.catalog_texts import read_items
from pipelines.model_files import folder_files
from pipelines.search import queries as q
from pipelines.search.config import METRIC, K, SearchConfig
from pipelines.search.tasks import search_folder, search_recipe
from pipelines.search.train import trained_recipe
from pipelines.stages import PipelineError, RunContext, write_json

EVALUATION_FILE = "evaluation.json"
QUERIES_FILE = "queries.jsonl"


def config(cfg: SearchConfig) -> dict[str, Any]:
    return {"sample": cfg.sample, "seed": cfg.seed, "n_boot": cfg.n_boot, "k": K}


def read_queries(ctx: RunContext) -> list[q.Query]:
    """The queries ``evaluate`` scored (the gate scores the champion on the same ones)."""
    path = ctx.stage_dir("evaluate") / QUERIES_FILE
    with path.open(encoding="utf-8") as f:
        return [q.Query.from_dict(json.loads(line)) for line in f]


def _write_queries(path: Path, queries: Sequence[q.Query]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for query in queries:
            f.write(json.dumps(query.as_dict(), ensure_ascii=False) + "\n")


def _metrics(prefix: str, report: dict[str, Any]) -> dict[str, float | None]:
    found: dict[str, float | None] = {}
    for key, value in report["known_item"].items():
        if isinstance(value, dict):
            found[f"{prefix}.{key}"] = value["value"]
    for kind, block in report["by_kind"].items():
        found[f"{prefix}.{kind}.mrr@{K}"] = block[f"mrr@{K}"]["value"]
        found[f"{prefix}.{kind}.recall@{K}"] = block[f"recall@{K}"]["value"]
    found[f"{prefix}.category.precision@{K}"] = report["category"][f"precision@{K}"]["value"]
    return found


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    import ray

    cfg: SearchConfig = ctx.config
    items = read_items(ctx.stage_dir("build"))
    queries = q.make_queries(items, sample=cfg.sample, seed=cfg.seed)
    if not any(query.is_known_item for query in queries):
        raise PipelineError("no known-item query can be made from the catalogue titles")
    _write_queries(out / QUERIES_FILE, queries)
    recipe = trained_recipe(ctx)
    texts = [query.text for query in queries]
    ctx.ray.ensure()
    files = folder_files(Path(ctx.outputs("train")["model"]["folder"]))
    refs = {"index": search_folder.remote(files, texts, K, cfg.task_threads)}
    if recipe.embed:  # what the vectors add: the same recipe without them
        refs["keyword_only"] = search_recipe.remote(
            items, None, recipe.keyword_only(), texts, K, cfg.task_threads
        )
    answers = dict(zip(refs, ray.get(list(refs.values())), strict=True))
    scores = {label: q.score(queries, hits, items, K) for label, (hits, _) in answers.items()}
    boot = {"n_boot": cfg.n_boot, "seed": cfg.seed}
    reports = {label: q.summary(s, K, **boot) for label, s in scores.items()}
    gain = None
    if recipe.embed:
        gain = q.relative_gain(scores["index"], scores["keyword_only"], **boot)
    report = {"metric": METRIC, "recipe": recipe.as_dict(), "queries": len(queries),
              "index": reports["index"], "keyword_only": reports.get("keyword_only"),
              "hybrid_vs_keyword_only_mrr": gain}  # fmt: skip
    write_json(out / EVALUATION_FILE, report)
    metrics = _metrics("test.search", reports["index"])
    if "keyword_only" in reports:
        metrics |= _metrics("test.keyword_only", reports["keyword_only"])
    if gain is not None:
        metrics[f"test.hybrid_vs_keyword_only.mrr@{K}"] = gain["value"]
    score = float(scores["index"].mrr().mean())
    ctx.log(f"evaluate: {METRIC} {score:.4f} on {len(queries)} queries")
    return {
        "metric": METRIC,
        "score": score,
        "metrics": {k: v for k, v in metrics.items() if v is not None},
        "worker_peak_rss_mb": max(rss for _, rss in answers.values()),
    }
