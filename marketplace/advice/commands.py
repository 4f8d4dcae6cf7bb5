"""Commands of the advice area: what the producers (pricing and forecasting pipelines) and
the merchant ask for (deciding on suggestions, setting the pricing policy and inputs)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from marketplace.shared.money import Money


@dataclass(frozen=True, slots=True)
class SuggestionInput:
    """One suggested list price, as the pricing pipeline computed it.

    ``expected_effects``: see ``advice.domain.suggestions.check_effects`` for the shape.
    ``binding_guardrails``/``reason``: stable snake_case codes (the pricing library's
    ``Constraint`` and ``Reason`` values)."""

    sku_id: str
    currency: str
    current_price: Money  # the list price the suggestion was computed from
    suggested_price: Money
    objective: str  # "profit" | "revenue"
    expected_effects: Mapping[str, Any]
    elasticity: float
    elasticity_ci: tuple[float, float]  # (low, high)
    binding_guardrails: tuple[str, ...] = ()
    reason: str | None = None
    expires_at: datetime | None = None  # None: advice.domain.suggestions.DEFAULT_TTL


@dataclass(frozen=True, slots=True)
class RecordPriceSuggestions:
    """A batch for one merchant; each suggestion supersedes the pending one of its SKU and
    currency. All or nothing: one refused suggestion refuses the batch."""

    merchant_id: str
    model_name: str
    model_version: str
    suggestions: tuple[SuggestionInput, ...]


@dataclass(frozen=True, slots=True)
class AcceptPriceSuggestion:
    merchant_id: str
    suggestion_id: str
    actor_id: str  # who decides: a user id, or "apikey:<prefix>"


@dataclass(frozen=True, slots=True)
class RejectPriceSuggestion:
    merchant_id: str
    suggestion_id: str
    actor_id: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class ForecastInput:
    """One SKU's forecast: lists (not numpy arrays) of daily units from ``start_date``;
    ``quantiles`` maps a level (0.05 or "0.05") to one value per day."""

    sku_id: str
    start_date: date
    mean: Sequence[float]
    quantiles: Mapping[Any, Sequence[float]] = field(default_factory=dict)
    backtest: Mapping[str, float] | None = None  # the model's backtest scores by metric


@dataclass(frozen=True, slots=True)
class RecordDemandForecasts:
    """A batch of forecasts made by one model at ``generated_at`` (timezone-aware)."""

    model_name: str
    model_version: str
    generated_at: datetime
    forecasts: tuple[ForecastInput, ...]


@dataclass(frozen=True, slots=True)
class SetPricingPolicy:
    """Replace the merchant's pricing policy. Fractions are decimal strings (or Decimal);
    None switches a limit off; the defaults are the pricing library's."""

    merchant_id: str
    actor_id: str  # who sets it: a user id, or "apikey:<prefix>"
    is_enabled: bool = True
    objective: str = "profit"  # "profit" | "revenue"
    max_step: Decimal | str | None = "0.10"
    margin_floor: Decimal | str | None = "0"
    competitor_tolerance: Decimal | str | None = "0.05"
    allow_outside_observed: bool = False
    charm: bool = False


@dataclass(frozen=True, slots=True)
class SetSkuPricingInputs:
    """Replace a SKU's pricing inputs: amounts are decimal strings in ``currency`` (one of
    the SKU's list-price currencies); None clears one."""

    merchant_id: str
    sku_id: str
    actor_id: str
    currency: str
    unit_cost: Decimal | str | None = None
    min_price: Decimal | str | None = None
    max_price: Decimal | str | None = None
    competitor_price: Decimal | str | None = None
