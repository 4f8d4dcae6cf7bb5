"""uvicorn serving Agora for a benchmark, its output kept in a log file.

The same command as ``bench.catalog_read.Server`` (2 workers, no access log), except that
what the server prints goes to a file: a write benchmark that provokes errors (the hot-SKU
variant) would otherwise drown the printout in tracebacks. ``LogSummary`` counts what the
log holds, for the report.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent
_ERROR_CLASS = re.compile(r"psycopg\.errors\.\w+|sqlalchemy\.exc\.\w+|\w+Error\b")


def _cause(line: str) -> str:
    """The most specific error class a log line names (the driver's, when there is one)."""
    found = _ERROR_CLASS.findall(line)
    return next((f for f in found if f.startswith("psycopg.")), found[-1] if found else "?")


@dataclass(frozen=True)
class LogSummary:
    path: Path
    unhandled: int  # requests that ended in a 500
    causes: list[tuple[str, int]]
    worker_restarts: int


class ApiServer:
    def __init__(self, port: int, env: dict[str, str], *, log_path: Path, workers: int = 2) -> None:
        self.port, self.env, self.log_path, self.workers = port, env, log_path, workers
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._started_pids: set[int] = set()

    def __enter__(self) -> ApiServer:
        cmd = [sys.executable, "-m", "uvicorn", "serving.api.app:app_from_env", "--factory",
               "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
               "--no-access-log", "--log-level", "warning"]  # fmt: skip
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=self.env, start_new_session=True, stdout=self._log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=1).status_code == 200:
                    self._started_pids = self.group_pids()
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"server did not become ready; see {self.log_path}")

    def __exit__(self, *exc: object) -> None:
        if self.proc:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        if self._log:
            self._log.close()

    def group_pids(self) -> set[int]:
        """The supervisor's process group: itself and its workers."""
        found = set()
        for entry in Path("/proc").iterdir() if Path("/proc").exists() else []:
            try:
                if entry.name.isdigit() and os.getpgid(int(entry.name)) == self.pgid:
                    found.add(int(entry.name))
            except OSError:
                continue
        return found

    @property
    def pgid(self) -> int:
        assert self.proc is not None, "the server is not running"
        return self.proc.pid

    def summary(self) -> LogSummary:
        """What the log says went wrong, and how many workers uvicorn had to replace (one
        that misses its health check, e.g. starved of CPU, is killed and restarted)."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        unhandled = [line for line in text.splitlines() if '"unhandled error"' in line]
        causes = Counter(_cause(line) for line in unhandled)
        restarted = len(self.group_pids() - self._started_pids) if self.proc else 0
        return LogSummary(self.log_path, len(unhandled), causes.most_common(3), restarted)
