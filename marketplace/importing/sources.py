"""Reading the data sets: gzip CSV row by row (never a whole file in memory), source
timestamps as UTC, and the cleaning report (rows dropped, by reason)."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def csv_rows(path: Path, *, limit: int | None = None) -> Iterator[dict[str, str]]:
    """The rows of a (gzip) CSV file as dicts, streamed; at most ``limit`` rows."""
    with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
        for index, row in enumerate(csv.DictReader(fh)):
            if limit is not None and index >= limit:
                return
            yield row


def utc(text: str) -> datetime:
    """``YYYY-MM-DD HH:MM:SS`` (both data sets write UTC or local time without a zone;
    we read it as UTC, see docs/data/importers.md)."""
    return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


@dataclass
class ImportReport:
    """What an import read, dropped (by reason) and wrote (rows per table)."""

    source: str
    rows_read: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    kept: Counter[str] = field(default_factory=Counter)  # records made, by kind
    written: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def drop(self, reason: str, count: int = 1) -> None:
        self.dropped[reason] += count

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "rows_read": self.rows_read,
            "dropped": dict(sorted(self.dropped.items())), "kept": dict(sorted(self.kept.items())),
            "written": self.written, "seconds": round(self.seconds, 2),
        }  # fmt: skip

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
