"""The model registry side: aliases, the promotion gate, rollback and listing.

Aliases, never stages (docs/ml/pipelines.md): ``challenger`` marks the newest candidate of
a registered model, ``champion`` what serves. A run's challenger becomes champion only
through ``gate``:

- no champion yet: promote;
- otherwise both are scored on **the same** evaluation split (the champion's recipe re-fitted
  and scored on this run's split by the caller, never an old score from its own run), and
  the relative improvement ``(challenger - champion) / |champion|`` (sign flipped for an
  error metric) must reach a signed threshold:

  * a **new recipe** (another model, or other parameters) must *win* by ``margin``
    (default +1 %): a change of model has to earn its place;
  * the **same recipe** re-fitted on fresher data (the scheduled retrain) may not lose more
    than ``tolerance`` (default 1 %): both fits score the same on the same split up to
    nondeterminism, and what the retrain brings is the newer data, which no offline split
    can credit.

``promote(name, version)`` moves ``champion`` by hand, e.g. back to an older version.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

CHAMPION = "champion"
CHALLENGER = "challenger"
DEFAULT_MARGIN = 0.01  # the relative win a new recipe must show
DEFAULT_TOLERANCE = 0.01  # the relative loss a refresh of the same recipe may show
MODEL_PREFIX = "agora-"
_EPSILON = 1e-9  # float noise when a score sits exactly on the threshold


class RegistryError(LookupError):
    """A registered model or version that does not exist."""


@dataclass(frozen=True)
class GateDecision:
    """Why a challenger was (or was not) promoted; logged to MLflow and results.json."""

    model: str
    challenger_version: str
    champion_version: str | None
    metric: str | None
    challenger_score: float | None
    champion_score: float | None
    margin: float
    promoted: bool
    reason: str
    tolerance: float = DEFAULT_TOLERANCE
    same_recipe: bool | None = None
    higher_is_better: bool = True
    improvement: float | None = None  # relative, positive = better

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def relative_improvement(
    challenger: float, champion: float, *, higher_is_better: bool = True
) -> float:
    """``(challenger - champion) / |champion|``, positive when the challenger is better
    (for an error metric, lower); +-inf against a zero champion."""
    gain = challenger - champion if higher_is_better else champion - challenger
    if champion == 0:
        return 0.0 if gain == 0 else math.copysign(math.inf, gain)
    return gain / abs(champion)


def required_improvement(*, margin: float, tolerance: float, same_recipe: bool) -> float:
    """The signed threshold: ``+margin`` for a new recipe, ``-tolerance`` for a refresh."""
    if margin < 0:
        raise ValueError("margin must be >= 0")
    if tolerance < 0:
        raise ValueError("tolerance must be >= 0")
    return -tolerance if same_recipe else margin


def passes_gate(
    challenger: float,
    champion: float | None,
    margin: float = DEFAULT_MARGIN,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    same_recipe: bool = False,
    higher_is_better: bool = True,
) -> bool:
    """True when there is no champion, or the challenger's relative improvement reaches
    ``required_improvement`` (module docstring)."""
    needed = required_improvement(margin=margin, tolerance=tolerance, same_recipe=same_recipe)
    if champion is None:
        return True
    gained = relative_improvement(challenger, champion, higher_is_better=higher_is_better)
    return gained >= needed - _EPSILON


def gate(
    model: str,
    *,
    challenger_version: str,
    champion_version: str | None,
    metric: str,
    challenger_score: float,
    champion_score: float | None,
    margin: float = DEFAULT_MARGIN,
    tolerance: float = DEFAULT_TOLERANCE,
    same_recipe: bool = False,
    higher_is_better: bool = True,
) -> GateDecision:
    """Decide on a challenger scored against its champion on the same split."""
    needed = required_improvement(margin=margin, tolerance=tolerance, same_recipe=same_recipe)
    improvement = None
    if champion_version is None:
        promoted, reason = True, "no champion yet"
    elif champion_score is None:
        raise ValueError("a champion needs its score on this run's split")
    else:
        promoted = passes_gate(
            challenger_score, champion_score, margin, tolerance=tolerance,
            same_recipe=same_recipe, higher_is_better=higher_is_better,
        )  # fmt: skip
        improvement = relative_improvement(
            challenger_score, champion_score, higher_is_better=higher_is_better
        )
        verb = ">=" if promoted else "<"
        kind = "same recipe, tolerance" if same_recipe else "new recipe, margin"
        direction = "" if higher_is_better else ", lower is better"
        reason = (
            f"{metric} {challenger_score:.4f} vs champion v{champion_version} "
            f"{champion_score:.4f}: {_pct(improvement)} {verb} {_pct(needed)} "
            f"({kind} {abs(needed):g}{direction})"
        )
    return GateDecision(
        model, challenger_version, champion_version, metric, challenger_score,
        champion_score, margin, promoted, reason, tolerance, same_recipe, higher_is_better,
        improvement,
    )  # fmt: skip


def _pct(value: float) -> str:
    if math.isinf(value):
        return "+inf" if value > 0 else "-inf"
    return f"{value * 100:+.2f} %"


def follow(model: str, *, challenger_version: str, champion_version: str | None,
           leader: GateDecision) -> GateDecision:  # fmt: skip
    """A surface without a comparable metric: promoted when it has no champion yet,
    otherwise exactly when the run's gated model was (the served set stays one run's)."""
    if champion_version is None:
        promoted, reason = True, "no champion yet"
    else:
        promoted = leader.promoted
        verdict = "promoted" if promoted else "refused"
        reason = f"follows {leader.model}: {verdict}"
    return GateDecision(model, challenger_version, champion_version, None, None, None,
                        leader.margin, promoted, reason, leader.tolerance)  # fmt: skip


def alias_version(client: MlflowClient, name: str, alias: str) -> ModelVersion | None:
    """The version ``alias`` points at, None when unset (or the model is unknown)."""
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(name, alias)
    except MlflowException:
        return None


def promote(client: MlflowClient, name: str, version: str | int) -> str | None:
    """Point ``champion`` of ``name`` at ``version`` (rollback included); returns the
    version it pointed at before. RegistryError when the version does not exist."""
    from mlflow.exceptions import MlflowException

    try:
        client.get_model_version(name, str(version))
    except MlflowException as exc:
        raise RegistryError(f"{name} has no version {version}") from exc
    before = alias_version(client, name, CHAMPION)
    client.set_registered_model_alias(name, CHAMPION, str(version))
    return None if before is None else str(before.version)


@dataclass(frozen=True)
class VersionInfo:
    version: str
    aliases: list[str]
    run_id: str | None
    created_at: int
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelInfo:
    name: str
    aliases: dict[str, str]  # alias -> version
    versions: list[VersionInfo]


def list_models(client: MlflowClient, *, prefix: str = MODEL_PREFIX) -> list[ModelInfo]:
    """Registered models whose name starts with ``prefix``, newest version first."""
    found = []
    for model in _all_registered(client):
        if not model.name.startswith(prefix):
            continue
        # Version search results carry no aliases: the registered model has them all.
        aliases = {a: str(v) for a, v in client.get_registered_model(model.name).aliases.items()}
        versions = client.search_model_versions(f"name = '{model.name}'")
        infos = [
            VersionInfo(
                str(v.version),
                sorted(a for a, at in aliases.items() if at == str(v.version)),
                v.run_id,
                int(v.creation_timestamp or 0),
                dict(v.tags or {}),
            )
            for v in versions
        ]
        infos.sort(key=lambda v: int(v.version), reverse=True)
        found.append(ModelInfo(model.name, aliases, infos))
    return sorted(found, key=lambda m: m.name)


def _all_registered(client: MlflowClient) -> Iterable[Any]:
    token = None
    while True:
        page = client.search_registered_models(max_results=100, page_token=token)
        yield from page
        token = page.token
        if not token:
            return
