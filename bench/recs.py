"""Recommendations over HTTP at 100k items and 50k users (issue 6's goal: p99 < 20 ms at
200 requests/s on loopback).

1. A fresh PostgreSQL database with 100k sellable products (COPY; ``bench.recs_data``).
2. Synthetic interactions of 50k users with those products (numpy, seeded); the served
   models are fitted and published to a models folder as ``agora recs train`` does
   (fit times printed; no search index: it is not measured here).
3. uvicorn with 2 workers (``bench.api_server``) loads them, and the sellable-products
   cache reads the 100k products from the database as in production.
4. For user recommendations (as a platform admin) and similar items: a paced open loop
   at 200 requests/s (Poisson arrivals, latency from the scheduled arrival), then a
   closed loop at peak. Every response writes its impression, as in production.

    python -m bench.recs [--items 100000] [--users 50000] [--rate 200] [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psycopg

from bench.api_server import ApiServer
from bench.loadgen import run
from bench.recs_data import admin_token, interactions, seed_products
from bench.results import percentile
from marketplace.config import get_settings
from marketplace.db.engine import make_engine
from marketplace.db.schema import load_all_tables, metadata

PG_ADMIN = os.environ.get("AGORA_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
DB_NAME = os.environ.get("AGORA_BENCH_RECS_DB", "agora_bench_recs")
SECRET = "bench-recs-secret-" + "0123456789abcdef" * 3
GOAL_P99_MS = 20.0
PORT = 8766

Sample = tuple[float, float, bool]  # (scheduled or sent, finished, ok)


def prepare_database() -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    url = f"{PG_ADMIN.rpartition('/')[0]}/{DB_NAME}"
    load_all_tables()
    engine = make_engine(url, pool_size=1)
    metadata.create_all(engine)
    engine.dispose()
    return url


def train(product_ids: list[str], users: int, models_dir: Path) -> list[str]:
    """Fit and publish the served models; returns the trained user ids."""
    from recsys.interactions import Interactions
    from serving.recs.training import publish

    started = time.perf_counter()
    events = interactions(product_ids, users=users, events_per_user=30)
    data = Interactions.from_events(events.user_ids, events.item_ids, events.kinds,
                                    events.timestamps, half_life_days=30.0)  # fmt: skip
    print(f"interactions: {len(events.user_ids):,} events, {data.n_users:,} users x "
          f"{data.n_items:,} items, nnz {data.matrix.nnz:,} "
          f"({time.perf_counter() - started:.1f} s)")  # fmt: skip
    published = publish(data, models_dir)
    for name, seconds in published.fit_seconds.items():
        print(f"fit {name:18} {seconds:7.1f} s")
    return [str(u) for u in data.user_ids]


async def _one(client: httpx.AsyncClient, url: str, due: float, out: list[Sample]) -> None:
    try:
        response = await client.get(url)
        good = response.status_code == 200
    except httpx.HTTPError:
        good = False
    out.append((due, time.perf_counter(), good))


async def open_loop(base: str, headers: dict[str, str], urls: Callable[[], str], *,
                    rate: float, warmup: float, seconds: float) -> list[Sample]:  # fmt: skip
    rng, samples = random.Random(5), list[Sample]()
    pending: set[asyncio.Task[None]] = set()
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as client:
        start = due = time.perf_counter()
        while due < start + warmup + seconds:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            task = asyncio.create_task(_one(client, urls(), due, samples))
            pending.add(task)
            task.add_done_callback(pending.discard)
            due += rng.expovariate(rate)
        await asyncio.gather(*pending)
    return [s for s in samples if s[0] >= start + warmup]


async def closed_loop(base: str, headers: dict[str, str], urls: Callable[[], str], *,
                      workers: int, warmup: float, seconds: float) -> list[Sample]:  # fmt: skip
    samples: list[Sample] = []
    limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits) as client:
        start = time.perf_counter()

        async def worker() -> None:
            while time.perf_counter() < start + warmup + seconds:
                await _one(client, urls(), time.perf_counter(), samples)

        await asyncio.gather(*(worker() for _ in range(workers)))
    return [s for s in samples if start + warmup <= s[1] < start + warmup + seconds]


def report(name: str, samples: list[Sample], seconds: float) -> float:
    ok = [(f - d) * 1000 for d, f, good in samples if good]
    p50, p99 = percentile(ok, 50), percentile(ok, 99)
    errors = len(samples) - len(ok)
    print(f"{name:34} {len(ok) / seconds:8.1f} req/s  p50 {p50:6.2f} ms  p99 {p99:6.2f} ms"
          f"  errors {errors}")  # fmt: skip
    return p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=16, help="closed-loop concurrency")
    args = parser.parse_args()
    url = prepare_database()
    started = time.perf_counter()
    products = seed_products(url, products=args.items, datasets_dir=get_settings().datasets_dir)
    print(f"seeded {len(products):,} sellable products in {time.perf_counter() - started:.0f} s")
    models_dir = Path(tempfile.mkdtemp(prefix="agora-bench-models-"))
    users = train(products, args.users, models_dir)
    env = {**os.environ, "AGORA_DATABASE_URL": url, "AGORA_MODELS_DIR": str(models_dir),
           "AGORA_JWT_SECRET": SECRET, "AGORA_LOG_LEVEL": "WARNING", "OMP_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}  # fmt: skip
    env.pop("AGORA_REDIS_URL", None)
    headers = {"Authorization": f"Bearer {admin_token(SECRET)}"}
    rng = random.Random(3)
    rec = "/api/v1/recommendations"
    shapes: dict[str, Callable[[], str]] = {
        "user recommendations": lambda: f"{rec}/users/{rng.choice(users)}?k=20",
        "similar items": lambda: f"{rec}/items/{rng.choice(products)}/similar?k=20",
    }
    log = Path(tempfile.gettempdir()) / "agora-bench-recs-server.log"
    with ApiServer(PORT, env, log_path=log, workers=2):
        base = f"http://127.0.0.1:{PORT}"
        p99s = []
        for name, urls in shapes.items():
            paced = run(open_loop(base, headers, urls, rate=args.rate, warmup=3,
                                  seconds=args.seconds))  # fmt: skip
            p99s.append(report(f"{name} @ {args.rate:.0f}/s", paced, args.seconds))
            peak = run(closed_loop(base, headers, urls, workers=args.workers, warmup=2,
                                   seconds=args.seconds / 2))  # fmt: skip
            report(f"{name} peak ({args.workers} conns)", peak, args.seconds / 2)
    verdict = "met" if max(p99s) < GOAL_P99_MS else "MISSED"
    print(f"goal p99 < {GOAL_P99_MS:.0f} ms at {args.rate:.0f} req/s: {verdict}")


if __name__ == "__main__":
    main()
