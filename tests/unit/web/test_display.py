from __future__ import annotations

from marketplace.shared.money import Money
from serving.web.display import as_money, plain


def test_money_is_shown_with_its_symbol_and_minor_units() -> None:
    assert plain(Money.of("1234.5", "CNY")) == "¥1,234.50"
    assert plain(Money.of("-3", "GBP")) == "-£3.00"
    assert plain(Money.of("1000", "JPY")) == "1,000 JPY"
    assert as_money({"amount": "1.25", "currency": "GBP"}) == Money.of("1.25", "GBP")
