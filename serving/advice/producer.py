"""The batch that writes merchants' advice: demand forecasts per SKU, then price suggestions.

``refresh_advice`` exports the paid order lines of the last ``days`` days (the Parquet
export of docs/data/exports.md, read-only), then

1. fits the configured forecaster (``forecasting.factory``; the backtest champion, see
   docs/ml/forecasting-evaluation.md) on the daily panel per SKU, forecasts ``horizon``
   days and stores each SKU's forecast (``advice.services.record_demand_forecasts``);
2. estimates price elasticities per product (Poisson, with the category as the group the
   estimates shrink toward), and for every SKU of every merchant whose pricing policy is
   enabled (``advice.queries.pricing_inputs``): builds a ``pricing`` request from the SKU's
   list price, its product's elasticity, its forecast (the baseline units at the current
   price), its inputs (cost, bounds, competitor price) and the merchant's guardrails, asks
   ``pricing.policy.ElasticityPolicy`` and records the suggestions that change the price
   (``advice.services.record_price_suggestions``; each supersedes the SKU's pending one).
   Those that keep the price are counted by reason in the result, not stored.

The day being lived is left out of the panels (it is incomplete): forecasts start today.

``forecaster="champion"`` fits the recipe of the demand forecaster the training pipeline
registered as champion (``models:/agora-forecast-demand@champion`` at the settings'
``mlflow_tracking_uri``: its ``agora.model`` tag and the parameters in its
``model.json``, docs/ml/pipelines.md) on this run's fresh panel; the forecasts record
``<model>@mlflow-v<version>`` as their model version (``params`` is not used then).
``pricing="champion"`` likewise estimates the elasticities with the recipe of
``models:/agora-pricing-elasticity@champion`` (``pricing.model.ElasticityRecipe``, through
``fit_elasticity_model``) and the suggestions record ``elasticity@mlflow-v<version>``; by
default (``"defaults"``) the library's estimator and shrinkage with their defaults. Both
champions are resolved (``serving.advice.champions``) before anything is read or written:
``NoChampionError`` when one is missing.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from marketplace.advice import queries, services
from marketplace.advice.commands import (
    ForecastInput,
    RecordDemandForecasts,
    RecordPriceSuggestions,
    SuggestionInput,
)
from marketplace.advice.domain.pricing_inputs import PricingPolicy
from marketplace.advice.queries import SkuPricingRow
from marketplace.exports.domain import Dataset, ExportRequest
from marketplace.exports.services import export_dataset
from marketplace.shared.money import Money
from serving.advice.champions import NoChampionError, champion_recipe, registered_models

if TYPE_CHECKING:
    from forecasting.base import Forecast, Panel
    from marketplace.bootstrap import Marketplace
    from pricing.domain import Elasticity, PriceSuggestion, PricingRequest
    from pricing.model import ElasticityRecipe

DEFAULT_FORECASTER = "tsb"
CHAMPION = "champion"  # the registered champion's recipe (module docstring)
DEFAULT_PRICING = "defaults"  # the pricing library's estimator and shrinkage, as they are
PRICING_CHOICES = (DEFAULT_PRICING, CHAMPION)
PRICING_MODEL = "elasticity_policy"
BATCH = 1000  # the advice services' largest batch


@dataclass(frozen=True)
class ForecasterChoice:
    """The forecaster a run fits: factory name, parameters, the version it records."""

    name: str
    params: dict[str, Any]
    version: str | None = None  # None: "<name>@<panel end>"


@dataclass(frozen=True)
class PricingChoice:
    """How a run estimates elasticities: the model name and version its suggestions record,
    and the recipe (None: the library's defaults, estimated and shrunk as they are)."""

    name: str = PRICING_MODEL
    recipe: ElasticityRecipe | None = None
    version: str | None = None  # None: "<name>@<panel end>"


@dataclass
class AdviceRun:
    forecaster: str
    model_version: str | None = None
    pricing: str = PRICING_MODEL
    pricing_version: str | None = None
    series: int = 0
    forecasts: int = 0
    products_estimated: int = 0
    products_identified: int = 0
    suggestions: int = 0
    kept: Counter[str] = field(default_factory=Counter)  # reason -> SKUs left at their price
    seconds: dict[str, float] = field(default_factory=dict)


def refresh_advice(
    container: Marketplace,
    *,
    days: int = 365,
    horizon: int = 28,
    forecaster: str = DEFAULT_FORECASTER,
    params: dict[str, Any] | None = None,
    merchant_id: str | None = None,
    now: datetime | None = None,
    pricing: str = DEFAULT_PRICING,
) -> AdviceRun:
    """Forecast every SKU that sold in the window, then suggest prices (module docstring)."""
    from forecasting.panel import panel_from_lines, read_orders

    if pricing not in PRICING_CHOICES:
        raise ValueError(f"pricing must be one of {PRICING_CHOICES}, not {pricing!r}")
    now = now or container.clock.now()
    uri = container.settings.mlflow_tracking_uri
    if forecaster == CHAMPION:
        choice = champion_forecaster(uri)
    else:
        choice = ForecasterChoice(forecaster, params or {})
    prices = champion_pricing(uri) if pricing == CHAMPION else PricingChoice()
    run = AdviceRun(forecaster=choice.name, model_version=choice.version, pricing=prices.name,
                    pricing_version=prices.version)  # fmt: skip
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="agora-advice-") as tmp:
        request = ExportRequest.of(Dataset.ORDERS, since=now - timedelta(days=days),
                                   until=now, now=now)  # fmt: skip
        export_dataset(request, engine=container.engine, out_dir=Path(tmp))
        lines = read_orders(Path(tmp) / "orders")
        categories = _categories(Path(tmp) / "orders")
    run.seconds["export"] = round(time.perf_counter() - started, 2)
    if lines.empty:
        return run
    end = now.date() - timedelta(days=1)
    sku_panel = panel_from_lines(lines, level="sku", end=end, min_total_units=1)
    forecast = _forecast(container, run, sku_panel, choice, horizon, now)
    product_panel = panel_from_lines(lines, level="product", end=end, min_total_units=1)
    elasticities = _elasticities(run, product_panel, categories, prices)
    _suggest(container, run, sku_panel, elasticities, forecast, merchant_id, now)
    return run


