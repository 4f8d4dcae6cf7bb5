"""Money: an exact ``Decimal`` amount in one currency, always at that currency's minor unit.

Rounding (see docs/adr/0002): ROUND_HALF_UP to the currency's minor unit, applied once,
where a computation leaves the exact world (a price times a factor, an FX conversion).
Splits use largest-remainder allocation, so the parts always add up to the whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import total_ordering

from marketplace.shared.currency import Currency, get_currency
from marketplace.shared.errors import ValidationError

ROUNDING = ROUND_HALF_UP


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


@total_ordering
@dataclass(frozen=True, slots=True)
class Money:
    """An amount of one currency. Construction refuses more decimals than the currency has."""

    amount: Decimal
    currency: Currency

    def __post_init__(self) -> None:
        amount = _to_decimal(self.amount)
        quantum = _quantum(self.currency)
        quantized = amount.quantize(quantum, rounding=ROUND_DOWN)
        if quantized != amount:
            raise InvalidMoneyError(
                f"{amount} has more decimals than {self.currency.code} allows "
                f"({self.currency.minor_units}).",
                code="money_precision",
            )
        object.__setattr__(self, "amount", quantized)

    # -- construction -------------------------------------------------------------
    @classmethod
    def of(cls, amount: object, currency: Currency | str) -> Money:
        """Exact construction: ``Money.of("12.30", "CNY")``; too many decimals is an error."""
        cur = currency if isinstance(currency, Currency) else get_currency(currency)
        return cls(_to_decimal(amount), cur)

    @classmethod
    def rounded(cls, amount: object, currency: Currency | str) -> Money:
        """Construction that rounds half-up to the minor unit (for computed amounts)."""
        cur = currency if isinstance(currency, Currency) else get_currency(currency)
        return cls(_to_decimal(amount).quantize(_quantum(cur), rounding=ROUNDING), cur)

    @classmethod
    def zero(cls, currency: Currency | str) -> Money:
        return cls.of(0, currency)

    @classmethod
    def from_minor(cls, minor: int, currency: Currency | str) -> Money:
        """From an integer count of minor units (how amounts are stored)."""
        cur = currency if isinstance(currency, Currency) else get_currency(currency)
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise InvalidMoneyError(f"Minor units must be an int, not {minor!r}.")
        return cls(Decimal(minor).scaleb(-cur.minor_units), cur)

    @property
    def minor(self) -> int:
        """The amount as an integer count of minor units (fen, cents)."""
        return int(self.amount.scaleb(self.currency.minor_units))

    # -- arithmetic -----------------------------------------------------------------
    def _check(self, other: object) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"Expected Money, got {type(other).__name__}.")
        if other.currency != self.currency:
            raise CurrencyMismatchError(self.currency, other.currency)
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._check(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._check(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: object) -> Money:
        if isinstance(factor, Money):
            raise TypeError("Cannot multiply Money by Money.")
        return Money.rounded(self.amount * _to_decimal(factor), self.currency)

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

        Largest-remainder method on minor units; ties go to the earlier part.
        """
        weights = [_to_decimal(r) for r in ratios]
        if not weights or any(w < 0 for w in weights) or sum(weights) == 0:
            raise InvalidMoneyError("Allocation ratios must be non-negative and not all zero.")
        total_minor, total_weight = self.minor, sum(weights)
        sign = -1 if total_minor < 0 else 1
        exact = [abs(total_minor) * w / total_weight for w in weights]
        parts = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
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
