"""Offline evaluation of every model on an events export.

    python -m recsys.evaluation.run --events <export dir> --out <dir> [--test-days 28]

Writes `<out>/report.json` and `<out>/report.md` and prints the markdown.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from recsys import factory
from recsys.evaluation.evaluate import (
    ModelResult,
    compare,
    evaluate_model,
    item_percentiles,
    train_interactions,
)
from recsys.evaluation.report import BASELINE, KNN, to_json, to_markdown, verdict
from recsys.evaluation.split import Split, time_split
from recsys.interactions import Interactions
from recsys.schema import load_events
from recsys.threads import limited_threads


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m recsys.evaluation.run")
    parser.add_argument("--events", required=True, help="events export (root or events/)")
    parser.add_argument("--out", required=True, help="directory for report.json and .md")
    parser.add_argument("--test-days", type=float, default=28.0)
    parser.add_argument("--targets", default="purchase", help="test event kinds, comma-separated")
    parser.add_argument("--half-life-days", type=float, default=30.0)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--models", default=",".join(factory.names()))
    parser.add_argument("--threads", type=int, default=2, help="training threads (ALS)")
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--name", default=None, help="dataset label in the report")
    parser.add_argument(
        "--params", default="{}", help='JSON per model, e.g. {"als": {"factors": 128}}'
    )
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Split, fit every model, evaluate, write the report; returns the JSON report."""
    log = load_events(args.events)
    targets = tuple(t.strip() for t in args.targets.split(",") if t.strip())
    split = time_split(log, test_days=args.test_days, target_kinds=targets)
    data = train_interactions(split, half_life_days=args.half_life_days)
    results = fit_and_score(args, data, split)
    metric = f"recall@{args.k}"
    vs_base = compare(results, BASELINE, metric, n_boot=args.n_boot, seed=args.seed)
    vs_knn = compare(results, KNN, metric, n_boot=args.n_boot, seed=args.seed)
    info = {
        "dataset": args.name or str(args.events),
        "events": len(log),
        "train_events": len(split.train),
        "n_users": data.n_users,
        "n_items": data.n_items,
        "cutoff": str(split.cutoff),
        "end": str(split.end),
        "test_days": args.test_days,
        "target_kinds": list(targets),
        "half_life_days": args.half_life_days,
        "k": args.k,
        "warm_users": len(split.warm),
        "cold_users": len(split.cold),
        "warm_relevant_mean": float(np.mean([len(v) for v in split.warm.values()] or [0])),
        "n_boot": args.n_boot,
        "seed": args.seed,
    }
    report = to_json(info, results, vs_base, vs_knn, verdict(results, vs_base, vs_knn, metric))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    markdown = to_markdown(report, results, args.k)
    (out / "report.md").write_text(markdown)
    print(markdown)
    return report


def fit_and_score(
    args: argparse.Namespace, data: Interactions, split: Split
) -> dict[str, ModelResult]:
    """Every model named in --models, fitted and evaluated under the thread limit."""
    percentiles = item_percentiles(data)
    overrides: dict[str, dict[str, Any]] = json.loads(args.params)
    ks = sorted({10, args.k})
    results: dict[str, ModelResult] = {}
    for name in [m.strip() for m in args.models.split(",") if m.strip()]:
        params = dict(overrides.get(name, {}))
        if name == "als":
            params.setdefault("num_threads", args.threads)
        model = factory.make(name, **params)
        with limited_threads(args.threads):
            results[name] = evaluate_model(
                model,
                data,
                split,
                ks=ks,
                percentiles=percentiles,
                n_boot=args.n_boot,
                seed=args.seed,
            )
        print(f"{name}: fit {results[name].fit_seconds:.2f} s", flush=True)
    return results


def main(argv: list[str] | None = None) -> None:
    run(parse_args(argv))


if __name__ == "__main__":
    main()
