"""Money: an exact ``Decimal`` amount in one currency, always at that currency's minor unit.

Rounding (see docs/adr/0002): ROUND_HALF_UP to the currency's minor unit, applied once,
where a computation leaves the exact world (a price times a factor, an FX conversion).
Splits use largest-remainder allocation, so the parts always add up to the whole.

Every operation runs in this module's own decimal context, never the caller's: a thread
that lowered ``getcontext().prec`` must not be able to round a price silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation
from fractions import Fraction
from functools import total_ordering

from marketplace.shared.currency import Currency, get_currency
from marketplace.shared.errors import ValidationError

ROUNDING = ROUND_HALF_UP

# An amount holds at most this many digits once written in minor units (fen, cents); far
# beyond BIGINT storage, and what a 28-digit Decimal can carry.
MAX_MINOR_DIGITS = 28
_MAX_MINOR = 10**MAX_MINOR_DIGITS
# Wide enough that adding, subtracting and quantizing amounts within the limit is exact.
_CONTEXT = Context(prec=2 * MAX_MINOR_DIGITS + 8, rounding=ROUNDING, traps=[InvalidOperation])


class InvalidMoneyError(ValidationError):
    code = "invalid_money"


class CurrencyMismatchError(ValidationError):
    code = "currency_mismatch"

    def __init__(self, left: Currency, right: Currency) -> None:
        super().__init__(f"Cannot combine {left.code} with {right.code}.")


def _quantum(currency: Currency) -> Decimal:
    return Decimal(1).scaleb(-currency.minor_units)


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, (bool, float)):
        # Floats cannot represent most prices exactly; refusing them keeps errors out.
        raise InvalidMoneyError(f"Money amounts must be Decimal, int or str, not {value!r}.")
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InvalidMoneyError(f"{value!r} is not a valid amount.") from exc
    if not result.is_finite():
        raise InvalidMoneyError(f"{value!r} is not a finite amount.")
    return result


def _to_currency(currency: Currency | str) -> Currency:
    return currency if isinstance(currency, Currency) else get_currency(currency)


def _out_of_range(amount: Decimal, currency: Currency) -> InvalidMoneyError:
    return InvalidMoneyError(
        f"{amount} {currency.code} is beyond the {MAX_MINOR_DIGITS} digits an amount may hold.",
        code="money_out_of_range",
    )


def _quantize(amount: Decimal, currency: Currency, rounding: str) -> Decimal:
    """``amount`` at the currency's minor unit, or an error if it is far too large."""
    # Checked first, so that an exponent like 1E+999999 never reaches quantize().
    if amount and amount.adjusted() + currency.minor_units >= MAX_MINOR_DIGITS:
        raise _out_of_range(amount, currency)
    result = amount.quantize(_quantum(currency), rounding=rounding, context=_CONTEXT)
    if result.scaleb(currency.minor_units, context=_CONTEXT).copy_abs() >= _MAX_MINOR:
        raise _out_of_range(amount, currency)  # 99.995 may round up to a new digit
    # No "-0.00": a tiny negative result that rounds to zero is plain zero.
    return result.copy_abs() if result.is_zero() else result


def _exact_product(a: Decimal, b: Decimal) -> Decimal:
    """``a * b`` with no rounding at all (the context is as wide as the digits need)."""
    digits = len(a.as_tuple().digits) + len(b.as_tuple().digits)
    return Context(prec=digits + 2, traps=[InvalidOperation]).multiply(a, b)


