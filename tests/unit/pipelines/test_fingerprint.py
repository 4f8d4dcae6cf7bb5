"""Data fingerprints (sha256 of exported files), code version, grid subsets, MLflow keys."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.fingerprint import code_version, data_fingerprint, dataset_fingerprint
from pipelines.tracking import flatten, metric_key
from pipelines.tuning import grid


def _export(root: Path, rows: list[int], *, created_at: str = "2026-12-01T00:00:00+00:00") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"n": rows}), root / "part-0.parquet")
    manifest = {
        "rows": len(rows),
        "schema_version": 1,
        "created_at": created_at,
        "time_range": {"column": "occurred_at", "since": "2026-01-01", "until": None},
    }
    (root / "_manifest.json").write_text(json.dumps(manifest))
    return root


def test_the_same_files_give_the_same_fingerprint_whenever_exported(tmp_path: Path) -> None:
    one = dataset_fingerprint(_export(tmp_path / "a", [1, 2, 3]))
    two = dataset_fingerprint(_export(tmp_path / "b", [1, 2, 3], created_at="2027-01-01"))

    assert one == two
    assert one["rows"] == 3
    assert one["files"] == 1
    assert one["time_range"] == {"column": "occurred_at", "since": "2026-01-01", "until": None}


def test_one_changed_row_changes_the_fingerprint(tmp_path: Path) -> None:
    before = data_fingerprint({"events": _export(tmp_path / "a", [1, 2, 3])})
    after = data_fingerprint({"events": _export(tmp_path / "b", [1, 2, 4])})

    assert before["sha256"] != after["sha256"]
    assert before["datasets"]["events"]["sha256"] != after["datasets"]["events"]["sha256"]


def test_a_renamed_file_changes_the_fingerprint(tmp_path: Path) -> None:
    root = _export(tmp_path / "a", [1, 2, 3])
    before = dataset_fingerprint(root)
    (root / "part-0.parquet").rename(root / "part-1.parquet")
    assert dataset_fingerprint(root)["sha256"] != before["sha256"]


def test_the_code_version_is_the_commit_and_whether_tracked_files_changed(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)

    assert code_version(repo) == {"commit": None, "dirty": None}  # not a repository
    git("init", "-q")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q",
        "--allow-empty", "-m", "first")  # fmt: skip
    (repo / "a.txt").write_text("x")
    git("add", "a.txt")
    git("-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-q", "-m", "a")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip
    (repo / "untracked.txt").write_text("not counted")
    assert code_version(repo) == {"commit": head, "dirty": False}
    (repo / "a.txt").write_text("changed")
    assert code_version(repo) == {"commit": head, "dirty": True}


def test_the_tuning_grid_and_its_seeded_subsets() -> None:
    space = {"factors": [32, 64], "alpha": [1.0, 2.0, 5.0]}
    full = grid(space, None, seed=0)
    assert full == [
        {"alpha": 1.0, "factors": 32}, {"alpha": 1.0, "factors": 64},
        {"alpha": 2.0, "factors": 32}, {"alpha": 2.0, "factors": 64},
        {"alpha": 5.0, "factors": 32}, {"alpha": 5.0, "factors": 64},
    ]  # fmt: skip
    some = grid(space, 3, seed=1)
    assert len(some) == 3
    assert some == grid(space, 3, seed=1)
    assert some == [p for p in full if p in some]  # grid order kept
    assert grid(space, 99, seed=0) == full


def test_mlflow_keys_and_flattened_params() -> None:
    assert metric_key("test.user.recall@20") == "test.user.recall_at_20"
    assert metric_key("a b/c-d.e_f") == "a b/c-d.e_f"
    assert metric_key("x:y") == "x_y"
    assert flatten({"a": {"b": 1, "c": {"d": "x"}}, "e": [1]}) == {"a.b": 1, "a.c.d": "x", "e": [1]}
