"""The pricing pipeline's data: the product panel ``build`` writes, the products'
categories, and the time split.

The panel is ``forecasting.panel``'s at product level (daily units, the price paid,
promotion; SKUs of a product share its price and elasticity), stored as ``panel.npz``
(read without pickle), with ``categories.json`` (product -> category, the group an
elasticity shrinks toward). The split: the test window is the last ``holdout_days`` of the
panel, the validation window the ``holdout_days`` before it; a recipe scored on a window
is fitted on every day before it.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from forecasting import schema
from forecasting.base import Panel

# The panel's file is shared with the other panel family; the stages and the notebooks read
# it through this module.
from pipelines.panels import PANEL_FILE as PANEL_FILE
from pipelines.panels import read_panel as read_panel
from pipelines.panels import write_panel as write_panel

CATEGORIES_FILE = "categories.json"
SPLIT_FILE = "split.json"
CATEGORY = "category_id"
ORDER_COLUMNS = [*schema.ORDER_COLUMNS, CATEGORY]


def sold_lines(batch: pa.Table) -> pa.Table:
    """Lines of paid orders with a product (a Ray Data batch UDF), in the columns the panel
    and the categories need. ``forecasting.panel`` applies the same status rule again."""
    statuses = pa.array(sorted(schema.NOT_DEMAND_STATUSES))
    keep = pc.and_(pc.invert(pc.is_in(batch[schema.STATUS], value_set=statuses)),
                   pc.is_valid(batch[schema.PRODUCT_ID]))  # fmt: skip
    return batch.filter(keep).select(ORDER_COLUMNS)


def categories(lines: pa.Table) -> dict[str, str]:
    """Product -> its category (the first one seen; a product has one)."""
    products = lines[schema.PRODUCT_ID].to_pylist()
    cats = lines[CATEGORY].to_pylist()
    out: dict[str, str] = {}
    for product, category in zip(products, cats, strict=True):
        out.setdefault(str(product), str(category) if category is not None else "")
    return out


def trim_leading(panel: Panel) -> Panel:
    """The panel from the first day anything sold (days before it hold nothing)."""
    sold = (panel.units > 0).any(axis=0)
    first = int(np.argmax(sold)) if sold.any() else 0
    return panel.window(first, panel.n_days - first) if first else panel


def read_categories(build_dir: Path) -> dict[str, str]:
    found: dict[str, str] = json.loads((build_dir / CATEGORIES_FILE).read_text())
    return found


@dataclass(frozen=True)
class Split:
    """Columns of the panel where the windows start; each window is ``holdout_days`` long
    and ends where the next one (or the panel) starts."""

    n_days: int
    holdout_days: int
    test_start: int
    validation_start: int

    def window(self, name: str) -> tuple[int, int]:
        """(first column, days) of ``"test"`` or ``"validation"``."""
        first = {"test": self.test_start, "validation": self.validation_start}[name]
        return first, self.holdout_days

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Split:
        return cls(int(data["n_days"]), int(data["holdout_days"]), int(data["test_start"]),
                   int(data["validation_start"]))  # fmt: skip


def split_for(n_days: int, *, holdout_days: int, min_fit_days: int) -> Split:
    """The test window after at least ``min_fit_days``; ValueError when it does not fit.
    (The validation window may start before ``min_fit_days``: tuning then stands down.)"""
    if holdout_days < 1:
        raise ValueError("holdout_days must be positive")
    test_start = n_days - holdout_days
    if test_start < min_fit_days:
        raise ValueError(
            f"{n_days} days of sales cannot hold a test window of {holdout_days} days after "
            f"{min_fit_days} days to fit on (needs {min_fit_days + holdout_days})"
        )
    return Split(n_days, holdout_days, test_start, test_start - holdout_days)


def read_split(build_dir: Path) -> Split:
    return Split.from_dict(json.loads((build_dir / SPLIT_FILE).read_text())["split"])


def describe(panel: Panel, split: Split) -> dict[str, Any]:
    """What split.json records besides the split: the panel and the windows as dates."""
    days = panel.dates()
    priced = np.isfinite(panel.price)
    log_price = np.log(np.where(priced & (panel.price > 0), panel.price, np.nan))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a product without a known price
        moved = np.nanmax(log_price, axis=1) - np.nanmin(log_price, axis=1) > 0.02
    return {
        "products": panel.n_series,
        "days": panel.n_days,
        "start": panel.start.isoformat(),
        "end": panel.end.isoformat(),
        "units": float(panel.units.sum()),
        "zero_share": float((panel.units == 0).mean()) if panel.units.size else 0.0,
        "products_with_price_changes": int(moved.sum()),
        "test_start": days[split.test_start].isoformat(),
        "validation_start": (
            days[split.validation_start].isoformat() if split.validation_start >= 0 else None
        ),
    }
