"""Every `agora train` family refuses unusable command-line values the same way: a clear
message and exit 2, before any extraction or Ray work starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

FAMILIES = ["recsys", "forecast", "pricing", "search"]


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize(
    ("flags", "said"),
    [(["--params", "[1, 2]"], "--params must be a JSON object"),
     (["--params", "{not json"], "error:")],
)  # fmt: skip
def test_bad_params_are_refused_before_any_work(
    family: str, flags: list[str], said: str, tmp_path: Path
) -> None:
    from serving.cli import app

    result = CliRunner().invoke(app, ["train", family, *flags, "--runs-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert said in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("family", ["recsys", "forecast", "pricing"])
def test_a_bad_since_is_refused_before_any_work(family: str, tmp_path: Path) -> None:
    from serving.cli import app

    result = CliRunner().invoke(
        app, ["train", family, "--since", "yesterday-ish", "--runs-dir", str(tmp_path)]
    )
    assert result.exit_code == 2, result.output
    assert "error:" in result.output
    assert list(tmp_path.iterdir()) == []
