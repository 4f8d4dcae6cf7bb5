"""Where a pipeline runs: a Ray session (local by default, a cluster by address) and the
MLflow tracking server and registry.

Local Ray is kept small on purpose (2 CPUs, a 200 MB object store, no dashboard): the
development machine is shared. BLAS and OpenMP pools are sized explicitly, through the
environment of every worker (``runtime_env``) and again inside each task with
threadpoolctl (``recsys.threads.limited_threads``), so that tasks never oversubscribe cores.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlflow import MlflowClient

LOCAL_CPUS = 2
OBJECT_STORE_BYTES = 200_000_000
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
ADDRESS_VARIABLE = "RAY_ADDRESS"


@dataclass(frozen=True)
class RayOptions:
    """``address`` None: a local Ray of ``num_cpus``; else ``ray.init(address=...)``."""

    address: str | None = None
    num_cpus: int = LOCAL_CPUS
    object_store_memory: int = OBJECT_STORE_BYTES
    task_threads: int = 1  # BLAS/OpenMP threads inside one task (one task per CPU)

    @classmethod
    def from_env(cls, address: str | None = None, **kwargs: Any) -> RayOptions:
        """``address``, else $RAY_ADDRESS, else local."""
        chosen = address or os.environ.get(ADDRESS_VARIABLE) or None
        return cls(address=chosen, **kwargs)


def thread_env(threads: int) -> dict[str, str]:
    """The environment variables that size BLAS and OpenMP pools."""
    return dict.fromkeys(THREAD_VARIABLES, str(max(1, threads)))


def start_ray(options: RayOptions) -> bool:
    """Connect to (or start) Ray; False when this process was already connected, in which
    case the caller must not shut it down (tests share one session per module)."""
    import ray

    if ray.is_initialized():
        return False
    env = thread_env(options.task_threads)
    os.environ.update({k: v for k, v in env.items() if k not in os.environ})
    runtime_env = {"env_vars": env}
    if options.address:
        ray.init(address=options.address, runtime_env=runtime_env, configure_logging=False)
    else:
        # "local": a new instance even when another Ray runs on this machine (without it,
        # ray.init joins the latest cluster started here, e.g. another user's).
        ray.init(
            address="local",
            num_cpus=options.num_cpus,
            object_store_memory=options.object_store_memory,
            include_dashboard=False,
            runtime_env=runtime_env,
            configure_logging=False,
        )
    return True


def stop_ray() -> None:
    import ray

    ray.shutdown()


def cluster_cpus() -> int:
    """CPUs Ray can schedule on now (at least 1)."""
    import ray

    resources = ray.cluster_resources()  # type: ignore[no-untyped-call]
    return max(1, int(resources.get("CPU", 1)))


class RaySession:
    """Starts Ray on first use and stops it at the end, when it started it."""

    def __init__(self, options: RayOptions) -> None:
        self.options = options
        self._owned = False
        self._started = False

    def ensure(self) -> None:
        if not self._started:
            self._owned = start_ray(self.options)
            self._started = True

    def close(self) -> None:
        if self._owned:
            stop_ray()
        self._owned = self._started = False


@contextmanager
def ray_session(options: RayOptions) -> Iterator[RaySession]:
    session = RaySession(options)
    try:
        yield session
    finally:
        session.close()


# -- MLflow ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tracking:
    """Where runs are tracked and models registered (settings mlflow_tracking_uri and
    mlflow_artifacts), and how far the store is shared."""

    uri: str
    artifacts: Path

    def artifact_location(self, experiment: str) -> str:
        return (self.artifacts.resolve() / experiment).as_uri()


def setup_mlflow(tracking: Tracking) -> None:
    """Point MLflow's tracking and registry at ``tracking.uri`` (making the folder of a
    SQLite file) and quieten its progress bars."""
    import mlflow

    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    prefix = "sqlite:///"
    if tracking.uri.startswith(prefix):
        Path(tracking.uri[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)
    tracking.artifacts.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(tracking.uri)
    mlflow.set_registry_uri(tracking.uri)


def experiment_id(tracking: Tracking, name: str) -> str:
    """The experiment's id, creating it with its artifact location under ``artifacts``."""
    mlflow_client = client(tracking)
    found = mlflow_client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    location = tracking.artifact_location(name)
    return str(mlflow_client.create_experiment(name, artifact_location=location))


def client(tracking: Tracking) -> MlflowClient:
    """An MlflowClient on ``tracking``'s store and registry."""
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=tracking.uri, registry_uri=tracking.uri)
