"""The knobs of the synthetic marketplace, and the fixed constants of its demand model."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

# Bounds of the planted per-product price elasticity (log units sold per log price).
ELASTICITY_RANGE = (-3.0, -0.5)
# A product's regular price moves every few weeks by a factor in this range...
PRICE_CHANGE_RANGE = (0.8, 1.25)
PRICE_CHANGE_EVERY_DAYS = (21, 60)
# ...and it runs promotions (discount windows) now and then.
PROMO_DISCOUNT_RANGE = (0.10, 0.40)
PROMO_LENGTH_DAYS = (3, 10)
PROMO_EVERY_DAYS = (20, 70)
# Quantities bought per cart line: mostly one.
QUANTITY_WEIGHTS = ((1, 0.85), (2, 0.10), (3, 0.05))


class ParamsError(ValueError):
    """Synthetic parameters that cannot make a sound marketplace."""


@dataclass(frozen=True)
class SyntheticParams:
    users: int = 1_000
    merchants: int = 20
    products: int = 500
    days: int = 90
    seed: int = 2026
    start: date = date(2025, 12, 1)
    currency: str = "CNY"
    # Mean sessions a user starts per day (each user's own rate scatters around it).
    sessions_per_user_day: float = 0.08
    # Mean product views in a session (at least one).
    views_per_session: float = 4.0
    search_rate: float = 0.35
    # Expected adds to cart per view at the base price, outside promotions.
    cart_rate: float = 0.12
    remove_rate: float = 0.15
    checkout_rate: float = 0.85
    # A promotion's badge multiplies the add-to-cart probability on top of its discount.
    promo_conversion_lift: float = 1.2
    # Share of a user's views spread evenly over all categories, outside their interests.
    background_affinity: float = 0.05

    def validate(self) -> SyntheticParams:
        for name in ("users", "merchants", "products", "days"):
            if getattr(self, name) < 1:
                raise ParamsError(f"{name} must be at least 1")
        if self.products < self.merchants:
            raise ParamsError("need at least one product per merchant")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ParamsError("currency must be a 3-letter ISO code")
        if self.views_per_session < 1 or self.sessions_per_user_day <= 0:
            raise ParamsError("views_per_session >= 1 and sessions_per_user_day > 0")
        for name in ("search_rate", "remove_rate", "checkout_rate", "background_affinity"):
            if not 0 <= getattr(self, name) <= 1:
                raise ParamsError(f"{name} must be within [0, 1]")
        if not 0 < self.cart_rate <= 1 or self.promo_conversion_lift < 1:
            raise ParamsError("cart_rate must be within (0, 1] and promo_conversion_lift >= 1")
        return self

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["start"] = self.start.isoformat()
        return out
