"""The daily panel the forecast and pricing families build from the orders export.

``build`` reads the export's lines with Ray Data, keeping what the family's batch filter
keeps, and ends the panel on the last complete day with sales. The panel
(``forecasting.panel``'s: daily units, price and promotion per series) is stored as
``panel.npz``, read without pickle.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from forecasting import schema
from forecasting.base import Panel
from pipelines.ray_data import read_with_ray
from pipelines.stages import PipelineError

PANEL_FILE = "panel.npz"


def read_lines(
    extracted: dict[str, Any], columns: list[str], clean: Callable[[pa.Table], pa.Table],
    *, empty: str,
) -> tuple[pa.Table, date]:  # fmt: skip
    """The lines of extract's orders export that ``clean`` keeps (read by Ray Data tasks)
    and the last complete day among them; PipelineError(``empty``) when none is kept."""
    tables = read_with_ray(Path(extracted["datasets"]["orders"]), columns, clean=clean)
    if not tables:
        raise PipelineError(empty)
    lines = pa.concat_tables(tables)
    until = extracted["fingerprint"]["datasets"]["orders"]["time_range"] or {}
    return lines, last_complete_day(lines[schema.PLACED_AT], until.get("until"))


def last_complete_day(placed_at: pa.ChunkedArray[Any], until: str | None) -> date:
    """The last UTC day with a sale, or the day before ``until`` (the export's end) when
    that day was still being lived."""
    last = pc.max(placed_at).as_py()
    if not isinstance(last, datetime):
        raise ValueError("no order lines")
    day = last.date()
    if until:
        end = datetime.fromisoformat(until).date()
        if end <= day:
            day = end - timedelta(days=1)
    return day


def write_panel(path: Path, panel: Panel) -> None:
    np.savez_compressed(
        path, series_ids=panel.series_ids.astype(str), start=np.array(panel.start.isoformat()),
        units=panel.units, price=panel.price, promo=panel.promo,
    )  # fmt: skip


def read_panel(build_dir: Path) -> Panel:
    with np.load(build_dir / PANEL_FILE, allow_pickle=False) as npz:
        return Panel(
            series_ids=npz["series_ids"].astype(str),
            start=date.fromisoformat(str(npz["start"])),
            units=npz["units"], price=npz["price"], promo=npz["promo"].astype(bool),
        )  # fmt: skip
