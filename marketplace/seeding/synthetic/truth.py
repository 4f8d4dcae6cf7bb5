"""The ground truth of a run, as JSON: what was planted, for tests and model evaluation.

Byte-identical for one seed and parameters: keys sorted, floats rounded, no timestamps of
when it was written.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from marketplace.seeding.synthetic import params as p
from marketplace.seeding.synthetic.model import Product, User
from marketplace.seeding.synthetic.world import World

FORMAT_VERSION = 1


def ground_truth(world: World) -> dict[str, Any]:
    s = world.seasonality
    return {
        "format_version": FORMAT_VERSION,
        "seed": world.params.seed,
        "parameters": world.params.as_json(),
        "model": {
            "elasticity_range": list(p.ELASTICITY_RANGE),
            "expected_adds_per_view": "cart_rate * (price / base_price) ** elasticity "
            "* (promo_conversion_lift if promotion else 1)",
            "quantity_weights": [list(q) for q in p.QUANTITY_WEIGHTS],
            "minor_units_per_major": 100,
            "category_affinity": "(1 - background_affinity) * interest weight "
            "+ background_affinity / number of leaf categories",
        },
        "seasonality": {
            "weekly_monday_first": list(s.weekly),
            "yearly_amplitude": s.yearly_amplitude,
            "yearly_peak_day_of_year": s.yearly_peak_doy,
            "daily_factors": [
                round(f, 6) for f in s.factors(world.params.start, world.params.days)
            ],
        },
        "categories": [
            {
                "index": c.index,
                "slug": c.slug,
                "parent": c.parent,
                "name_en": c.name_en,
                "typical_price": c.typical_price,
            }
            for c in world.categories
        ],
        "merchants": [
            {"index": m.index, "kind": m.kind, "lead_time_days": m.lead_time_days}
            for m in world.merchants
        ],
        "products": [_product(x) for x in world.products],
        "users": [_user(u) for u in world.users],
    }


def _product(x: Product) -> dict[str, Any]:
    return {
        "index": x.index,
        "merchant": x.merchant,
        "category": x.category,
        "base_price_minor": x.base_price,
        "elasticity": x.elasticity,
        "popularity": round(x.popularity, 6),
        "price_changes": [list(c) for c in x.schedule.changes],
        "promotions": [list(pr) for pr in x.schedule.promotions],
    }


def _user(u: User) -> dict[str, Any]:
    return {
        "index": u.index,
        "activity": round(u.activity, 6),
        "interests": [list(i) for i in u.interests],
        "top_category": u.interests[0][0],
        "price_center_minor": u.price_center,
        "price_width": u.price_width,
        "price_band_minor": [
            round(u.price_center * math.exp(-u.price_width)),
            round(u.price_center * math.exp(u.price_width)),
        ],
    }


def truth_json(world: World) -> bytes:
    return (json.dumps(ground_truth(world), sort_keys=True, ensure_ascii=False) + "\n").encode()


def write_truth(world: World, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(truth_json(world))
    return path
