"""The evaluation result as a markdown page."""

from __future__ import annotations

from typing import Any


def _f(x: Any, digits: int = 3) -> str:
    return "-" if x is None else f"{x:.{digits}f}"


def _row(label: str, m: dict[str, Any]) -> str:
    return (
        f"| {label} | {m['n']} | {_f(m['mae'])} | {_f(m['rmse'])} | {_f(m['bias'])} | "
        f"{_f(m['coverage_95'])} | {_f(m['mean_ci_width'])} |"
    )


def _reference(ref: dict[str, Any]) -> str:
    if not ref:
        return "No planted range to compare with."
    return (
        f"Reference: guessing the mid-point of the planted range ({ref['midpoint']}) for "
        f"every product has MAE {_f(ref['mae'])}."
    )


def _nothing(p: dict[str, Any], main: dict[str, Any]) -> str:
    return (
        "# Elasticity recovery on the synthetic marketplace\n\n"
        f"Seed {p['seed']}, {p['n_products_truth']} products planted, {p['n_products_sold']} "
        f"sold in the export, {p['n_days']} days, {p['units_total']:.0f} units: no product "
        f"is identifiable ({main['not_identifiable_reasons']}), so there is nothing to score "
        "and no category prior to learn.\n"
    )


def _variant(name: str, v: dict[str, Any]) -> str:
    raw, shr = v["scores"]["raw"], v["scores"]["shrunk_identifiable"]
    return (
        f"| {name} | {raw['n']} | {_f(raw['mae'])} | {_f(raw['bias'])} | "
        f"{_f(raw['coverage_95'])} | {_f(shr['mae'])} | {_f(shr['coverage_95'])} | "
        f"{v['estimate_time_s']} |"
    )


def markdown(result: dict[str, Any]) -> str:
    p = result["protocol"]
    variants = result["variants"]
    main = variants["main"]["scores"]
    if main is None:
        return _nothing(p, variants["main"])
    head = "| estimates | n | MAE | RMSE | bias | 95% CI coverage | mean CI width |"
    lines = [
        "# Elasticity recovery on the synthetic marketplace",
        "",
        f"Seed {p['seed']}, {p['n_products_truth']} products planted, {p['n_products_sold']} "
        f"sold in the export, {p['n_days']} days from {p['start']}, "
        f"{p['units_total']:.0f} units. Estimator `{p['estimator']}` per product, "
        f"shrunk toward the category mean (tau = {variants['main']['shrinkage']['tau']}). "
        f"Run time {result.get('run_time_s', '-')} s.",
        "",
        head,
        "|---|---|---|---|---|---|---|",
        _row("raw, identifiable products", main["raw"]),
        _row("shrunk, the same products", main["shrunk_identifiable"]),
        _row("shrunk, every product sold", main["shrunk_all"]),
        _row("category prior only (not identifiable)", main["prior_only"]),
        "",
        _reference(result.get("reference") or {}),
        "",
        "Variants (raw and shrunk over each variant's identifiable products):",
        "",
        "| variant | n | raw MAE | raw bias | raw coverage | shrunk MAE | shrunk coverage | s |",
        "|---|---|---|---|---|---|---|---|",
        *(_variant(name, v) for name, v in variants.items() if v["scores"] is not None),
        "",
        f"Not identifiable: {main['not_identifiable_reasons'] or 'none'}.",
        "",
        "By sales volume (identifiable products, terciles of units sold):",
        "",
        "| units | n | raw MAE | shrunk MAE | raw coverage | shrunk coverage | weight on own |",
        "|---|---|---|---|---|---|---|",
    ]
    for b in main["by_volume"]:
        lines.append(
            f"| {b['units_min']:.0f}-{b['units_max']:.0f} | {b['raw']['n']} | "
            f"{_f(b['raw']['mae'])} | {_f(b['shrunk']['mae'])} | "
            f"{_f(b['raw']['coverage_95'])} | {_f(b['shrunk']['coverage_95'])} | "
            f"{_f(b['mean_shrink_weight'], 2)} |"
        )
    lines.extend(_policy(result.get("policy")))
    return "\n".join(lines) + "\n"


def _policy(pol: dict[str, Any] | None) -> list[str]:
    if not pol:
        return []
    p = pol["protocol"]
    return [
        "",
        f"Suggestions (profit objective, default guardrails, unit cost {p['cost_share']:.0%} of "
        f"the current price, baseline: {p['baseline']}, {p['horizon_days']} days), scored "
        "with the planted elasticities:",
        "",
        "| requests | changed | moved up | true profit rises | mean true profit change | "
        f"{p['interval_level']:.0%} profit interval holds the true change |",
        "|---|---|---|---|---|---|",
        f"| {pol['requests']} | {pol['changed']} | {pol['moves_up']} | "
        f"{_f(pol['share_true_profit_gain'])} | {_f(pol['mean_true_profit_gain_pct'], 2)} % | "
        f"{_f(pol['profit_interval_coverage'])} |",
        "",
        f"Kept prices: {pol['reasons'] or 'none'}. Binding guardrails of the changes: "
        f"{pol['binding'] or 'none'}.",
    ]
