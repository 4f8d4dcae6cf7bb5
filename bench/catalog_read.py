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
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


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
    url: str, path: str, ids: list[str], *, duration: int, connections: int, delay_ms: float = 0
) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".ids", delete=False) as fh:
        fh.write("\n".join(ids) + "\n")
    env = {
        **os.environ,
        "BENCH_IDS": fh.name,
        "BENCH_PATH": path,
        "BENCH_DELAY_MS": str(int(delay_ms)),
    }
    cmd = [
        "wrk",
        "-t2",
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


def measure(
    name: str, base: str, path: str, ids: list[str], args: argparse.Namespace, results: list[Result]
) -> float:
    wrk(base, path, ids, duration=3, connections=args.connections)  # warm-up (fills caches)
    peak = wrk(base, path, ids, duration=args.duration, connections=args.connections)
    results.append(
        Result(
            f"{name} @ peak",
            peak["rps"],
            peak["p50_us"] / 1000,
            peak["p99_us"] / 1000,
            peak["errors"] + peak["non2xx"],
        )
    )
    half_rate = peak["rps"] / 2
    paced_conns = 16
    delay = paced_conns / half_rate * 1000  # ms between requests on each connection
    half = wrk(base, path, ids, duration=args.duration, connections=paced_conns, delay_ms=delay)
    results.append(
        Result(
            f"{name} @ half peak",
            half["rps"],
            half["p50_us"] / 1000,
            half["p99_us"] / 1000,
            half["errors"] + half["non2xx"],
        )
    )
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
    with Server(args.port, {**base_env, "AGORA_REDIS_URL": REDIS_URL}):
        sample = httpx.get(base + detail % product_ids[0]).content
        r.set(PREFIX + "bench:blob", sample)
        peaks["ceiling"] = measure(
            "ceiling: bare endpoint, blob from Redis",
            base,
            "/_bench/redis-blob?%s",
            ["x"],
            args,
            results,
        )
        peaks["detail_cached"] = measure(
            "product detail, Redis cache", base, detail, product_ids, args, results
        )
        peaks["listing_cached"] = measure(
            "category listing, Redis on", base, listing, category_ids, args, results
        )
    env_no_redis = {k: v for k, v in base_env.items() if k != "AGORA_REDIS_URL"}
    with Server(args.port, env_no_redis):
        peaks["detail_db"] = measure(
            "product detail, no cache (PostgreSQL)", base, detail, product_ids, args, results
        )
        peaks["listing_db"] = measure(
            "category listing, no cache", base, listing, category_ids, args, results
        )
    print(
        f"\nAgora catalog read benchmark: {args.skus:,} SKUs on PostgreSQL, uvicorn 2 "
        f"workers, wrk -t2 -c{args.connections}, {args.duration}s per run, "
        f"{os.cpu_count()} cores shared with the load generator"
    )
    print(f"{'scenario':58} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for res in results:
        print(f"{res.name:58} {res.rps:9.0f} {res.p50_ms:8.2f} {res.p99_ms:8.2f} {res.errors:7d}")
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
