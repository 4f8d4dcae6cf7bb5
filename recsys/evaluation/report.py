"""The comparison report: a JSON document and a markdown table, with the verdict on the bar.

Bar (issue 6): the served model beats recent popularity by >= 20 % relative recall@20 with
a paired-bootstrap CI excluding zero, and does not lose to item-kNN; otherwise serve
whatever wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recsys.evaluation.bootstrap import Interval
from recsys.evaluation.evaluate import ModelResult

BASELINE = "recent_popularity"
KNN = "item_knn"
NON_PERSONAL = ("popularity", "recent_popularity", "trending")
BAR = 0.20


def verdict(
    results: Mapping[str, ModelResult],
    vs_baseline: Mapping[str, Interval],
    vs_knn: Mapping[str, Interval],
    metric: str,
) -> dict[str, Any]:
    """Which personalised model is best, whether it clears the bar, and what to serve."""

    def value(name: str) -> float:
        return results[name].summary[metric].value

    personal = [n for n in results if n not in NON_PERSONAL]
    best = max(personal, key=value) if personal else None
    overall = max(results, key=value)
    if best is None:
        return {"best_personalised": None, "serve_default": overall, "meets_bar": False}
    lift = vs_baseline.get(best)
    beats = lift is not None and lift.value >= BAR and lift.low > 0
    knn = vs_knn.get(best)
    not_worse = best == KNN or knn is None or knn.value >= 0
    meets = beats and not_worse
    return {
        "best_personalised": best,
        "beats_recent_popularity_by_20pct": beats,
        "ci_excludes_zero": bool(lift and lift.excludes_zero()),
        "relative_vs_recent_popularity": lift.as_dict() if lift else None,
        "not_worse_than_item_knn": not_worse,
        "relative_vs_item_knn": knn.as_dict() if knn else None,
        "meets_bar": meets,
        "serve_default": best if meets else overall,
    }


def to_json(
    info: Mapping[str, Any],
    results: Mapping[str, ModelResult],
    vs_baseline: Mapping[str, Interval],
    vs_knn: Mapping[str, Interval],
    decision: Mapping[str, Any],
) -> dict[str, Any]:
    """Everything measured, as plain JSON values."""
    models = {}
    for name, r in results.items():
        models[name] = {
            "params": r.params,
            "fit_seconds": round(r.fit_seconds, 3),
            "recommend_ms_per_user": round(r.recommend_ms, 3),
            "metrics": {key: iv.as_dict() for key, iv in r.summary.items()},
            "catalog_coverage": r.coverage,
            "popularity_bias": r.popularity_bias,
            "relative_recall_vs_recent_popularity": (
                vs_baseline[name].as_dict() if name in vs_baseline else None
            ),
            "relative_recall_vs_item_knn": vs_knn[name].as_dict() if name in vs_knn else None,
            "cold_users": {key: iv.as_dict() for key, iv in r.cold.items()},
        }
    return {**info, "models": models, "verdict": dict(decision)}


def _ci(iv: Interval, pct: bool = False) -> str:
    if pct:
        return f"{iv.value:+.1%} [{iv.low:+.1%}, {iv.high:+.1%}]"
    return f"{iv.value:.4f} [{iv.low:.4f}, {iv.high:.4f}]"


def to_markdown(report: Mapping[str, Any], results: Mapping[str, ModelResult], k: int) -> str:
    """A table of every model and the verdict, for docs/ml."""
    lines = [
        f"### {report['dataset']}",
        "",
        f"Train before {report['cutoff']}, test to {report['end']} ({report['test_days']} days, "
        f"targets: {', '.join(report['target_kinds'])}, new items only). Train: "
        f"{report['train_events']:,} events, {report['n_users']:,} users, "
        f"{report['n_items']:,} items. Warm test users: {report['warm_users']:,}; "
        f"cold: {report['cold_users']:,}. 95 % bootstrap CI over users "
        f"({report['n_boot']} resamples, seed {report['seed']}).",
        "",
        f"| model | recall@{k} | nDCG@{k} | MAP@{k} | hit@{k} | coverage | pop. bias "
        f"| recall@{k} vs recent pop. | vs item-kNN | fit s | ms/user |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        rel = report["models"][name]["relative_recall_vs_recent_popularity"]
        rel_s = _ci(Interval(**rel), pct=True) if rel else "-"
        knn = report["models"][name]["relative_recall_vs_item_knn"]
        knn_s = _ci(Interval(**knn), pct=True) if knn else "-"
        s = r.summary
        lines.append(
            f"| {name} | {_ci(s[f'recall@{k}'])} | {s[f'ndcg@{k}'].value:.4f} "
            f"| {s[f'map@{k}'].value:.4f} | {s[f'hit_rate@{k}'].value:.3f} "
            f"| {r.coverage:.3f} | {r.popularity_bias:.1f} | {rel_s} | {knn_s} "
            f"| {r.fit_seconds:.2f} | {r.recommend_ms:.2f} |"
        )
    lines += ["", _verdict_text(report["verdict"]), ""]
    return "\n".join(lines)


def _verdict_text(v: Mapping[str, Any]) -> str:
    best = v.get("best_personalised")
    if best is None:
        return f"No personalised model; serve `{v['serve_default']}`."
    rel = v["relative_vs_recent_popularity"]
    knn = v["relative_vs_item_knn"]
    rel_s = _ci(Interval(**rel), pct=True) if rel else "n/a"
    knn_s = _ci(Interval(**knn), pct=True) if knn else "n/a"
    return (
        f"Best personalised model: `{best}`, recall@20 vs recent popularity {rel_s}; "
        f"vs item-kNN {knn_s}. Clears the bar (>= +20 %, CI excluding zero, not below "
        f"item-kNN): **{'yes' if v['meets_bar'] else 'no'}**. Serve by default: "
        f"`{v['serve_default']}`."
    )
