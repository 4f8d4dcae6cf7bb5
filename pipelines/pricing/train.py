"""``train``: the chosen recipe fitted on every day of the panel, in a Ray task.

The recipe is ``pricing.model.ElasticityRecipe``'s defaults, under the run's ``params``,
under the tuned choices. The result is written to ``train/model_dir/``, our no-pickle
folder (``model.json`` naming the model ``elasticity`` + ``elasticities.npz``), which
``register`` logs as it is; ``elasticities.csv`` beside it is the same table to read.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipelines.model_files import write_files
from pipelines.pricing import data
from pipelines.pricing.config import PricingConfig
from pipelines.pricing.tasks import fit_recipe
from pipelines.pyfunc import MODEL_DIR
from pipelines.stages import PipelineError, RunContext
from pricing.model import ElasticityModel, ElasticityRecipe

TABLE_CSV = "elasticities.csv"


def config(cfg: PricingConfig) -> dict[str, Any]:
    return {"params": dict(cfg.params)}


def chosen_recipe(ctx: RunContext) -> ElasticityRecipe:
    """The run's recipe: defaults, its ``params``, then what tuning chose."""
    cfg: PricingConfig = ctx.config
    try:
        return cfg.recipe(ctx.outputs("tune").get("best_params", {}))
    except (TypeError, ValueError) as exc:
        raise PipelineError(f"bad recipe parameters: {exc}") from exc


def run(ctx: RunContext, out: Path) -> dict[str, Any]:
    import ray

    cfg: PricingConfig = ctx.config
    build_dir = ctx.stage_dir("build")
    panel, groups = data.read_panel(build_dir), data.read_categories(build_dir)
    recipe = chosen_recipe(ctx)
    ctx.ray.ensure()
    fitted = ray.get(fit_recipe.remote(panel, groups, recipe, cfg.task_threads))
    folder = out / MODEL_DIR
    write_files(folder, fitted.files)
    model = ElasticityModel.load(folder)
    pd.DataFrame(model.records()).to_csv(out / TABLE_CSV, index=False)
    summary = model.summary()
    ctx.log(f"train: {summary['identifiable']} of {summary['products']} products identifiable, "
            f"median elasticity {summary['median_elasticity']}")  # fmt: skip
    return {
        "model": {"folder": str(folder), "model": model.name, "params": recipe.as_dict(),
                  "fit_seconds": round(fitted.seconds, 3)},
        "summary": summary,
        "example": example_product(model),
        "trained_until": model.trained_until.isoformat(),
        "params": {f"recipe.{k}": v for k, v in recipe.as_dict().items()},
        "metrics": summary_metrics(summary),
        "worker_peak_rss_mb": fitted.worker_peak_rss_mb,
    }  # fmt: skip


def summary_metrics(summary: dict[str, Any], prefix: str = "model") -> dict[str, float]:
    """The elasticity summary as MLflow metrics (what is known only)."""
    keys = ("products", "identifiable", "share_identifiable", "median_elasticity",
            "median_raw_elasticity")  # fmt: skip
    return {
        f"{prefix}.{k}": float(summary[k])
        for k in keys
        if summary.get(k) is not None and math.isfinite(float(summary[k]))
    }


def example_product(model: ElasticityModel) -> str:
    """A product for the signature's input example: the best-selling identifiable one,
    else the best-selling one."""
    units = model.columns["units"]
    ident = model.columns["identifiable"].astype(bool)
    pool = np.flatnonzero(ident) if ident.any() else np.arange(len(model))
    return str(model.product_ids[pool[np.argmax(units[pool])]])
