"""Formatting for replies: supplier text made safe to show, money, numbers, tables.

Supplier-written text is shown as plain data: control and bidi characters go, whitespace
folds to one line, Markdown that could add structure (table bars, emphasis, links,
HTML, code) is dropped, and it is cut to a length. ``grounding`` applies the same
``clean`` to the tool results it checks replies against.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal

from marketplace.shared.currency import CURRENCIES
from procurement_agent.model.results import amount
from procurement_agent.tool_specs import MoneyJSON

ELLIPSIS = "…"
_MARKUP = re.compile(r"[|*`\[\]<>\\_~#]+")
_SPACE = re.compile(r"\s+")
SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$", "JPY": "JP¥"}


def clean(text: str, limit: int | None = 60, *, markup: bool = True) -> str:
    """``text`` as one safe line of at most ``limit`` characters (``…`` when cut);
    ``markup``: drop Markdown characters too."""
    kept = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text
    )
    line = _SPACE.sub(" ", _MARKUP.sub(" ", kept) if markup else kept).strip()
    if limit is not None and len(line) > limit:
        return line[: limit - 1].rstrip() + ELLIPSIS
    return line


def ident(text: str) -> str:
    """An id or code as shown in a code span: one line, no backticks or table bars."""
    return clean(text.replace("`", " ").replace("|", " "), 64, markup=False)


def code(text: str) -> str:
    """An id as a code span (ids come from tool results)."""
    return f"`{ident(text)}`"


def bold(text: str, limit: int = 60) -> str:
    return f"**{clean(text, limit)}**"


def money(value: MoneyJSON) -> str:
    """¥1,250.00, $3.50, 12.00 CHF: the currency's minor unit, thousands separated."""
    code_ = value["currency"]
    currency = CURRENCIES.get(code_)
    places = currency.minor_units if currency is not None else 2
    shown = format(amount(value).quantize(Decimal(1).scaleb(-places)), f",.{places}f")
    symbol = SYMBOLS.get(code_)
    return f"{symbol}{shown}" if symbol else f"{shown} {code_}"


def number(value: Decimal | int | str) -> str:
    """A plain number: 4.80 -> "4.8", 1200 -> "1,200"."""
    d = Decimal(value).normalize()
    if d == d.to_integral_value():
        return format(int(d), ",")
    return format(d, "f")


def percent(rate: str) -> str:
    """A 0-1 rate as a percentage: "0.975" -> "97.5%"."""
    return number(Decimal(rate) * 100) + "%"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A small Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
