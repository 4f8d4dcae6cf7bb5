"""Catalog read benchmark: product detail and category listing over HTTP on loopback.

uvicorn with 2 workers serves Agora against PostgreSQL holding 100k SKUs, once with the
Redis cache and once without. In the same run it measures a bare endpoint that returns one
JSON blob from Redis (the machine's ceiling) and prints our peak throughput as a ratio of
it, and p50/p99 latency at half of our peak rate. Load comes from wrk (Debian package).

    python -m bench.catalog_read [--skus 100000] [--duration 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import redis

from bench import seed_catalog
from marketplace.config import get_settings
from marketplace.db import migrate

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).with_name("wrk_script.lua")
PG_ADMIN = os.environ.get("AGORA_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
DB_NAME = os.environ.get("AGORA_BENCH_DB", "agora_bench")
REDIS_URL = os.environ.get("AGORA_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
PREFIX = "agora-bench:"


@dataclass
class Result:
    name: str
    wrk: dict[str, float]
    redis_hit_ratio: float | None

    @property
    def rps(self) -> float:
        return self.wrk["rps"]

    @property
    def p50_ms(self) -> float:
        return self.wrk["p50_us"] / 1000

    @property
    def p99_ms(self) -> float:
        return self.wrk["p99_us"] / 1000

    @property
    def errors(self) -> int:
        return int(self.wrk["errors"] + self.wrk["non2xx"])


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk (Debian package)...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        return shutil.which("wrk") or sys.exit("wrk did not install")
    sys.exit("wrk is required: apt-get install wrk")


def prepare_database(skus: int) -> tuple[str, seed_catalog.SeededCatalog | None]:
    base = PG_ADMIN.rpartition("/")[0]
    url = f"{base}/{DB_NAME}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname=%s", (DB_NAME,)).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    migrate.upgrade(url)
    with psycopg.connect(url) as conn:
        have = conn.execute("SELECT count(*) FROM skus").fetchone()[0]  # type: ignore[index]
    if have == skus:
        return url, None
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "TRUNCATE merchants, shops, categories, products, product_translations, "
            "skus, sku_prices RESTART IDENTITY CASCADE"
        )
    started = time.perf_counter()
    seeded = seed_catalog.seed(url, datasets_dir=get_settings().datasets_dir, skus=skus)
    print(
        f"seeded {seeded.sku_count:,} SKUs / {len(seeded.product_ids):,} products in "
        f"{time.perf_counter() - started:.1f}s",
        flush=True,
    )
    return url, seeded


def load_ids(url: str) -> tuple[list[str], list[str]]:
    with psycopg.connect(url) as conn:
        products = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM products WHERE status='listed' ORDER BY random() LIMIT 5000"
            )
        ]
        categories = [r[0] for r in conn.execute("SELECT id FROM categories")]
    return products, categories


class Server:
    def __init__(self, port: int, env: dict[str, str]) -> None:
        self.port, self.env = port, env
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        cmd = [
            sys.executable,
            "-m",
            "uvicorn",
            "serving.api.app:app_from_env",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "2",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("server did not become ready")

    def __exit__(self, *exc: object) -> None:
        if self.proc:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


def wrk(
    url: str,
    path: str,
    ids: list[str],
    *,
    duration: int,
    connections: int,
    delay_ms: float = 0,
    threads: int = 2,
) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".ids", delete=False) as fh:
        fh.write("\n".join(ids) + "\n")
    env = {
        **os.environ,
        "BENCH_IDS": fh.name,
        "BENCH_PATH": path,
        "BENCH_DELAY_MS": f"{delay_ms:.3f}",
    }
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "-s",
        str(LUA),
        url,
    ]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    os.unlink(fh.name)
    line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON "))
    data = json.loads(line[len("BENCH_JSON ") :])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data  # type: ignore[no-any-return]


def warm(base: str, path: str, ids: list[str]) -> None:
    """Request every id once, so that a cached run measures hits, not first misses."""
    with httpx.Client(base_url=base, timeout=30) as client, ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: client.get(path % i).raise_for_status(), ids))


def hit_ratio(r: redis.Redis, before: dict[str, int]) -> float | None:
    after = r.info("stats")
    hits = after["keyspace_hits"] - before["keyspace_hits"]
    misses = after["keyspace_misses"] - before["keyspace_misses"]
    return hits / (hits + misses) if hits + misses else None


def paced(base: str, path: str, ids: list[str], target: float, duration: int) -> dict[str, float]:
    """Run at ``target`` req/s: one wrk thread, 8 connections with Poisson arrivals. The mean
    delay is calibrated until the achieved rate is within 5% of the target."""
    conns = 8
    delay = conns / target * 1000
    for _ in range(5):
        probe = wrk(base, path, ids, duration=3, connections=conns, delay_ms=delay, threads=1)
        if abs(probe["rps"] - target) / target < 0.05:
            break
        delay = max(0.05, delay * probe["rps"] / target)
    return wrk(base, path, ids, duration=duration, connections=conns, delay_ms=delay, threads=1)


def measure(
    name: str,
    base: str,
    path: str,
    ids: list[str],
    args: argparse.Namespace,
    results: list[Result],
    r: redis.Redis,
) -> float:
    warm(base, path, ids)
    wrk(base, path, ids, duration=3, connections=args.connections)  # steady state
    before = r.info("stats")
    peak = wrk(base, path, ids, duration=args.duration, connections=args.connections)
    results.append(Result(f"{name} @ peak", peak, hit_ratio(r, before)))
    half = paced(base, path, ids, peak["rps"] / 2, args.duration)
    results.append(Result(f"{name} @ half peak", half, None))
    return float(peak["rps"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    ensure_wrk()
    url, _ = prepare_database(args.skus)
    product_ids, category_ids = load_ids(url)
    r = redis.Redis.from_url(REDIS_URL)
    for key in r.scan_iter(match=PREFIX + "*", count=1000):
        r.delete(key)
    base_env = {
        **os.environ,
        "AGORA_DATABASE_URL": url,
        "AGORA_LOG_LEVEL": "WARNING",
        "AGORA_BENCH_ENDPOINTS": "true",
        "AGORA_REDIS_PREFIX": PREFIX,
        "OMP_NUM_THREADS": "1",
    }
    base = f"http://127.0.0.1:{args.port}"
    detail = "/api/v1/products/%s"
    listing = "/api/v1/products?category_id=%s&limit=20"
    results: list[Result] = []
    peaks: dict[str, float] = {}
    cached_env = {**base_env, "AGORA_REDIS_URL": REDIS_URL}
    no_redis_env = {k: v for k, v in base_env.items() if k != "AGORA_REDIS_URL"}
    with Server(args.port, cached_env):
        r.set(PREFIX + "bench:blob", httpx.get(base + detail % product_ids[0]).content)
        for key, name, path, ids in (
            ("ceiling", "ceiling: bare endpoint, blob from Redis", "/_bench/redis-blob?%s", ["x"]),
            ("detail_cached", "product detail, Redis cache", detail, product_ids),
            ("listing_cached", "category listing, Redis on", listing, category_ids),
        ):
            peaks[key] = measure(name, base, path, ids, args, results, r)
    with Server(args.port, no_redis_env):
        for key, name, path, ids in (
            ("detail_db", "product detail, no cache (PostgreSQL)", detail, product_ids),
            ("listing_db", "category listing, no cache", listing, category_ids),
        ):
            peaks[key] = measure(name, base, path, ids, args, results, r)
    print(
        f"\nAgora catalog read benchmark: {args.skus:,} SKUs on PostgreSQL, uvicorn 2 "
        f"workers, wrk -t2 -c{args.connections}, {args.duration}s per run, "
        f"{os.cpu_count()} cores shared with the load generator"
    )
    print(f"{'scenario':52} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'hits':>6}")
    for res in results:
        hits = "" if res.redis_hit_ratio is None else f"{res.redis_hit_ratio:.0%}"
        print(
            f"{res.name:52} {res.rps:8.0f} {res.p50_ms:8.2f} {res.p99_ms:8.2f} "
            f"{res.errors:7d} {hits:>6}"
        )
    ratio = peaks["detail_cached"] / peaks["ceiling"]
    print(f"\nproduct detail (cached) peak / ceiling = {ratio:.1%}  (goal >= 80%)")
    half = next(x for x in results if x.name == "product detail, Redis cache @ half peak")
    print(f"product detail (cached) p99 at half peak = {half.p99_ms:.2f} ms  (goal < 20 ms)")
    print(
        "BENCH_SUMMARY "
        + json.dumps({k: round(v, 1) for k, v in peaks.items()} | {"detail_ratio": round(ratio, 4)})
    )


if __name__ == "__main__":
    main()
