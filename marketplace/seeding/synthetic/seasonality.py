"""Planted demand rhythm: a weekly profile, a yearly wave and shopping festivals."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from marketplace.seeding.synthetic.vocab import FESTIVALS

# Monday..Sunday before the seed's small perturbation: weekends sell more.
_WEEKLY = (0.92, 0.90, 0.95, 0.97, 1.05, 1.12, 1.09)


@dataclass(frozen=True, slots=True)
class Seasonality:
    weekly: tuple[float, ...]  # Monday first
    yearly_amplitude: float
    yearly_peak_doy: int  # day of the year where the yearly wave tops

    def factor(self, day: date) -> float:
        """Multiplier of the expected number of sessions on ``day``."""
        wave = 1 + self.yearly_amplitude * math.cos(
            2 * math.pi * (day.timetuple().tm_yday - self.yearly_peak_doy) / 365.25
        )
        festival = next((f for m, d, f in FESTIVALS if (day.month, day.day) == (m, d)), 1.0)
        return self.weekly[day.weekday()] * wave * festival

    def factors(self, start: date, days: int) -> list[float]:
        return [self.factor(start + timedelta(days=i)) for i in range(days)]


def plant_seasonality(rng: random.Random) -> Seasonality:
    weekly = tuple(round(w * rng.uniform(0.97, 1.03), 4) for w in _WEEKLY)
    return Seasonality(
        weekly=weekly,
        yearly_amplitude=round(rng.uniform(0.10, 0.30), 4),
        # Around the November festivals, give or take a month.
        yearly_peak_doy=rng.randrange(290, 350),
    )
