"""ISO 4217 currencies with their minor units."""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.shared.errors import ValidationError


@dataclass(frozen=True, slots=True)
class Currency:
    """An ISO 4217 currency; ``minor_units`` is the number of decimal places (CNY 2, JPY 0)."""

    code: str
    minor_units: int
    name: str

    def __str__(self) -> str:
        return self.code


# The currencies a marketplace in and around China, and its cross-border sellers, meets.
_ISO_4217: tuple[tuple[str, int, str], ...] = (
    ("CNY", 2, "Chinese yuan"),
    ("HKD", 2, "Hong Kong dollar"),
    ("TWD", 2, "New Taiwan dollar"),
    ("MOP", 2, "Macanese pataca"),
    ("USD", 2, "US dollar"),
    ("EUR", 2, "Euro"),
    ("GBP", 2, "Pound sterling"),
    ("JPY", 0, "Japanese yen"),
    ("KRW", 0, "South Korean won"),
    ("SGD", 2, "Singapore dollar"),
    ("MYR", 2, "Malaysian ringgit"),
    ("THB", 2, "Thai baht"),
    ("VND", 0, "Vietnamese dong"),
    ("IDR", 2, "Indonesian rupiah"),
    ("INR", 2, "Indian rupee"),
    ("AUD", 2, "Australian dollar"),
    ("CAD", 2, "Canadian dollar"),
    ("CHF", 2, "Swiss franc"),
    ("RUB", 2, "Russian ruble"),
    ("BRL", 2, "Brazilian real"),
    ("AED", 2, "UAE dirham"),
    ("KWD", 3, "Kuwaiti dinar"),
    ("BHD", 3, "Bahraini dinar"),
)

CURRENCIES: dict[str, Currency] = {c: Currency(c, m, n) for c, m, n in _ISO_4217}


def get_currency(code: str) -> Currency:
    """Look up a supported currency by its ISO code (case-insensitive)."""
    currency = CURRENCIES.get(code.strip().upper()) if isinstance(code, str) else None
    if currency is None:
        raise UnsupportedCurrencyError(code)
    return currency


class UnsupportedCurrencyError(ValidationError):
    code = "unsupported_currency"

    def __init__(self, currency_code: object) -> None:
        super().__init__(f"Currency {currency_code!r} is not a supported ISO 4217 code.")


CNY = CURRENCIES["CNY"]
USD = CURRENCIES["USD"]
EUR = CURRENCIES["EUR"]
JPY = CURRENCIES["JPY"]