def _categories(path: Path) -> dict[str, str]:
    """Product -> category, the group each product's elasticity shrinks toward."""
    import pyarrow.dataset as ds

    table = ds.dataset(path, format="parquet").to_table(columns=["product_id", "category_id"])
    products, categories = table["product_id"].to_pylist(), table["category_id"].to_pylist()
    return {str(p): str(c) for p, c in zip(products, categories, strict=True)}


def champion_forecaster(tracking_uri: str) -> ForecasterChoice:
    """The recipe of ``agora-forecast-demand@champion`` in the MLflow store at
    ``tracking_uri`` (less the parameters that say how it ran); NoChampionError when
    there is none."""
    from pipelines.forecast.recipe import RUNTIME_PARAMS

    champion = champion_recipe(tracking_uri, registered_models()["forecast"])
    params = {k: v for k, v in champion.params.items() if k not in RUNTIME_PARAMS}
    return ForecasterChoice(champion.model, params, champion.model_version)


def champion_pricing(tracking_uri: str) -> PricingChoice:
    """The recipe of ``agora-pricing-elasticity@champion`` in the MLflow store at
    ``tracking_uri``; NoChampionError when there is none or it is no elasticity recipe."""
    from pricing.model import MODEL_NAME, ElasticityRecipe

    champion = champion_recipe(tracking_uri, registered_models()["pricing"])
    where = f"{champion.registered} v{champion.version}"
    if champion.model != MODEL_NAME:
        raise NoChampionError(f"{where} holds {champion.model!r}, not {MODEL_NAME!r}")
    try:
        recipe = ElasticityRecipe.from_dict(champion.params)
    except (TypeError, ValueError) as exc:
        raise NoChampionError(f"{where}: not an elasticity recipe: {exc}") from exc
    return PricingChoice(champion.model, recipe, champion.model_version)


