"""What the parser understands of one buyer turn: an intent and typed slots.

Amounts are ``Decimal`` throughout. A money mention keeps its currency only when the
buyer said one (``None`` otherwise: the caller knows the company's currency, the parser
does not); ``Amount.to_money`` turns it into the marketplace's ``Money``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from marketplace.shared.money import Money

Lang = Literal["en", "zh", "mixed"]


class Intent(StrEnum):
    SEARCH_OFFERS = "search_offers"  # find or compare suppliers and offers
    PLACE_ORDER = "place_order"  # confirm the current draft: "yes, place it", "确认下单"
    REJECT = "reject"  # decline the draft or the question: "no", "算了"
    EDIT = "edit"  # change the draft: "make it 800", "换第二家"
    ORDER_STATUS = "order_status"  # "where is my order", "订单到哪了"
    SUPPLIER_DETAILS = "supplier_details"  # "tell me about supplier 2"
    SELECT_OFFER = "select_offer"  # "the first one", "第二个"
    GREETING = "greeting"  # greetings, thanks and requests for help
    OUT_OF_SCOPE = "out_of_scope"


class Preference(StrEnum):
    CHEAPEST = "cheapest"
    FASTEST = "fastest"
    BEST_VALUE = "best_value"
    VERIFIED_ONLY = "verified_only"
    HIGHEST_RATED = "highest_rated"


# Preferences that pick a sort order: a newer one replaces an older one.
SORT_PREFERENCES = frozenset(
    {Preference.CHEAPEST, Preference.FASTEST, Preference.BEST_VALUE, Preference.HIGHEST_RATED}
)


@dataclass(frozen=True, slots=True)
class Spec:
    """A product specification: ``kind`` size|material|grade|colour|standard, ``value``
    canonical and language-neutral ("M8", "stainless steel", "304", "black", "DIN 933")."""

    kind: str
    value: str


@dataclass(frozen=True, slots=True)
class Quantity:
    amount: Decimal
    unit: str | None = None  # canonical: pcs, box, pallet, kg, t, m, set, pair, ...; None: unsaid

    def __str__(self) -> str:
        return f"{plain(self.amount)} {self.unit}" if self.unit else plain(self.amount)


@dataclass(frozen=True, slots=True)
class Amount:
    """A money mention; ``currency`` is an ISO code, or ``None`` when the buyer gave none."""

    amount: Decimal
    currency: str | None = None

    def to_money(self, default_currency: str) -> Money:
        """The marketplace ``Money``, rounded half-up to the currency's minor unit."""
        return Money.rounded(self.amount, self.currency or default_currency)

    def __str__(self) -> str:
        return f"{plain(self.amount)} {self.currency}" if self.currency else plain(self.amount)


@dataclass(frozen=True, slots=True)
class Place:
    """A delivery place: canonical English ``name``, ISO country, and the province or state
    (``region``: what ``OfferQuery.region`` takes; "" when the place is a whole country)."""

    name: str
    country: str
    region: str = ""

    def __str__(self) -> str:
        return f"{self.name}/{self.country}"


@dataclass(frozen=True, slots=True)
class OfferRef:
    """A reference to a listed offer: by 1-based ``position`` (-1: the last one) or by the
    property that singles it out (``by``: "the cheapest one", "最快的那家")."""

    position: int | None = None
    by: Preference | None = None

    def __str__(self) -> str:
        return str(self.by) if self.by is not None else str(self.position)


@dataclass(frozen=True, slots=True)
class Understanding:
    text: str
    lang: Lang
    intent: Intent
    product: str | None = None
    specs: tuple[Spec, ...] = ()
    quantity: Quantity | None = None
    budget: Amount | None = None
    max_unit_price: Amount | None = None
    deadline: date | None = None
    location: Place | None = None
    preferences: tuple[Preference, ...] = ()
    ref: OfferRef | None = None
    supplier_name: str | None = None

    @property
    def reply_lang(self) -> Literal["en", "zh"]:
        """The language to answer in: Chinese for Chinese and mixed turns."""
        return "en" if self.lang == "en" else "zh"

    def slots(self) -> dict[str, str | list[str]]:
        """The slots as plain strings (evaluation, logs): absent slots are left out."""
        out: dict[str, str | list[str]] = {}
        if self.product:
            out["product"] = self.product
        if self.specs:
            out["specs"] = sorted(s.value for s in self.specs)
        if self.quantity is not None:
            out["quantity"] = plain(self.quantity.amount)
            if self.quantity.unit:
                out["unit"] = self.quantity.unit
        for name, amount in (("budget", self.budget), ("max_unit_price", self.max_unit_price)):
            if amount is not None:
                out[name] = str(amount)
        if self.deadline is not None:
            out["deadline"] = self.deadline.isoformat()
        if self.location is not None:
            out["location"] = str(self.location)
        if self.preferences:
            out["preferences"] = sorted(p.value for p in self.preferences)
        if self.ref is not None:
            out["ordinal"] = str(self.ref)
        if self.supplier_name:
            out["supplier_name"] = self.supplier_name
        return out


def plain(value: Decimal) -> str:
    """``Decimal`` without exponent or trailing zeros: 1.50 -> "1.5", 2E+4 -> "20000"."""
    text = format(value.normalize(), "f")
    return text if text != "-0" else "0"
