"""What an export is asked for: a dataset and a half-open UTC window ``[since, until)``.

Standard library only. The window applies to one timestamp per dataset (events:
``occurred_at``, orders: ``placed_at``, catalog: ``updated_at``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum

from marketplace.shared.errors import ValidationError


class Dataset(StrEnum):
    EVENTS = "events"
    ORDERS = "orders"
    CATALOG = "catalog"


# Bumped when a column is renamed, retyped or removed (adding one is compatible).
SCHEMA_VERSIONS = {Dataset.EVENTS: 1, Dataset.ORDERS: 1, Dataset.CATALOG: 1}
TIME_COLUMNS = {
    Dataset.EVENTS: "occurred_at",
    Dataset.ORDERS: "placed_at",
    Dataset.CATALOG: "updated_at",
}


class InvalidExportMomentError(ValidationError):
    code = "invalid_export_moment"


class InvalidExportRangeError(ValidationError):
    code = "invalid_export_range"


class ExportSinceRequiredError(ValidationError):
    code = "export_since_required"


class ExportTargetError(ValidationError):
    code = "invalid_export_target"


def parse_moment(text: str) -> datetime:
    """``2026-12-01`` (midnight UTC) or an ISO datetime; one without an offset is UTC."""
    value = text.strip()
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidExportMomentError(
            f"{text!r} is neither a date (YYYY-MM-DD) nor an ISO datetime.", value=text
        ) from exc
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


# Rows held in memory at once (one fetch, one record batch, one Parquet row group).
BATCH_ROWS = 10_000


@dataclass(frozen=True, slots=True)
class ExportRequest:
    dataset: Dataset
    since: datetime | None
    until: datetime | None  # None: the catalog as it stands (no upper bound)
    created_at: datetime
    batch_rows: int = BATCH_ROWS

    @classmethod
    def of(
        cls,
        dataset: Dataset,
        *,
        since: datetime | None,
        until: datetime | None,
        now: datetime,
        batch_rows: int = BATCH_ROWS,
    ) -> ExportRequest:
        """Check the window. Events and orders need ``since``, and ``until`` defaults to
        ``now`` so the manifest says exactly which rows the export could hold; the catalog
        without them is every SKU as it stands."""
        if since is None and dataset is not Dataset.CATALOG:
            raise ExportSinceRequiredError(f"Exporting {dataset.value} needs --since.")
        if until is None and dataset is not Dataset.CATALOG:
            until = now
        start, end = _utc(since), _utc(until)
        if start is not None and end is not None and start >= end:
            raise InvalidExportRangeError(
                "--since must be before --until.", since=start.isoformat(), until=end.isoformat()
            )
        if batch_rows < 1:
            raise InvalidExportRangeError("batch_rows must be at least 1.")
        return cls(dataset, start, end, now.astimezone(UTC), batch_rows)

    @property
    def schema_version(self) -> int:
        return SCHEMA_VERSIONS[self.dataset]

    @property
    def time_column(self) -> str:
        return TIME_COLUMNS[self.dataset]


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise InvalidExportMomentError("Export moments must carry a time zone.")
    return moment.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class WrittenFile:
    path: str  # relative to the export's directory, with "/" separators
    rows: int


@dataclass(frozen=True, slots=True)
class ExportResult:
    request: ExportRequest
    directory: str
    files: tuple[WrittenFile, ...]

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)
