"""A saved model as the files of its folder: what a Ray task returns by value.

A task fits a model, saves it into a temporary folder (our no-pickle formats) and hands the
folder's files back through the object store, so it runs on any node; the driver writes
them into the run directory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.stages import peak_rss_mb

Files = dict[str, bytes]


@dataclass(frozen=True)
class Fitted:
    """A saved model as its folder's files, with what the task measured."""

    files: Files
    seconds: float
    worker_peak_rss_mb: float


def folder_files(path: Path) -> Files:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in path.rglob("*") if p.is_file()}


def write_files(dest: Path, files: Mapping[str, bytes]) -> None:
    for relative, content in files.items():
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def saved(model: Any, seconds: float) -> Fitted:
    """``model.save(folder)`` into a temporary folder, returned as its files with the
    fitting time and this worker's peak memory."""
    with tempfile.TemporaryDirectory(prefix="agora-fit-") as tmp:
        model.save(Path(tmp) / "m")
        return Fitted(folder_files(Path(tmp) / "m"), seconds, peak_rss_mb())
