"""What a model was trained on and with: the data fingerprint and the code version.

The data fingerprint hashes the exported Parquet files themselves (not the manifests, whose
``created_at`` changes on every export): the same rows exported twice give the same
fingerprint, one changed row gives another. Row counts and the export window come from
each dataset's ``_manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MANIFEST = "_manifest.json"
_CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def dataset_fingerprint(directory: Path) -> dict[str, Any]:
    """sha256 over (relative path, file sha256) of every Parquet file, with the rows, file
    count and time window of the dataset's manifest (when it has one)."""
    files = sorted(p for p in directory.rglob("*.parquet") if p.is_file())
    sha = hashlib.sha256()
    for path in files:
        relative = path.relative_to(directory).as_posix()
        sha.update(f"{relative}\0{file_sha256(path)}\n".encode())
    manifest_path = directory / MANIFEST
    manifest: dict[str, Any] = (
        json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    )
    return {
        "sha256": sha.hexdigest(),
        "files": len(files),
        "rows": manifest.get("rows"),
        "schema_version": manifest.get("schema_version"),
        "time_range": manifest.get("time_range"),
    }


def data_fingerprint(datasets: Mapping[str, Path]) -> dict[str, Any]:
    """Each dataset's fingerprint and one sha256 over all of them (the run's data id)."""
    parts = {name: dataset_fingerprint(path) for name, path in sorted(datasets.items())}
    overall = hashlib.sha256()
    for name, part in parts.items():
        overall.update(f"{name}\0{part['sha256']}\n".encode())
    return {"sha256": overall.hexdigest(), "datasets": parts}


def code_version(repo: Path | None = None) -> dict[str, Any]:
    """``git rev-parse HEAD`` and whether tracked files differ from it (None outside git)."""
    cwd = repo or Path(__file__).resolve().parent.parent
    commit = _git(cwd, "rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None}
    status = _git(cwd, "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def _git(cwd: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()
