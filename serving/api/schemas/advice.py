"""Schemas of the merchant's price suggestions and demand forecasts. Responses are the read
models of ``marketplace.advice.queries``; money is ``{"amount": "12.30", "currency": "CNY"}``,
statistics (units, elasticities) are numbers."""

from __future__ import annotations

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