def _forecast(
    container: Marketplace, run: AdviceRun, panel: Panel, choice: ForecasterChoice,
    horizon: int, now: datetime,
) -> Forecast:  # fmt: skip
    from forecasting import factory

    started = time.perf_counter()
    run.series = panel.n_series
    name = choice.name
    model = factory.make(name, **choice.params).fit(panel)
    forecast = model.predict(horizon)
    version = choice.version or f"{name}@{panel.end.isoformat()}"
    items = [
        ForecastInput(
            sku_id=str(sku), start_date=forecast.start, mean=forecast.mean[row].tolist(),
            quantiles={q: v[row].tolist() for q, v in forecast.quantiles.items()},
        )
        for row, sku in enumerate(forecast.series_ids)
    ]  # fmt: skip
    for first in range(0, len(items), BATCH):
        cmd = RecordDemandForecasts(model_name=name, model_version=version, generated_at=now,
                                    forecasts=tuple(items[first : first + BATCH]))  # fmt: skip
        run.forecasts += len(services.record_demand_forecasts(cmd, uow=container.uow()).stored)
    run.seconds["forecast"] = round(time.perf_counter() - started, 2)
    return forecast


def _elasticities(
    run: AdviceRun, panel: Panel, categories: dict[str, str], choice: PricingChoice
) -> dict[str, Elasticity | None]:
    """Each estimated product's elasticity for the policy (None: none to use)."""
    from pricing.elasticity import estimate_elasticities
    from pricing.inputs import elasticity_input
    from pricing.model import fit_elasticity_model
    from pricing.shrinkage import NoIdentifiableSeriesError, shrink

    if choice.recipe is not None:
        model = fit_elasticity_model(panel, groups=categories, recipe=choice.recipe)
        run.products_estimated = len(model)
        run.products_identified = int(model.summary()["identifiable"])
        found: dict[str, Elasticity | None] = {}
        for product_id in model.product_ids.tolist():
            served = model.policy_elasticity(product_id)  # NaN: no own estimate, no prior
            found[product_id] = served if math.isfinite(served.value) else None
        return found
    estimates = estimate_elasticities(panel, groups=categories, price_seen_on_sales=True)
    run.products_estimated = len(estimates)
    run.products_identified = sum(e.identifiable for e in estimates)
    try:
        shrunk = {s.series_id: s for s in shrink(estimates).rows}
    except NoIdentifiableSeriesError:  # nothing to learn a prior from: no suggestions
        shrunk = {}
    return {e.series_id: elasticity_input(e, shrunk[e.series_id]) if e.series_id in shrunk
            else None for e in estimates}  # fmt: skip


def _suggest(
    container: Marketplace, run: AdviceRun, sku_panel: Panel,
    elasticities: dict[str, Elasticity | None], forecast: Forecast, merchant_id: str | None,
    now: datetime,
) -> None:  # fmt: skip
    from pricing.policy import ElasticityPolicy

    started = time.perf_counter()
    forecast_skus = set(forecast.series_ids.tolist())
    policy = ElasticityPolicy()
    version = run.pricing_version or f"{run.pricing}@{sku_panel.end.isoformat()}"
    with queries.read_connection(container.engine) as conn:
        merchants = queries.pricing_inputs(conn, merchant_id)
    for merchant in merchants:
        found: list[SuggestionInput] = []
        for sku in merchant.skus:
            request = _request(sku, merchant.policy, elasticities, sku_panel, forecast,
                               forecast_skus)  # fmt: skip
            if isinstance(request, str):
                run.kept[request] += 1
                continue
            suggestion = policy.suggest(request)
            if not suggestion.is_change:
                run.kept[str(suggestion.reason or "already_optimal")] += 1
                continue
            found.append(_suggestion_input(suggestion, sku))
        for first in range(0, len(found), BATCH):
            batch = tuple(found[first : first + BATCH])
            cmd = RecordPriceSuggestions(merchant_id=merchant.merchant_id,
                                         model_name=run.pricing, model_version=version,
                                         suggestions=batch)  # fmt: skip
            run.suggestions += len(services.record_price_suggestions(cmd, uow=container.uow()))
    run.seconds["pricing"] = round(time.perf_counter() - started, 2)


