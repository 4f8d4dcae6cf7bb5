"""FX: the public rates table and converter, and the platform's batch upload of rates."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from marketplace.fx import queries, services
from marketplace.shared.money import Money
from serving.api.deps import App
from serving.api.schemas.fx import (
    ConversionRead,
    FxRateHistory,
    FxRateRead,
    FxRatesSaved,
    FxRatesTable,
    FxRatesUpdate,
)
from serving.api.security import PlatformAdmin

router = APIRouter(tags=["fx"])

_Code = Annotated[str, Query(min_length=3, max_length=3, description="ISO 4217 code")]
_OnDate = Annotated[
    date | None, Query(alias="date", description="As of this date (default: today, UTC)")
]


def _today(container: App) -> date:
    return container.clock.now().date()


@router.get("/fx/rates", summary="Each pair's latest rate on or before a date")
def list_rates(
    container: App,
    on: _OnDate = None,
    base: Annotated[str | None, Query(min_length=3, max_length=3)] = None,
) -> FxRatesTable:
    as_of = on or _today(container)
    rows = queries.latest_rates(container.engine, on=as_of, base=base)
    return FxRatesTable(
        as_of=as_of,
        base=base.upper() if base else None,
        rates=[FxRateRead.of(r) for r in rows],
    )


@router.get("/fx/rates/history", summary="One pair's stored rates, newest first")
def rate_history(
    container: App,
    base: _Code,
    quote: _Code,
    start: date | None = None,
    end: date | None = None,
    limit: Annotated[int, Query(ge=1, le=queries.MAX_HISTORY)] = 366,
) -> FxRateHistory:
    rows = queries.rate_history(container.engine, base, quote, start=start, end=end, limit=limit)
    return FxRateHistory(
        base=base.upper(), quote=quote.upper(), rates=[FxRateRead.of(r) for r in rows]
    )


_CONVERT_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "fx_rate_not_found"},
    422: {"description": "invalid_money / money_precision / unsupported_currency"},
}


@router.get(
    "/fx/convert",
    summary="Convert an amount at the latest rate on or before a date",
    description=(
        "Uses the pair's rate, else the inverse pair's, else two legs through the platform's "
        "default currency; rounds once, half-up, to the target's minor unit. The answer "
        "states the rate, its date and source."
    ),
    responses=_CONVERT_ERRORS,
)
def convert(
    container: App,
    amount: Annotated[str, Query(max_length=40, description="Decimal string, e.g. 12.30")],
    from_currency: Annotated[str, Query(alias="from", min_length=3, max_length=3)],
    to_currency: Annotated[str, Query(alias="to", min_length=3, max_length=3)],
    on: _OnDate = None,
) -> ConversionRead:
    conversion = services.convert_money(
        Money.of(amount, from_currency),
        to_currency,
        on=on or _today(container),
        uow=container.uow(),
        pivot=container.settings.default_currency,
    )
    return ConversionRead.of(conversion)


@router.put(
    "/admin/fx/rates",
    summary="Record a batch of rates for one date (platform admin); replaces same-day rates",
    responses={
        403: {"description": "platform_admin_required"},
        422: {"description": "invalid_fx_rate / unsupported_currency"},
    },
)
def put_rates(body: FxRatesUpdate, admin: PlatformAdmin, container: App) -> FxRatesSaved:
    cmd = services.SetRates(
        rate_date=body.rate_date,
        source=body.source,
        rates=[services.RateQuote(line.base, line.quote, line.rate) for line in body.rates],
    )
    stored = services.set_rates(cmd, uow=container.uow())
    return FxRatesSaved(
        rate_date=body.rate_date,
        source=stored[0].source,
        rates=[FxRateRead.of(r) for r in stored],
    )
