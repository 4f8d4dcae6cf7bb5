"""Schemas of FX rates and conversions. Amounts and rates travel as decimal strings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from marketplace.fx.domain import MAX_SOURCE_LENGTH, Conversion, ConversionMethod, FxRate
from marketplace.fx.queries import RateRow
from marketplace.fx.services import MAX_BATCH
from marketplace.shared.money import Money

_CODE = Field(min_length=3, max_length=3, description="ISO 4217 code", examples=["USD"])


def rate_text(rate: Decimal) -> str:
    """Plain notation ("0.00001", never "1E-5"), as clients parse it most easily."""
    return format(rate, "f")


class MoneyRead(BaseModel):
    amount: str = Field(description="Exact decimal string at the currency's minor unit")
    currency: str

    @classmethod
    def of(cls, money: Money) -> MoneyRead:
        return cls(**money.to_dict())


class FxRateRead(BaseModel):
    base: str
    quote: str
    rate: str = Field(description="1 base = rate quote, exact decimal string")
    rate_date: date
    source: str

    @classmethod
    def of(cls, rate: FxRate | RateRow) -> FxRateRead:
        base = rate.base if isinstance(rate.base, str) else rate.base.code
        quote = rate.quote if isinstance(rate.quote, str) else rate.quote.code
        return cls(
            base=base,
            quote=quote,
            rate=rate_text(rate.rate),
            rate_date=rate.rate_date,
            source=rate.source,
        )


class FxRatesTable(BaseModel):
    as_of: date = Field(description="Each pair's latest rate on or before this date")
    base: str | None = Field(description="The base filtered on, if any")
    rates: list[FxRateRead]


class FxRateHistory(BaseModel):
    base: str
    quote: str
    rates: list[FxRateRead] = Field(description="Newest first")


class FxRateLine(BaseModel):
    base: str = _CODE
    quote: str = Field(min_length=3, max_length=3, examples=["CNY"])
    rate: str = Field(
        min_length=1, max_length=40, description="Decimal string; numbers are refused"
    )


class FxRatesUpdate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rate_date": "2026-01-05",
                    "source": "PBOC central parity",
                    "rates": [
                        {"base": "USD", "quote": "CNY", "rate": "7.1034"},
                        {"base": "EUR", "quote": "CNY", "rate": "7.7821"},
                    ],
                }
            ]
        }
    )

    rate_date: date
    source: str = Field(min_length=1, max_length=MAX_SOURCE_LENGTH)
    rates: list[FxRateLine] = Field(min_length=1, max_length=MAX_BATCH)


class FxRatesSaved(BaseModel):
    rate_date: date
    source: str
    rates: list[FxRateRead]


class ConversionRead(BaseModel):
    original: MoneyRead
    converted: MoneyRead
    rate: str = Field(description="1 original currency = rate converted currency")
    rate_date: date = Field(description="Date of the (oldest) rate used")
    source: str
    method: ConversionMethod
    legs: list[FxRateRead] = Field(description="The rates used, inverted where needed")

    @classmethod
    def of(cls, conversion: Conversion) -> ConversionRead:
        return cls(
            original=MoneyRead.of(conversion.original),
            converted=MoneyRead.of(conversion.converted),
            rate=rate_text(conversion.rate),
            rate_date=conversion.rate_date,
            source=conversion.source,
            method=conversion.method,
            legs=[FxRateRead.of(leg) for leg in conversion.legs],
        )
