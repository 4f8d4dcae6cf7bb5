"""Build a daily ``Panel`` from an orders export, or from a plain long DataFrame.

Demand is what paid orders asked for: the quantity of every line whose order was paid
(statuses in ``schema.NOT_DEMAND_STATUSES`` are left out), summed per series and UTC day of
``placed_at``. A series is a SKU (``level="sku"``) or a product (``level="product"``).

The price of a day is the quantity-weighted mean unit price in major units, in the series'
main currency (the one most of its units sold in; lines in other currencies count as units
but not as prices). Days without a sale carry the last known price and promotion state
forward (what the shopper would have seen, as far as the orders tell); before the first
sale the price is NaN and there is no promotion. A day is a promotion day when at least
``schema.PROMO_DAY_SHARE`` of its units sold on promotion (see ``schema`` for the rule).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds

from forecasting import schema as s
from forecasting.base import Panel

_EPOCH = np.datetime64("1970-01-01", "D")


def read_orders(path: str | Path) -> pd.DataFrame:
    """The order lines of an export (its root or its ``orders/`` directory)."""
    root = Path(path)
    if (root / "orders").is_dir():
        root = root / "orders"
    if not root.exists():
        raise FileNotFoundError(f"no orders export at {path}")
    table = ds.dataset(root, format="parquet").to_table(columns=list(s.ORDER_COLUMNS))
    return table.to_pandas()


def panel_from_orders(
    path: str | Path,
    *,
    level: str = "sku",
    min_total_units: float = 0.0,
    min_active_days: int = 0,
    top_n: int | None = None,
    start: date | None = None,
    end: date | None = None,
    net_of_refunds: bool = False,
) -> Panel:
    """A panel of daily demand per SKU (or product) from an ``agora export orders`` output."""
    return panel_from_lines(
        read_orders(path),
        level=level,
        min_total_units=min_total_units,
        min_active_days=min_active_days,
        top_n=top_n,
        start=start,
        end=end,
        net_of_refunds=net_of_refunds,
    )


def panel_from_lines(
    lines: pd.DataFrame,
    *,
    level: str = "sku",
    min_total_units: float = 0.0,
    min_active_days: int = 0,
    top_n: int | None = None,
    start: date | None = None,
    end: date | None = None,
    net_of_refunds: bool = False,
) -> Panel:
    """Like ``panel_from_orders``, from order lines already in memory (export columns)."""
    key = {"sku": s.SKU_ID, "product": s.PRODUCT_ID}.get(level)
    if key is None:
        raise ValueError(f"level must be 'sku' or 'product', not {level!r}")
    daily = daily_demand(lines, key=key, net_of_refunds=net_of_refunds)
    if daily.empty:
        raise ValueError("the orders hold no paid demand")
    panel = _dense_panel(daily, start=start, end=end)
    return filter_series(
        panel, min_total_units=min_total_units, min_active_days=min_active_days, top_n=top_n
    )


def daily_demand(lines: pd.DataFrame, *, key: str, net_of_refunds: bool) -> pd.DataFrame:
    """One row per (series, UTC day) with a sale: units, mean price, promotion share."""
    paid = lines[~lines[s.STATUS].isin(s.NOT_DEMAND_STATUSES)]
    qty = paid[s.QUANTITY].to_numpy(np.float64)
    units = qty - paid[s.REFUNDED_QUANTITY].to_numpy(np.float64) if net_of_refunds else qty
    series = paid[key].astype(str).to_numpy()
    days = _utc_days(paid[s.PLACED_AT])
    currency = paid[s.CURRENCY].astype(str).to_numpy()
    main = _main_currency(series, currency, qty)
    in_main = currency == main.reindex(series).to_numpy()
    decimals = np.array([s.minor_units(c) for c in currency], dtype=np.float64)
    price = paid[s.UNIT_PRICE_MINOR].to_numpy(np.float64) / 10.0**decimals
    promo = is_promotion(
        paid[s.PRICE_RULE].astype(str).to_numpy(),
        paid[s.UNIT_PRICE_MINOR].to_numpy(np.float64),
        paid[s.LIST_PRICE_MINOR].to_numpy(np.float64),
    )
    weight = np.where(in_main, qty, 0.0)
    frame = pd.DataFrame(
        {
            s.SERIES_ID: series,
            s.DATE: days,
            s.UNITS: np.maximum(units, 0.0),
            "_pw": weight * price,
            "_w": weight,
            "_promo": qty * promo,
            "_qty": qty,
        }
    )
    g = frame.groupby([s.SERIES_ID, s.DATE], sort=True).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame(
            {
                s.UNITS: g[s.UNITS],
                s.PRICE: np.where(g["_w"] > 0, g["_pw"] / g["_w"], np.nan),
                s.PROMO: np.where(g["_qty"] > 0, g["_promo"] / g["_qty"], 0.0) >= s.PROMO_DAY_SHARE,
            }
        )
    return out.reset_index()


def is_promotion(rule: np.ndarray, unit_minor: np.ndarray, list_minor: np.ndarray) -> np.ndarray:
    """Per line: a promotion rule, or the catalogue price charged >= 1 % below list."""
    named = np.char.startswith(rule.astype(str), s.PROMO_RULE_PREFIXES[0])
    for prefix in s.PROMO_RULE_PREFIXES[1:]:
        named |= np.char.startswith(rule.astype(str), prefix)
    at_list = np.isin(rule, list(s.PRICE_RULES_AT_LIST))
    discounted = unit_minor <= list_minor * (1.0 - s.PROMO_MIN_DISCOUNT)
    return np.asarray(named | (at_list & discounted & (list_minor > 0)), dtype=bool)


def _utc_days(placed_at: pd.Series) -> np.ndarray:
    stamps = pd.to_datetime(placed_at, utc=True)
    return stamps.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[D]")


def _main_currency(series: np.ndarray, currency: np.ndarray, qty: np.ndarray) -> pd.Series:
    """Per series, the currency most of its units sold in (ties: alphabetical)."""
    frame = pd.DataFrame({"k": series, "c": currency, "q": qty})
    totals = frame.groupby(["k", "c"], sort=True)["q"].sum().reset_index()
    totals = totals.sort_values(["k", "q", "c"], ascending=[True, False, True], kind="stable")
    return totals.drop_duplicates("k").set_index("k")["c"]


def panel_from_frame(
    frame: pd.DataFrame, *, start: date | None = None, end: date | None = None
) -> Panel:
    """A panel from a long frame (series_id, date, units[, price, promo]).

    Days absent from the frame sold nothing and keep the last known price and promotion
    state; a missing ``price`` column means no prices, a missing ``promo`` no promotions.
    """
    missing = {s.SERIES_ID, s.DATE, s.UNITS} - set(frame.columns)
    if missing:
        raise ValueError(f"frame lacks columns {sorted(missing)}")
    if frame.empty:
        raise ValueError("the frame holds no rows")
    daily = pd.DataFrame(
        {
            s.SERIES_ID: frame[s.SERIES_ID].astype(str).to_numpy(),
            s.DATE: pd.to_datetime(frame[s.DATE]).to_numpy().astype("datetime64[D]"),
            s.UNITS: frame[s.UNITS].to_numpy(np.float64),
            s.PRICE: frame[s.PRICE].to_numpy(np.float64) if s.PRICE in frame else np.nan,
            s.PROMO: frame[s.PROMO].to_numpy(bool) if s.PROMO in frame else False,
        }
    )
    if (daily[s.UNITS] < 0).any() or daily[s.UNITS].isna().any():
        raise ValueError("units must be non-negative numbers")
    daily = daily.groupby([s.SERIES_ID, s.DATE], sort=True).agg(
        {s.UNITS: "sum", s.PRICE: "last", s.PROMO: "max"}
    )
    return _dense_panel(daily.reset_index(), start=start, end=end)


def _dense_panel(daily: pd.DataFrame, *, start: date | None, end: date | None) -> Panel:
    """Series x day arrays from rows of (series_id, date, units, price, promo)."""
    days = daily[s.DATE].to_numpy().astype("datetime64[D]")
    first = np.datetime64(start, "D") if start is not None else days.min()
    last = np.datetime64(end, "D") if end is not None else days.max()
    if last < first:
        raise ValueError("the panel would end before it starts")
    keep = (days >= first) & (days <= last)
    daily, days = daily[keep], days[keep]
    ids, rows = np.unique(daily[s.SERIES_ID].to_numpy().astype(str), return_inverse=True)
    cols = (days - first).astype(np.int64)
    shape = (len(ids), int((last - first).astype(np.int64)) + 1)
    units = np.zeros(shape)
    np.add.at(units, (rows, cols), daily[s.UNITS].to_numpy(np.float64))
    price = np.full(shape, np.nan)
    price[rows, cols] = daily[s.PRICE].to_numpy(np.float64)
    promo = np.full(shape, np.nan)
    promo[rows, cols] = daily[s.PROMO].to_numpy(np.float64)
    start_day = date(1970, 1, 1) + timedelta(days=int((first - _EPOCH).astype(np.int64)))
    return Panel(
        series_ids=ids,
        start=start_day,
        units=units,
        price=forward_fill(price),
        promo=np.nan_to_num(forward_fill(promo), nan=0.0).astype(bool),
    )


def forward_fill(values: np.ndarray) -> np.ndarray:
    """Each row's NaNs replaced by the last value before them (leading NaNs stay)."""
    idx = np.where(np.isnan(values), 0, np.arange(values.shape[1]))
    np.maximum.accumulate(idx, axis=1, out=idx)
    filled = values[np.arange(values.shape[0])[:, None], idx]
    return np.asarray(filled, dtype=np.float64)


def filter_series(
    panel: Panel,
    *,
    min_total_units: float = 0.0,
    min_active_days: int = 0,
    top_n: int | None = None,
) -> Panel:
    """Keep series with enough units and sale days; then the ``top_n`` by units."""
    total = panel.units.sum(axis=1)
    active = (panel.units > 0).sum(axis=1)
    keep = np.flatnonzero((total >= min_total_units) & (active >= min_active_days))
    if top_n is not None:
        # Most units first; ties broken by series id so the choice is reproducible.
        order = np.lexsort((panel.series_ids[keep], -total[keep]))
        keep = np.sort(keep[order[:top_n]])
    return panel.select(keep)
