"""Schemas of the merchant's price suggestions, demand forecasts, pricing policy and pricing
inputs. Responses are the read models of ``marketplace.advice.queries``; money is
``{"amount": "12.30", "currency": "CNY"}``, statistics (units, elasticities) are numbers,
policy fractions are decimal strings."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from serving.api.schemas.fx import MoneyRead

_PSG = "psg_01JD3X8Q6V9M2K4N7P0R5T8W1Y"
NEXT_CURSOR = Field(description="Pass as ?cursor= for the next page; null on the last page")


class SuggestionReject(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field("", max_length=1000, description="Why, for the record (optional)")


class UnitsChange(BaseModel):
    expected: float
    low: float
    high: float


class MoneyChange(BaseModel):
    expected: MoneyRead
    low: MoneyRead
    high: MoneyRead


class ExpectedEffects(BaseModel):
    """Changes (suggested minus current price) over the horizon, each with its interval."""

    units: UnitsChange
    revenue: MoneyChange
    profit: MoneyChange | None = Field(description="null without a known unit cost")
    interval_level: float | None = Field(None, examples=[0.9])
    horizon_days: int | None = None
    expected_units: float | None = Field(None, description="Units at the suggested price")
    probability_of_gain: float | None = Field(None, description="P(the objective improves)")


class ElasticityRead(BaseModel):
    value: float = Field(examples=[-1.8])
    ci_low: float
    ci_high: float


class ModelRead(BaseModel):
    name: str = Field(examples=["constant_elasticity_glm"])
    version: str = Field(examples=["3"])


class PriceSuggestionRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": _PSG}]})

    id: str
    sku_id: str
    sku_code: str | None
    product_id: str
    status: str = Field(description="pending, accepted, rejected, superseded or expired")
    is_expired: bool
    objective: str = Field(description="profit or revenue")
    currency: str
    current_price: MoneyRead = Field(description="The list price it starts from")
    suggested_price: MoneyRead
    price_change: MoneyRead
    price_change_percent: str = Field(examples=["-4.50"])
    expected_effects: ExpectedEffects
    elasticity: ElasticityRead
    binding_guardrails: list[str] = Field(
        examples=[["max_step"]], description="Guardrails that bound the price"
    )
    reason: str | None = Field(description="Why the price is kept, when it is")
    model: ModelRead
    created_at: str
    expires_at: str
    decided_at: str | None
    decided_by: str | None
    decision_note: str | None
    supersedes_id: str | None


class PriceSuggestionPage(BaseModel):
    items: list[PriceSuggestionRead]
    next_cursor: str | None = NEXT_CURSOR


class HistoryDay(BaseModel):
    date: str
    units: int


class ForecastDay(BaseModel):
    date: str
    mean: float
    lower: float | None = Field(description="Quantile 0.05 (the 90 % interval's lower end)")
    upper: float | None = Field(description="Quantile 0.95")
    quantiles: dict[str, float] = Field(examples=[{"0.05": 1.0, "0.5": 3.0, "0.95": 7.0}])


class DemandForecastRead(BaseModel):
    sku_id: str
    history: list[HistoryDay] = Field(description="Units sold per UTC day, oldest first")
    forecast: list[ForecastDay]
    interval_level: float
    model: ModelRead
    generated_at: str
    start_date: str
    horizon_days: int
    backtest: dict[str, float] | None = Field(description="The model's backtest scores")


# -- pricing policy and inputs ----------------------------------------------------------------
_FRACTION = r"^-?\d{1,6}(\.\d{1,12})?$"  # shape only; ranges and places are the domain's
_AMOUNT = r"^-?\d{1,20}(\.\d{1,12})?$"  # shape only; the currency's minor unit is the domain's


def _fraction(default: str | None, description: str, example: str) -> Any:
    return Field(default, pattern=_FRACTION, description=description, examples=[example])


def _amount(description: str) -> Any:
    return Field(None, pattern=_AMOUNT, description=description, examples=["59.90"])


class PricingPolicyUpdate(BaseModel):
    """The whole policy: an omitted field takes its default, null switches a limit off."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"objective": "revenue", "max_step": "0.05",
                                         "competitor_tolerance": None, "charm": True}]},
    )  # fmt: skip

    is_enabled: bool = Field(True, description="Produce price suggestions for this merchant")
    objective: str = Field("profit", description="profit or revenue", examples=["profit"])
    max_step: str | None = _fraction(
        "0.10", "Largest relative change per suggestion, in (0, 1]; null: off", "0.10"
    )
    margin_floor: str | None = _fraction(
        "0", "Price >= unit cost x (1 + margin_floor), >= 0; null: off", "0.15"
    )
    competitor_tolerance: str | None = _fraction(
        "0.05", "Price <= competitor price x (1 + tolerance), >= 0; null: off", "0.05"
    )
    allow_outside_observed: bool = Field(
        False, description="Allow prices outside the range the SKU has sold at"
    )
    charm: bool = Field(False, description="Only prices ending in 9 (x.99, 1299)")


class PricingPolicyRead(BaseModel):
    merchant_id: str
    is_enabled: bool
    objective: str
    max_step: str | None = Field(description="Decimal string; null: off", examples=["0.1"])
    margin_floor: str | None
    competitor_tolerance: str | None
    allow_outside_observed: bool
    charm: bool
    is_default: bool = Field(description="Never set: these are the defaults")
    updated_at: str | None
    updated_by: str | None


class SkuPricingInputsUpdate(BaseModel):
    """All the SKU's inputs at once, in one of its list-price currencies: an omitted or
    null amount is unknown (cleared)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"currency": "CNY", "unit_cost": "42.00",
                                         "min_price": "59.00", "max_price": "129.00",
                                         "competitor_price": "99.00"}]},
    )  # fmt: skip

    currency: str = Field(pattern=r"^[A-Za-z]{3}$", description="ISO 4217", examples=["CNY"])
    unit_cost: str | None = _amount("What a unit costs the merchant, >= 0")
    min_price: str | None = _amount("Lowest price a suggestion may take, > 0")
    max_price: str | None = _amount("Highest price a suggestion may take, >= min_price")
    competitor_price: str | None = _amount("A competitor's price for the same item, > 0")


class SkuPricingInputsRead(BaseModel):
    sku_id: str
    currency: str | None = Field(description="null until inputs are set")
    unit_cost: MoneyRead | None
    min_price: MoneyRead | None
    max_price: MoneyRead | None
    competitor_price: MoneyRead | None
    list_prices: list[MoneyRead] = Field(description="The SKU's list prices, by currency")
    updated_at: str | None
    updated_by: str | None
