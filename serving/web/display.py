"""Money and numbers as a reader sees them: the amount in its own currency, and with the
currency switch (the ``agora_ccy`` cookie, or ``?ccy=``) also converted at the latest stored
FX rate, saying which rate. Amounts are never converted for anything but display: what is
charged is always the original."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request

from marketplace.bootstrap import Marketplace
from marketplace.fx import services as fx
from marketplace.fx.domain import Conversion, FxRateNotFoundError, convert
from marketplace.shared.money import Money

CCY_COOKIE = "agora_ccy"
CURRENCIES = ("CNY", "USD", "EUR", "GBP", "BRL")
SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "BRL": "R$"}


def chosen_currency(request: Request) -> str | None:
    asked = request.query_params.get("ccy")
    if asked == "":
        return None
    if asked in CURRENCIES:
        return asked
    kept = request.cookies.get(CCY_COOKIE)
    return kept if kept in CURRENCIES else None


def as_money(value: Money | dict[str, Any] | None) -> Money | None:
    """A Money, or the API's ``{"amount": "1.00", "currency": "CNY"}``."""
    if value is None or isinstance(value, Money):
        return value
    return Money.of(str(value["amount"]), str(value["currency"]))


def plain(money: Money) -> str:
    """``¥1,234.50``, or ``1,234.50 XXX`` for a currency without a symbol."""
    amount = f"{money.amount:,.{money.currency.minor_units}f}"
    symbol = SYMBOLS.get(money.currency.code)
    if symbol is None:
        return f"{amount} {money.currency.code}"
    return f"-{symbol}{amount[1:]}" if amount.startswith("-") else f"{symbol}{amount}"


@dataclass
class Display:
    """One request's display settings and the conversions it made (cached per request)."""

    container: Marketplace
    locale: str
    currency: str | None
    today: date
    _seen: dict[tuple[str, str], Conversion | None] = field(default_factory=dict)

    def money(self, value: Money | dict[str, Any] | None) -> Markup:
        money = as_money(value)
        if money is None:
            return Markup("—")
        shown = Markup('<span class="money">{}</span>').format(plain(money))
        if self.currency is None or self.currency == money.currency.code:
            return shown
        conversion = self._convert(money)
        if conversion is None:
            return shown
        from serving.web.i18n import translate

        title = translate(
            self.locale, "core.currency.converted", amount=plain(conversion.converted),
            rate=f"{conversion.rate:.6g}", date=conversion.rate_date.isoformat(),
            source=conversion.source,
        )  # fmt: skip
        return shown + Markup(' <span class="converted" title="{}">≈ {}</span>').format(
            title, plain(conversion.converted)
        )

    def _convert(self, money: Money) -> Conversion | None:
        assert self.currency is not None
        key = (money.currency.code, self.currency)
        if key not in self._seen:
            unit = Money.of("1", money.currency.code)
            try:
                self._seen[key] = fx.convert_money(unit, self.currency, on=self.today,
                                                   uow=self.container.uow())  # fmt: skip
            except FxRateNotFoundError:
                self._seen[key] = None
        rate = self._seen[key]
        if rate is None:
            return None
        converted = convert(money, rate.converted.currency, rate.rate)
        return Conversion(money, converted, rate.rate, rate.rate_date, rate.source, rate.method)

    def number(self, value: int | Decimal | float | str | None, places: int = 0) -> str:
        if value is None:
            return "—"
        return f"{Decimal(str(value)):,.{places}f}"

    def percent(self, value: Decimal | float | str | None, places: int = 1) -> str:
        if value is None:
            return "—"
        return f"{Decimal(str(value)) * 100:.{places}f}%"


def escape_text(value: object) -> Markup:
    return escape(str(value))
