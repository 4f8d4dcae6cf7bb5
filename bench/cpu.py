"""Who used the machine's CPU during a run: the load generator (this process), the API
workers (the server's process group), PostgreSQL (the backends serving the benchmark
database plus its background processes), and everything else. Read from ``/proc`` so
that nothing has to be installed; on a system without it the figures are simply absent.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

OTHERS = "other processes"
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PROC = Path("/proc")
_OUR_POSTGRES = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
    " OR backend_type <> 'client backend'"
)


@dataclass(frozen=True)
class CpuSnapshot:
    at: float
    seconds: dict[int, tuple[str, float]]  # pid -> (group, CPU seconds so far)
    machine_busy: float  # CPU seconds, all cores
    machine_total: float


@dataclass(frozen=True)
class CpuUsage:
    """Cores used on average over a window (1.0 = one core busy all the time)."""

    wall_s: float
    cores: dict[str, float]
    machine_busy: float  # fraction of all cores

    def cpu_ms(self, group: str) -> float:
        """CPU milliseconds the group used over the window."""
        return self.cores.get(group, 0.0) * self.wall_s * 1000


class CpuMeter:
    def __init__(self, dsn: str, *, server_pgid: int | None = None) -> None:
        self.dsn, self.server_pgid = dsn, server_pgid
        self.available = (PROC / "stat").exists()

    def snapshot(self) -> CpuSnapshot | None:
        if not self.available:
            return None
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            postgres = {int(r[0]) for r in conn.execute(_OUR_POSTGRES)}
        seconds: dict[int, tuple[str, float]] = {}
        for entry in PROC.iterdir():
            if not entry.name.isdigit():
                continue
            pid = int(entry.name)
            group = self._group(pid, postgres)
            used = _process_seconds(pid) if group else None
            if group and used is not None:
                seconds[pid] = (group, used)
        busy, total = _machine_seconds()
        return CpuSnapshot(time.perf_counter(), seconds, busy, total)

    def _group(self, pid: int, postgres: set[int]) -> str | None:
        if pid == os.getpid():
            return "load generator"
        if pid in postgres:
            return "PostgreSQL"
        try:
            if self.server_pgid is not None and os.getpgid(pid) == self.server_pgid:
                return "API workers"
        except OSError:
            return None
        return None


def usage(before: CpuSnapshot | None, after: CpuSnapshot | None) -> CpuUsage | None:
    if before is None or after is None:
        return None
    wall = after.at - before.at
    cores: dict[str, float] = {}
    for pid, (group, used) in after.seconds.items():
        start = before.seconds.get(pid, (group, 0.0))[1]
        cores[group] = cores.get(group, 0.0) + (used - start) / wall
    total = after.machine_total - before.machine_total
    busy = (after.machine_busy - before.machine_busy) / total if total else 0.0
    # Whatever else ran (other tests, other services): it took CPU the benchmark lacked.
    cores[OTHERS] = max(0.0, busy * (os.cpu_count() or 1) - sum(cores.values()))
    return CpuUsage(wall, cores, busy)


def _process_seconds(pid: int) -> float | None:
    try:
        fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is field 0, utime 11 and stime 12 (see proc(5)).
    return (int(fields[11]) + int(fields[12])) / TICK


def _machine_seconds() -> tuple[float, float]:
    values = [int(x) for x in (PROC / "stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return (total - idle) / TICK, total / TICK