def _request(
    sku: SkuPricingRow, policy: PricingPolicy, elasticities: dict[str, Elasticity | None],
    sku_panel: Panel, forecast: Forecast, forecast_skus: set[str],
) -> PricingRequest | str:  # fmt: skip
    """The pricing request of one SKU, or why there is none."""
    from pricing.domain import Guardrails, Objective, PricingRequest
    from pricing.inputs import baseline_from_forecast, observed_range

    if sku.product_id not in elasticities or sku.sku_id not in forecast_skus:
        return "no_sales"
    elasticity = elasticities[sku.product_id]
    if elasticity is None:
        return "not_identifiable"
    amount = _major(sku.list_price)
    guardrails = Guardrails(
        min_price=_major(sku.min_price), max_price=_major(sku.max_price),
        max_step=policy.max_step, margin_floor=policy.margin_floor,
        allow_outside_observed=policy.allow_outside_observed,
        competitor_tolerance=policy.competitor_tolerance, charm=policy.charm,
    )  # fmt: skip
    return PricingRequest(
        sku_id=sku.sku_id, currency=sku.currency, current_price=amount, elasticity=elasticity,
        baseline=baseline_from_forecast(forecast, sku.sku_id),
        unit_cost=_major(sku.unit_cost),
        observed_range=observed_range(sku_panel, sku.sku_id, sku.currency),
        competitor_price=_major(sku.competitor_price),
        objective=Objective(policy.objective.value), guardrails=guardrails,
    )  # fmt: skip


def _major(money: Money | None) -> Any:
    return None if money is None else money.amount


def _suggestion_input(s: PriceSuggestion, sku: SkuPricingRow) -> SuggestionInput:
    currency = sku.currency

    def change(c: Any) -> dict[str, Any] | None:
        if c is None:
            return None
        return {"expected": str(c.expected), "low": str(c.low), "high": str(c.high)}

    effects = {
        "units": {"expected": round(s.units.expected, 3), "low": round(s.units.low, 3),
                  "high": round(s.units.high, 3)},
        "revenue": change(s.revenue), "profit": change(s.profit),
        "interval_level": s.interval_level, "expected_units": round(s.expected_units, 3),
        "probability_of_gain": s.probability_of_gain,
    }  # fmt: skip
    low, high = s.elasticity_ci
    return SuggestionInput(
        sku_id=sku.sku_id, currency=currency,
        current_price=Money.of(s.current_price, currency),
        suggested_price=Money.of(s.suggested_price, currency),
        objective=s.objective.value, expected_effects=effects,
        elasticity=float(s.elasticity.value), elasticity_ci=(float(low), float(high)),
        binding_guardrails=tuple(c.value for c in s.binding),
        reason=s.reason.value if s.reason else None,
    )  # fmt: skip


def summary(run: AdviceRun) -> str:
    kept = ", ".join(f"{reason} {n}" for reason, n in run.kept.most_common()) or "none"
    model = f" ({run.model_version})" if run.model_version else ""
    pricing = f" ({run.pricing_version})" if run.pricing_version else ""
    return (
        f"forecaster {run.forecaster}{model}: {run.forecasts} of {run.series} SKU forecasts "
        f"stored; elasticities ({run.pricing}{pricing}): {run.products_identified} of "
        f"{run.products_estimated} products identified; {run.suggestions} price suggestions "
        f"recorded; kept price: {kept}; seconds {run.seconds}"
    )
