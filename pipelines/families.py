"""Every pipeline family ``agora train all`` runs, in order. Adding a family is one line
here (its module defines ``FAMILY``: stages and default configuration)."""

from __future__ import annotations

import importlib

from pipelines.family import Family

FAMILIES: dict[str, str] = {
    "recsys": "pipelines.recsys.pipeline",
    "forecast": "pipelines.forecast.pipeline",
    "pricing": "pipelines.pricing.pipeline",
    "search": "pipelines.search.pipeline",
}


def family(name: str) -> Family:
    """The family registered under ``name`` (its module is imported on demand)."""
    module = FAMILIES.get(name)
    if module is None:
        raise KeyError(f"unknown pipeline family {name!r}; known: {', '.join(FAMILIES)}")
    found: Family = importlib.import_module(module).FAMILY
    return found
