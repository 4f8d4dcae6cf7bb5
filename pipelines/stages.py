"""Restartable stages writing into one run directory.

A run of a family lives in ``<root>/<family>/<run id>/``. Each stage writes its files
into ``<run dir>/<stage>/`` and, last, ``<run dir>/<stage>.done.json``: what it was
configured with, what it produced (``outputs``, read by later stages), its time and the
process's peak memory so far. Running the same run id again skips a stage whose marker
exists, unless

- ``force`` is set,
- the part of the configuration the stage depends on changed, or
- the stage before it ran again (each marker records a digest of its predecessor's
  marker, so a re-run upstream invalidates everything downstream, even across
  invocations).

A stage that fails leaves no marker; its folder is emptied when it runs again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipelines.runtime import RaySession, Tracking

DONE_SUFFIX = ".done.json"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class PipelineError(RuntimeError):
    """A stage cannot go on (no data, nothing to evaluate, a bad run id...)."""


@dataclass
class RunContext:
    """What every stage of one run sees."""

    family: str
    run_id: str
    run_dir: Path
    config: Any
    ray: RaySession
    tracking: Tracking
    done: dict[str, dict[str, Any]] = field(default_factory=dict)  # stage -> its marker
    log: Callable[[str], None] = lambda _msg: None

    def outputs(self, stage: str) -> dict[str, Any]:
        """The outputs an earlier stage recorded; PipelineError when it has not run."""
        record = self.done.get(stage)
        if record is None:
            raise PipelineError(f"stage {stage!r} has not run in {self.run_dir}")
        outputs: dict[str, Any] = record["outputs"]
        return outputs

    def stage_dir(self, stage: str) -> Path:
        return self.run_dir / stage


StageFn = Callable[[RunContext, Path], Mapping[str, Any]]


def _no_config(_config: Any) -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True)
class Stage:
    """``run(ctx, out_dir)`` does the work and returns its JSON-able outputs; ``config``
    picks the settings the stage depends on (a change re-runs it)."""

    name: str
    run: StageFn
    config: Callable[[Any], Mapping[str, Any]] = _no_config


@dataclass(frozen=True)
class StageReport:
    name: str
    skipped: bool
    seconds: float


def new_run_id(now: datetime | None = None) -> str:
    """``20261205T031500Z-1a2b``: sortable by start time, unique enough per family."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(2)}"


def check_run_id(run_id: str) -> str:
    if not _RUN_ID.match(run_id):
        raise PipelineError(f"run id {run_id!r}: letters, digits, '.', '_' and '-' only")
    return run_id


def latest_run_id(family_dir: Path) -> str | None:
    """The newest run of a family (run ids sort by start time)."""
    if not family_dir.is_dir():
        return None
    runs = sorted(p.name for p in family_dir.iterdir() if p.is_dir() and _RUN_ID.match(p.name))
    return runs[-1] if runs else None


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def digest(value: Any) -> str:
    """sha256 of a JSON-able value in canonical form."""
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def done_path(run_dir: Path, stage: str) -> Path:
    return run_dir / f"{stage}{DONE_SUFFIX}"


def read_done(run_dir: Path, stage: str) -> dict[str, Any] | None:
    path = done_path(run_dir, stage)
    if not path.is_file():
        return None
    record: dict[str, Any] = json.loads(path.read_text())
    return record


def write_json(path: Path, value: Any) -> None:
    """Write ``value`` as JSON, replacing ``path`` atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w") as f:
        json.dump(value, f, indent=2, sort_keys=True, default=str)
        f.write("\n")
    os.replace(tmp, path)


def _is_current(record: dict[str, Any] | None, config: Any, upstream: str | None) -> bool:
    return (
        record is not None
        and record.get("config_digest") == digest(config)
        and record.get("upstream") == upstream
    )


def run_stages(
    stages: Sequence[Stage], ctx: RunContext, *, force: bool = False, until: str | None = None
) -> list[StageReport]:
    """Run (or skip) each stage in order, stopping after ``until`` when given."""
    names = [s.name for s in stages]
    if until is not None and until not in names:
        raise PipelineError(f"unknown stage {until!r}; stages: {', '.join(names)}")
    reports: list[StageReport] = []
    upstream: str | None = None
    for stage in stages:
        config = json.loads(json.dumps(dict(stage.config(ctx.config)), default=str))
        record = read_done(ctx.run_dir, stage.name)
        if not force and _is_current(record, config, upstream):
            assert record is not None
            ctx.log(f"{stage.name}: done already, skipped")
            reports.append(StageReport(stage.name, True, 0.0))
        else:
            record = _run_one(stage, ctx, config, upstream)
            reports.append(StageReport(stage.name, False, record["seconds"]))
        ctx.done[stage.name] = record
        upstream = digest(record)
        if stage.name == until:
            break
    return reports


def _run_one(stage: Stage, ctx: RunContext, config: Any, upstream: str | None) -> dict[str, Any]:
    out = ctx.stage_dir(stage.name)
    done_path(ctx.run_dir, stage.name).unlink(missing_ok=True)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    ctx.log(f"{stage.name}: running")
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    outputs = json.loads(json.dumps(dict(stage.run(ctx, out)), default=str))
    seconds = round(time.perf_counter() - started, 3)
    record = {
        "stage": stage.name,
        "config": config,
        "config_digest": digest(config),
        "upstream": upstream,
        "started_at": started_at.isoformat(),
        "finished_at": datetime.now(UTC).isoformat(),
        "seconds": seconds,
        "peak_rss_mb": peak_rss_mb(),
        "outputs": outputs,
    }
    write_json(done_path(ctx.run_dir, stage.name), record)
    ctx.log(f"{stage.name}: done in {seconds:.1f} s")
    return record