@total_ordering
@dataclass(frozen=True, slots=True)
class Money:
    """An amount of one currency. Construction refuses more decimals than the currency has."""

    amount: Decimal
    currency: Currency

    def __post_init__(self) -> None:
        currency = _to_currency(self.currency)
        amount = _to_decimal(self.amount)
        quantized = _quantize(amount, currency, ROUND_DOWN)
        if quantized != amount:
            raise InvalidMoneyError(
                f"{amount} has more decimals than {currency.code} allows ({currency.minor_units}).",
                code="money_precision",
            )
        object.__setattr__(self, "amount", quantized)
        object.__setattr__(self, "currency", currency)

    # -- construction -------------------------------------------------------------
    @classmethod
    def of(cls, amount: object, currency: Currency | str) -> Money:
        """Exact construction: ``Money.of("12.30", "CNY")``; too many decimals is an error."""
        return cls(_to_decimal(amount), _to_currency(currency))

    @classmethod
    def rounded(cls, amount: object, currency: Currency | str) -> Money:
        """Construction that rounds half-up to the minor unit (for computed amounts)."""
        cur = _to_currency(currency)
        return cls(_quantize(_to_decimal(amount), cur, ROUNDING), cur)

    @classmethod
    def zero(cls, currency: Currency | str) -> Money:
        return cls.of(0, currency)

    @classmethod
    def from_minor(cls, minor: int, currency: Currency | str) -> Money:
        """From an integer count of minor units (how amounts are stored)."""
        cur = _to_currency(currency)
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise InvalidMoneyError(f"Minor units must be an int, not {minor!r}.")
        if abs(minor) >= _MAX_MINOR:
            raise _out_of_range(Decimal(minor), cur)
        return cls(Decimal(minor).scaleb(-cur.minor_units, context=_CONTEXT), cur)

    @property
    def minor(self) -> int:
        """The amount as an integer count of minor units (fen, cents)."""
        return int(self.amount.scaleb(self.currency.minor_units, context=_CONTEXT))

    # -- arithmetic -----------------------------------------------------------------
    def _check(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"Expected Money, got {type(other).__name__}.")
        if other.currency != self.currency:
            raise CurrencyMismatchError(self.currency, other.currency)
        return other

    def __add__(self, other: Money) -> Money:
        return Money(_CONTEXT.add(self.amount, self._check(other).amount), self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(_CONTEXT.subtract(self.amount, self._check(other).amount), self.currency)

    def __neg__(self) -> Money:
        return Money(self.amount.copy_negate(), self.currency)

    def __abs__(self) -> Money:
        return Money(self.amount.copy_abs(), self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, Money):
            raise TypeError("Cannot multiply Money by Money.")
        # The product is exact before the one half-up rounding; rounding it first to the
        # context's 28 digits (half-even) could turn 0.00499... into a tie and round up.
        return Money.rounded(_exact_product(self.amount, _to_decimal(factor)), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._check(other).amount

    def __bool__(self) -> bool:
        return self.amount != 0

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    def allocate(self, ratios: Sequence[int | Decimal]) -> list[Money]:
        """Split into parts proportional to ``ratios`` that add up exactly to ``self``.

        Largest-remainder method on minor units; ties go to the earlier part. The shares
        are exact fractions, so no ratio is too fine or too large to split by.
        """
        weights = [Fraction(_to_decimal(r)) for r in ratios]
        if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
            raise InvalidMoneyError("Allocation ratios must be non-negative and not all zero.")
        total_minor, total_weight = self.minor, sum(weights)
        sign = -1 if total_minor < 0 else 1
        exact = [abs(total_minor) * w / total_weight for w in weights]
        parts = [int(e) for e in exact]  # floor: every share is non-negative
        leftover = abs(total_minor) - sum(parts)
        by_remainder = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
        for i in by_remainder[:leftover]:
            parts[i] += 1
        return [Money.from_minor(sign * p, self.currency) for p in parts]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency.code}"

    def to_dict(self) -> dict[str, str]:
        """JSON form: the amount as a string, never a float."""
        return {"amount": str(self.amount), "currency": self.currency.code}


def sum_money(items: Iterable[Money], currency: Currency | str) -> Money:
    """Sum that is well defined for an empty iterable."""
    total = Money.zero(currency)
    for item in items:
        total = total + item
    return total
