"""The stage framework: markers, skipping done stages, what makes a stage run again."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipelines.runtime import RayOptions, RaySession, Tracking
from pipelines.stages import (
    PipelineError,
    RunContext,
    Stage,
    check_run_id,
    latest_run_id,
    new_run_id,
    read_done,
    run_stages,
)


class Recorder:
    """Stages that write a file, count their runs, and can be told to fail."""

    def __init__(self) -> None:
        self.runs: list[str] = []
        self.fail: set[str] = set()

    def stage(self, name: str, depends_on: str | None = None) -> Stage:
        def run(ctx: RunContext, out: Path) -> dict[str, Any]:
            self.runs.append(name)
            if name in self.fail:
                (out / "partial.txt").write_text("half")
                raise RuntimeError(f"{name} broke")
            upstream = ctx.outputs(depends_on)["value"] if depends_on else 0
            (out / "value.txt").write_text(str(upstream + 1))
            return {"value": upstream + 1, "size": ctx.config["size"]}

        return Stage(name, run, lambda cfg: {"size": cfg["size"]} if name == "b" else {})


def _ctx(run_dir: Path, size: int = 1) -> RunContext:
    return RunContext(
        family="test", run_id=run_dir.name, run_dir=run_dir, config={"size": size},
        ray=RaySession(RayOptions()), tracking=Tracking("sqlite:///unused.db", run_dir),
    )  # fmt: skip


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def _stages(rec: Recorder) -> list[Stage]:
    return [rec.stage("a"), rec.stage("b", "a"), rec.stage("c", "b")]


def test_a_run_writes_outputs_and_markers(tmp_path: Path, recorder: Recorder) -> None:
    reports = run_stages(_stages(recorder), _ctx(tmp_path / "r1"))

    assert [(r.name, r.skipped) for r in reports] == [("a", False), ("b", False), ("c", False)]
    assert (tmp_path / "r1" / "c" / "value.txt").read_text() == "3"
    marker = read_done(tmp_path / "r1", "b")
    assert marker is not None
    assert marker["outputs"] == {"value": 2, "size": 1}
    assert marker["config"] == {"size": 1}
    assert marker["peak_rss_mb"] > 0


def test_running_again_skips_done_stages_and_reuses_their_outputs(
    tmp_path: Path, recorder: Recorder
) -> None:
    run_stages(_stages(recorder), _ctx(tmp_path / "r1"))
    ctx = _ctx(tmp_path / "r1")

    reports = run_stages(_stages(recorder), ctx)

    assert [r.skipped for r in reports] == [True, True, True]
    assert recorder.runs == ["a", "b", "c"]  # nothing ran the second time
    assert ctx.outputs("c")["value"] == 3


def test_force_runs_everything_again(tmp_path: Path, recorder: Recorder) -> None:
    run_stages(_stages(recorder), _ctx(tmp_path / "r1"))

    reports = run_stages(_stages(recorder), _ctx(tmp_path / "r1"), force=True)

    assert [r.skipped for r in reports] == [False, False, False]
    assert recorder.runs == ["a", "b", "c", "a", "b", "c"]


def test_a_config_change_reruns_that_stage_and_everything_after(
    tmp_path: Path, recorder: Recorder
) -> None:
    run_stages(_stages(recorder), _ctx(tmp_path / "r1", size=1))

    reports = run_stages(_stages(recorder), _ctx(tmp_path / "r1", size=2))

    assert [(r.name, r.skipped) for r in reports] == [("a", True), ("b", False), ("c", False)]
    assert read_done(tmp_path / "r1", "b")["outputs"]["size"] == 2  # type: ignore[index]


def test_a_stage_rerun_upstream_invalidates_downstream_across_invocations(
    tmp_path: Path, recorder: Recorder
) -> None:
    run_stages(_stages(recorder), _ctx(tmp_path / "r1", size=1))
    run_stages(_stages(recorder), _ctx(tmp_path / "r1", size=2), until="b")  # c not reached
    recorder.runs.clear()

    reports = run_stages(_stages(recorder), _ctx(tmp_path / "r1", size=2))

    assert [(r.name, r.skipped) for r in reports] == [("a", True), ("b", True), ("c", False)]
    assert recorder.runs == ["c"]


def test_a_failed_stage_leaves_no_marker_and_restarts_clean(
    tmp_path: Path, recorder: Recorder
) -> None:
    recorder.fail.add("b")
    with pytest.raises(RuntimeError, match="b broke"):
        run_stages(_stages(recorder), _ctx(tmp_path / "r1"))
    assert read_done(tmp_path / "r1", "a") is not None
    assert read_done(tmp_path / "r1", "b") is None
    assert (tmp_path / "r1" / "b" / "partial.txt").exists()
    recorder.fail.clear()
    recorder.runs.clear()

    reports = run_stages(_stages(recorder), _ctx(tmp_path / "r1"))

    assert [(r.name, r.skipped) for r in reports] == [("a", True), ("b", False), ("c", False)]
    assert not (tmp_path / "r1" / "b" / "partial.txt").exists()  # the stage folder was emptied


def test_until_stops_after_the_named_stage(tmp_path: Path, recorder: Recorder) -> None:
    reports = run_stages(_stages(recorder), _ctx(tmp_path / "r1"), until="a")

    assert [r.name for r in reports] == ["a"]
    with pytest.raises(PipelineError, match="unknown stage"):
        run_stages(_stages(recorder), _ctx(tmp_path / "r1"), until="nope")


def test_outputs_of_a_stage_that_has_not_run_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="has not run"):
        _ctx(tmp_path).outputs("extract")


def test_run_ids_sort_by_time_and_are_checked(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    early = new_run_id(datetime(2026, 1, 1, tzinfo=UTC))
    late = new_run_id(datetime(2026, 1, 2, tzinfo=UTC))
    for run in (late, early, "not a dir.txt"):
        (tmp_path / "recsys" / run).mkdir(parents=True)
    assert early.startswith("20260101T000000Z-")
    assert latest_run_id(tmp_path / "recsys") == late
    assert latest_run_id(tmp_path / "none") is None
    assert check_run_id("nightly-2026.01") == "nightly-2026.01"
    for bad in ("../x", "a/b", "", ".hidden"):
        with pytest.raises(PipelineError):
            check_run_id(bad)


def test_markers_are_json(tmp_path: Path, recorder: Recorder) -> None:
    run_stages(_stages(recorder), _ctx(tmp_path / "r1"))
    marker = json.loads((tmp_path / "r1" / "a.done.json").read_text())
    assert set(marker) >= {"stage", "config", "upstream", "seconds", "outputs", "finished_at"}
