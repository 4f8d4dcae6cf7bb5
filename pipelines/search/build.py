"""``build``: the catalogue export read with Ray Data into the product texts to index
(``items.jsonl``, ``pipelines.catalog_texts``: the listed products sellable at extract time,
all listed ones when none is sellable)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipelines.catalog_texts import build_items
from pipelines.stages import PipelineError, RunContext


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    ctx.ray.ensure()
    products = build_items(ctx.outputs("extract"), out, ctx.log)
    if products == 0:
        raise PipelineError("no_products: the catalogue export holds no listed product to index")
    return {"items": products, "metrics": {"data.products": products}}
