"""The champion rule and the backtest report (JSON and markdown).

The primary metric is the mean RMSSE over series (lower is better). Every model is compared
with the best *other* baseline (``factory.BASELINES``): the relative difference of mean
RMSSE over the same series, with a paired bootstrap interval over series. A win whose
interval excludes zero is ``clear``. The champion is the model with the lowest mean RMSSE,
except that a challenger (a model that is not a baseline, e.g. the LSTM) must win
clearly: a challenger whose interval includes zero leaves the best baseline champion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from forecasting.evaluation.backtest import ModelResult
from forecasting.evaluation.bootstrap import NAN_INTERVAL, Interval, paired_relative_difference

PRIMARY = "rmsse"


@dataclass(frozen=True)
class Comparison:
    """A model against a reference baseline on the primary metric."""

    model: str
    reference: str | None
    difference: Interval  # mean(model) / mean(reference) - 1, with its interval


def champion(results: dict[str, ModelResult]) -> str | None:
    """The model with the lowest mean RMSSE (ties: the first name in alphabetical order)."""
    scored = [(r.summary()[PRIMARY], name) for name, r in results.items()]
    scored = [(v, name) for v, name in scored if not math.isnan(v)]
    return min(scored)[1] if scored else None


def champion_of(
    results: dict[str, ModelResult], comparisons: dict[str, Comparison],
    baselines: tuple[str, ...],
) -> str | None:  # fmt: skip
    """``champion``, unless that is a challenger without a clear win over the best
    baseline: then the best baseline."""
    best = champion(results)
    if best is None or best in baselines or comparisons[best].difference.high < 0:
        return best
    return champion({n: r for n, r in results.items() if n in baselines}) or best


def compare(
    results: dict[str, ModelResult],
    baselines: tuple[str, ...],
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Comparison]:
    """Each model against the best baseline other than itself."""
    means = {name: r.summary()[PRIMARY] for name, r in results.items()}
    out: dict[str, Comparison] = {}
    for name, result in results.items():
        refs = [b for b in baselines if b in results and b != name and not math.isnan(means[b])]
        if not refs:
            out[name] = Comparison(name, None, NAN_INTERVAL)
            continue
        ref = min(refs, key=lambda b: (means[b], b))
        diff = paired_relative_difference(
            result.per_series(PRIMARY),
            results[ref].per_series(PRIMARY),
            n_boot=n_boot,
            seed=seed,
        )
        out[name] = Comparison(name, ref, diff)
    return out


def verdict(
    best: str | None, comparisons: dict[str, Comparison], *, passed_over: str | None = None
) -> dict[str, Any]:
    """Who is champion, against whom, by how much, and whether the interval says so;
    ``passed_over`` is a challenger with a lower mean RMSSE but no clear win."""
    if best is None:
        return {"champion": None, "clear": False, "text": "no model could be scored"}
    c = comparisons[best]
    d = c.difference
    clear = d.high < 0
    if passed_over is not None and passed_over != best:
        o = comparisons[passed_over].difference
        text = (
            f"{best} stays champion: {passed_over} has the lower mean RMSSE ({_pct(o.value)} "
            f"vs {comparisons[passed_over].reference}) but its 95% CI {_pct(o.low)} to "
            f"{_pct(o.high)} includes zero, and a challenger must win clearly"
        )
    elif c.reference is None:
        text = f"{best} is champion (no other baseline to compare with)"
    else:
        text = (
            f"{best} is champion: mean RMSSE {_pct(d.value)} vs {c.reference} "
            f"(95% CI {_pct(d.low)} to {_pct(d.high)}; "
            f"{'the interval excludes zero' if clear else 'the interval includes zero'})"
        )
    return {"champion": best, "reference": c.reference, "clear": clear, "text": text}


def _pct(x: float) -> str:
    return "n/a" if math.isnan(x) else f"{x * 100:+.1f}%"


def _num(x: float, digits: int = 3) -> str:
    return "n/a" if math.isnan(x) else f"{x:.{digits}f}"


def to_json(
    info: dict[str, Any],
    results: dict[str, ModelResult],
    comparisons: dict[str, Comparison],
    decision: dict[str, Any],
) -> dict[str, Any]:
    """The whole report as JSON-ready data."""
    models: dict[str, Any] = {}
    for name, r in results.items():
        c = comparisons[name]
        models[name] = {
            **r.summary(),
            "vs_best_baseline": {"reference": c.reference, **c.difference.as_dict()},
            "windows": [
                {
                    "origin": w.origin.isoformat(),
                    "rmsse": _mean(w.rmsse),
                    "mase": _mean(w.mase),
                    "wape": w.abs_error / w.actual if w.actual else float("nan"),
                    "fit_seconds": w.fit_seconds,
                    "predict_seconds": w.predict_seconds,
                }
                for w in r.windows
            ],
        }
    return {"info": info, "primary_metric": PRIMARY, "models": models, "verdict": decision}


def _mean(values: Any) -> float:
    finite = [float(v) for v in values if not math.isnan(float(v))]
    return sum(finite) / len(finite) if finite else float("nan")


def to_markdown(report: dict[str, Any]) -> str:
    """A human-readable report: the protocol, the table, the windows, the verdict."""
    info, models = report["info"], report["models"]
    lines = [
        f"# Forecast backtest: {info['dataset']}",
        "",
        f"{info['n_series']} series ({info['level']}), {info['n_days']} days "
        f"{info['start']} .. {info['end']}; {info['windows']} windows of {info['horizon']} "
        f"days, origins {', '.join(info['origins'])}; {info['n_boot']} bootstrap draws.",
        "",
        "| model | RMSSE | MASE | WAPE | bias | cov. 80% | cov. 90% | SPL "
        "| RMSSE vs best other baseline (95% CI) | fit s | predict s |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in sorted(models.items(), key=lambda kv: _sort_key(kv[1]["rmsse"])):
        vs = m["vs_best_baseline"]
        rel = (
            "n/a"
            if vs["reference"] is None
            else f"{_pct(vs['value'])} [{_pct(vs['low'])}, {_pct(vs['high'])}] vs {vs['reference']}"
        )
        lines.append(
            f"| {name} | {_num(m['rmsse'])} | {_num(m['mase'])} | {_num(m['wape'])} "
            f"| {_pct(m['bias'])} | {_num(m.get('coverage_80', math.nan), 2)} "
            f"| {_num(m.get('coverage_90', math.nan), 2)} | {_num(m['spl'])} | {rel} "
            f"| {m['fit_seconds']:.1f} | {m['predict_seconds']:.1f} |"
        )
    lines += ["", "Mean RMSSE per window:", ""]
    origins = info["origins"]
    lines.append("| model | " + " | ".join(origins) + " |")
    lines.append("|---|" + "---|" * len(origins))
    for name, m in sorted(models.items()):
        cells = " | ".join(_num(w["rmsse"]) for w in m["windows"])
        lines.append(f"| {name} | {cells} |")
    lines += ["", f"**Verdict:** {report['verdict']['text']}.", ""]
    return "\n".join(lines)


def _sort_key(value: float) -> float:
    return math.inf if math.isnan(value) else value
