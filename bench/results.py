"""One benchmark run's samples and the figures printed from them (rate, p50/p99, errors).

Latency is measured from when an order was due to start: for a closed loop that is when
the worker sent it, for a paced (open-loop) run the scheduled arrival time, so a server
that falls behind shows up as latency instead of a quietly lower request rate.
"""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import dataclass

from bench.cpu import CpuUsage


@dataclass(frozen=True, slots=True)
class Sample:
    started: float  # perf_counter seconds: sent (closed loop) or scheduled (open loop)
    finished: float
    phases_ms: tuple[float, ...]  # (checkout, payment) over HTTP; (transaction,) for SQL
    error: str | None = None

    @property
    def total_ms(self) -> float:
        return (self.finished - self.started) * 1000


# A run's samples inside the measured window, the window's length in seconds, and how many
# orders succeeded over the whole run (warm-up and tail included: what the CPU paid for).
Measured = tuple[list[Sample], float, int]


class Window:
    """When a closed loop measures: once the warm-up has passed *and* every worker has
    finished one order (a loop whose latency exceeds the warm-up is still filling up
    before that), for ``duration_s``. Workers ask ``keep_going`` before each order."""

    def __init__(
        self, *, workers: int, warmup_s: float, duration_s: float, max_wait_s: float = 120.0
    ) -> None:
        self.workers, self.warmup_s, self.duration_s = workers, warmup_s, duration_s
        self.max_wait_s = max_wait_s
        self.began = time.perf_counter()
        self.start: float | None = None
        self._warm: set[int] = set()
        self._lock = threading.Lock()

    def finished_one(self, worker: int) -> None:
        self._warm.add(worker)

    def keep_going(self) -> bool:
        now = time.perf_counter()
        if self.start is None:
            waited = now - self.began
            ready = len(self._warm) >= self.workers or waited >= self.max_wait_s
            if waited >= self.warmup_s and ready:
                with self._lock:
                    if self.start is None:  # the first worker to see it opens the window
                        self.start = now
            return True
        return now < self.start + self.duration_s

    def inside(self, sample: Sample) -> bool:
        if self.start is None:
            return False
        return self.start <= sample.finished <= self.start + self.duration_s


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class RunResult:
    name: str
    window_s: float
    samples: list[Sample]
    client_cpu_s: float  # CPU the load generator itself used over the whole run
    run_wall_s: float
    concurrency: int
    completed: int  # successful orders over the whole run
    target_rate: float | None = None  # orders/s of a paced run
    cpu: CpuUsage | None = None
    wal_bytes: int | None = None  # PostgreSQL WAL written over the whole run

    def per_order(self, total: float) -> float:
        """``total`` (over the whole run) divided among its successful orders."""
        return total / self.completed if self.completed else float("nan")

    @property
    def ok(self) -> list[Sample]:
        return [s for s in self.samples if s.error is None]

    @property
    def errors(self) -> int:
        return len(self.samples) - len(self.ok)

    @property
    def rate(self) -> float:
        """Successful orders per second within the measured window."""
        return len(self.ok) / self.window_s if self.window_s else 0.0

    def p(self, q: float, phase: int | None = None) -> float:
        if phase is None:
            return percentile([s.total_ms for s in self.ok], q)
        return percentile([s.phases_ms[phase] for s in self.ok if len(s.phases_ms) > phase], q)

    @property
    def client_cores(self) -> float:
        return self.client_cpu_s / self.run_wall_s if self.run_wall_s else 0.0

    def error_kinds(self, limit: int = 3) -> list[tuple[str, int]]:
        kinds = Counter(s.error for s in self.samples if s.error is not None)
        return [(str(k), n) for k, n in kinds.most_common(limit)]
