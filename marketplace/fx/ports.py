"""Ports of the FX area: the rate repository and the unit of work it lives in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

from marketplace.fx.domain import FxRate
from marketplace.shared.ports import UnitOfWork


class FxRateRepository(Protocol):
    def upsert(self, rates: Sequence[FxRate], *, now: datetime) -> None:
        """Insert each rate, or replace the one stored for its pair and date."""
        ...

    def latest(self, base: str, quote: str, *, on: date) -> FxRate | None:
        """The rate of ``base``/``quote`` with the latest ``rate_date`` on or before ``on``."""
        ...


class FxUnitOfWork(UnitOfWork, Protocol):
    @property
    def fx_rates(self) -> FxRateRepository: ...
