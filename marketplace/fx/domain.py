"""FX rates and conversion of Money at a stated rate.

Standard library only. A rate says "1 ``base`` = ``rate`` ``quote``" on ``rate_date``, as
published by ``source``. A conversion rounds once, half-up to the target currency's minor
unit, and returns a ``Conversion`` that names the rate, its date and its source, so a price
shown in another currency can always say at which rate it was converted (docs/adr/0002).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Context, Decimal, InvalidOperation
from enum import StrEnum
from itertools import pairwise

from marketplace.shared.currency import Currency, get_currency
from marketplace.shared.errors import NotFoundError, ValidationError
from marketplace.shared.money import Money

# Derived rates (inverses, cross rates) are computed to 28 significant digits.
RATE_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation])
RATE_DIGITS = 28
# Far outside any real quotation (KWD per VND is ~1e-5); keeps converted amounts sane.
MIN_RATE = Decimal("1e-12")
MAX_RATE = Decimal("1e12")
MAX_SOURCE_LENGTH = 100


class InvalidFxRateError(ValidationError):
    code = "invalid_fx_rate"


class FxRateNotFoundError(NotFoundError):
    code = "fx_rate_not_found"

    def __init__(self, base: Currency, quote: Currency, on: date) -> None:
        super().__init__(
            f"No {base.code}/{quote.code} rate on or before {on.isoformat()}, "
            "directly, inverted or through the pivot currency.",
            base=base.code,
            quote=quote.code,
            date=on.isoformat(),
        )


class ConversionMethod(StrEnum):
    IDENTITY = "identity"  # same currency, rate 1
    DIRECT = "direct"  # a stored base/quote rate
    INVERSE = "inverse"  # 1 / the stored quote/base rate
    TRIANGULATED = "triangulated"  # two legs through the pivot currency


def parse_rate(value: object) -> Decimal:
    """A rate from text or Decimal: positive, finite, within bounds, at most 28 digits."""
    if isinstance(value, (bool, float)):
        raise InvalidFxRateError(f"Rates must be given as decimal text, not {value!r}.")
    try:
        rate = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise InvalidFxRateError(f"{value!r} is not a decimal rate.") from exc
    if not rate.is_finite() or rate <= 0:
        raise InvalidFxRateError(f"A rate must be a positive number, not {value!r}.")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise InvalidFxRateError(f"Rate {rate} is outside [{MIN_RATE}, {MAX_RATE}].")
    if len(rate.as_tuple().digits) > RATE_DIGITS:
        raise InvalidFxRateError(f"Rate {rate} has more than {RATE_DIGITS} significant digits.")
    return rate


@dataclass(frozen=True, slots=True)
class FxRate:
    """1 ``base`` = ``rate`` ``quote``, published by ``source`` for ``rate_date``."""

    base: Currency
    quote: Currency
    rate: Decimal
    rate_date: date
    source: str

    def __post_init__(self) -> None:
        if self.base == self.quote:
            raise InvalidFxRateError(f"A rate needs two different currencies, not {self.base}.")
        object.__setattr__(self, "rate", parse_rate(self.rate))
        source = self.source.strip() if isinstance(self.source, str) else ""
        if not source or len(source) > MAX_SOURCE_LENGTH:
            raise InvalidFxRateError(f"A rate needs a source of 1..{MAX_SOURCE_LENGTH} chars.")
        object.__setattr__(self, "source", source)

    @classmethod
    def of(cls, base: str, quote: str, rate: object, rate_date: date, source: str) -> FxRate:
        """From ISO codes and rate text: ``FxRate.of("USD", "CNY", "7.1034", d, "PBOC")``."""
        return cls(get_currency(base), get_currency(quote), parse_rate(rate), rate_date, source)

    @property
    def pair(self) -> tuple[str, str]:
        return (self.base.code, self.quote.code)

    def inverse(self) -> FxRate:
        """The quote/base rate, 1 / rate to 28 significant digits; same date and source."""
        inverted = RATE_CONTEXT.divide(Decimal(1), self.rate)
        return FxRate(self.quote, self.base, inverted, self.rate_date, self.source)


def convert(money: Money, to_currency: Currency, rate: FxRate | Decimal) -> Money:
    """``money`` times ``rate``, rounded once, half-up, to ``to_currency``'s minor unit.

    The product is exact before that rounding. An ``FxRate`` must match the pair.
    """
    if isinstance(rate, FxRate):
        if rate.base != money.currency or rate.quote != to_currency:
            raise InvalidFxRateError(
                f"A {rate.base}/{rate.quote} rate cannot convert {money.currency} to {to_currency}."
            )
        rate = rate.rate
    elif not rate.is_finite() or rate <= 0:
        raise InvalidFxRateError(f"A rate must be a positive number, not {rate}.")
    digits = len(money.amount.as_tuple().digits) + len(rate.as_tuple().digits)
    exact = Context(prec=digits + 2, traps=[InvalidOperation]).multiply(money.amount, rate)
    return Money.rounded(exact, to_currency)


@dataclass(frozen=True, slots=True)
class Conversion:
    """What a conversion produced and at which rate: 1 original currency = ``rate`` target.

    ``rate_date`` is the oldest date among the legs used (the honest "as of"); ``legs``
    are the rates themselves (inverted where the method says so).
    """

    original: Money
    converted: Money
    rate: Decimal
    rate_date: date
    source: str
    method: ConversionMethod
    legs: tuple[FxRate, ...] = ()

    @classmethod
    def identity(cls, money: Money, on: date) -> Conversion:
        return cls(money, money, Decimal(1), on, "identity", ConversionMethod.IDENTITY)

    @classmethod
    def through(cls, money: Money, legs: Iterable[FxRate], method: ConversionMethod) -> Conversion:
        """Convert along one rate, or two chained legs (a cross rate, rounded once)."""
        chain = tuple(legs)
        if not chain or chain[0].base != money.currency:
            raise InvalidFxRateError("The legs of a conversion must start at its currency.")
        rate = chain[0].rate
        for previous, leg in pairwise(chain):
            if leg.base != previous.quote:
                raise InvalidFxRateError("The legs of a conversion must chain.")
            rate = RATE_CONTEXT.multiply(rate, leg.rate)
        target = chain[-1].quote
        sources = dict.fromkeys(leg.source for leg in chain)  # ordered, unique
        return cls(
            original=money,
            converted=convert(money, target, rate),
            rate=rate,
            rate_date=min(leg.rate_date for leg in chain),
            source=" + ".join(sources),
            method=method,
            legs=chain,
        )
