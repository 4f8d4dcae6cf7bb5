"""Use cases of the FX area: record a day's rates, convert Money as of a date."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from marketplace.fx.domain import (
    Conversion,
    ConversionMethod,
    FxRate,
    FxRateNotFoundError,
    InvalidFxRateError,
)
from marketplace.fx.ports import FxRateRepository, FxUnitOfWork
from marketplace.shared.currency import Currency, get_currency
from marketplace.shared.errors import DomainError
from marketplace.shared.money import Money

MAX_BATCH = 500
DEFAULT_PIVOT = "CNY"


@dataclass(frozen=True, slots=True)
class RateQuote:
    """One line of a batch: 1 ``base`` = ``rate`` ``quote`` (rate as decimal text)."""

    base: str
    quote: str
    rate: str


@dataclass(frozen=True, slots=True)
class SetRates:
    rate_date: date
    source: str
    rates: Sequence[RateQuote]


def set_rates(cmd: SetRates, *, uow: FxUnitOfWork) -> list[FxRate]:
    """Record (or replace) a batch of rates for one date; all of them or none."""
    rates = _validated(cmd)
    with uow:
        uow.fx_rates.upsert(rates, now=uow.clock.now())
        uow.commit()
    return rates


def _validated(cmd: SetRates) -> list[FxRate]:
    if not cmd.rates or len(cmd.rates) > MAX_BATCH:
        raise InvalidFxRateError(f"A batch holds 1..{MAX_BATCH} rates, not {len(cmd.rates)}.")
    rates: list[FxRate] = []
    seen: set[tuple[str, str]] = set()
    for index, line in enumerate(cmd.rates):
        try:
            rate = FxRate.of(line.base, line.quote, line.rate, cmd.rate_date, cmd.source)
        except DomainError as exc:
            exc.details.setdefault("rate_index", index)  # which line of the batch
            raise
        if rate.pair in seen:
            raise InvalidFxRateError(
                f"{rate.base}/{rate.quote} appears twice in the batch.", rate_index=index
            )
        seen.add(rate.pair)
        rates.append(rate)
    return rates


def convert_money(
    money: Money,
    to: Currency | str,
    *,
    on: date,
    uow: FxUnitOfWork,
    pivot: Currency | str = DEFAULT_PIVOT,
) -> Conversion:
    """Convert at the latest rate on or before ``on``: direct, inverse, or via ``pivot``."""
    with uow:
        return resolve_conversion(money, to, on=on, rates=uow.fx_rates, pivot=pivot)


def resolve_conversion(
    money: Money,
    to: Currency | str,
    *,
    on: date,
    rates: FxRateRepository,
    pivot: Currency | str = DEFAULT_PIVOT,
) -> Conversion:
    """``convert_money`` inside a transaction the caller already holds."""
    source, target = money.currency, _currency(to)
    if source == target:
        return Conversion.identity(money, on)
    direct = rates.latest(source.code, target.code, on=on)
    if direct is not None:
        return Conversion.through(money, [direct], ConversionMethod.DIRECT)
    reverse = rates.latest(target.code, source.code, on=on)
    if reverse is not None:
        return Conversion.through(money, [reverse.inverse()], ConversionMethod.INVERSE)
    hub = _currency(pivot)
    if hub not in (source, target):
        first = _leg(source, hub, on=on, rates=rates)
        second = _leg(hub, target, on=on, rates=rates) if first is not None else None
        if first is not None and second is not None:
            return Conversion.through(money, [first, second], ConversionMethod.TRIANGULATED)
    raise FxRateNotFoundError(source, target, on)


def _leg(base: Currency, quote: Currency, *, on: date, rates: FxRateRepository) -> FxRate | None:
    """The stored base/quote rate, else the inverse of the stored quote/base rate."""
    rate = rates.latest(base.code, quote.code, on=on)
    if rate is not None:
        return rate
    reverse = rates.latest(quote.code, base.code, on=on)
    return reverse.inverse() if reverse is not None else None


def _currency(value: Currency | str) -> Currency:
    return value if isinstance(value, Currency) else get_currency(value)
