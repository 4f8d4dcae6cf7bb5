"""Behaviour-events ingest benchmark: batches of events posted over HTTP on loopback.

uvicorn with 2 workers serves Agora on a fresh PostgreSQL database (the migrations, so
``behaviour_events`` is partitioned by day); N concurrent clients (half signed in, half
anonymous) post batches of 100 mixed events (views, searches, clicks, cart changes, a few
purchases) with client event ids, for ``--duration`` seconds. Prints events/s, p50/p99 per
batch, and the rows actually in the table.

    python -m bench.events_ingest [--duration 10] [--concurrency 16] [--batch 100]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.api_server import ApiServer
from bench.results import percentile
from marketplace.bootstrap import bootstrap
from marketplace.config import Settings
from marketplace.db import migrate
from marketplace.parties.domain import MemberLevel, User
from marketplace.shared.ids import new_id

PG_ADMIN = os.environ.get("AGORA_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
DB_NAME = os.environ.get("AGORA_BENCH_EVENTS_DB", "agora_bench_events")
LOG_DIR = Path(__file__).resolve().parent.parent / "var" / "bench"
PRODUCTS = [(new_id("prod"), new_id("sku"), new_id("mer")) for _ in range(5_000)]


def _recreate() -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    url = f"{PG_ADMIN.rpartition('/')[0]}/{DB_NAME}"
    migrate.upgrade(url)
    return url


def _event(rng: random.Random, session: str) -> dict[str, Any]:
    product, sku, merchant = rng.choice(PRODUCTS)
    at = (datetime.now(UTC) - timedelta(seconds=rng.uniform(0, 3600))).isoformat()
    base = {"id": str(uuid.uuid4()), "occurred_at": at, "session_id": session,
            "channel": rng.choice(("web", "app", "mini_program"))}  # fmt: skip
    roll = rng.random()
    if roll < 0.55:
        return {**base, "type": "view", "product_id": product, "sku_id": sku,
                "merchant_id": merchant, "unit_price": "199.00", "currency": "CNY"}  # fmt: skip
    if roll < 0.70:
        results = [p for p, _, _ in rng.sample(PRODUCTS, 20)]
        return {**base, "type": "search", "query": "wireless earbuds", "results": results,
                "attribution_id": new_id("srch")}  # fmt: skip
    if roll < 0.85:
        return {**base, "type": "click", "product_id": product, "position": rng.randrange(20),
                "attribution_id": new_id("rec")}  # fmt: skip
    if roll < 0.95:
        kind = "add_to_cart" if roll < 0.92 else "remove_from_cart"
        return {**base, "type": kind, "sku_id": sku, "quantity": rng.randint(1, 3)}
    return {**base, "type": "purchase", "order_id": new_id("ord"), "sku_id": sku,
            "product_id": product, "quantity": 1, "unit_price": "199.00",
            "currency": "CNY"}  # fmt: skip


async def _client_loop(
    base: str, number: int, headers: dict[str, str], args: argparse.Namespace, stop_at: float,
    out: list[tuple[float, float, int, int]],
) -> None:  # fmt: skip
    rng = random.Random(number)
    session = f"bench_{number:04d}_{uuid.uuid4().hex[:12]}"
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        while time.perf_counter() < stop_at:
            body = {"events": [_event(rng, session) for _ in range(args.batch)]}
            started = time.perf_counter()
            response = await client.post("/api/v1/events", json=body)
            ms = (time.perf_counter() - started) * 1000
            accepted = response.json().get("accepted", 0) if response.status_code == 200 else 0
            out.append((started, ms, response.status_code, accepted))


async def _load(base: str, headers: list[dict[str, str]], args: argparse.Namespace) -> Any:
    """Batches sent in the measured window (after the warm-up), and the window's length."""
    out: list[tuple[float, float, int, int]] = []
    measure_from = time.perf_counter() + args.warmup
    stop_at = measure_from + args.duration
    await asyncio.gather(*(
        _client_loop(base, i, headers[i % len(headers)], args, stop_at, out)
        for i in range(args.concurrency)
    ))  # fmt: skip
    measured = [s[1:] for s in out if s[0] >= measure_from]
    return measured, time.perf_counter() - measure_from


def _tokens(url: str, count: int) -> list[dict[str, str]]:
    """Half signed in (tokens minted with the codec, no login in the loop), half anonymous."""
    app = bootstrap(Settings(database_url=url, access_token_ttl_seconds=3600))
    now = datetime.now(UTC)
    headers: list[dict[str, str]] = []
    for i in range(count):
        if i % 2:
            headers.append({})
            continue
        uid = new_id("usr")
        user = User(id=uid, email=f"{uid}@bench.example", password_hash="!", display_name=uid,
                    locale="zh", member_level=MemberLevel.REGULAR, is_platform_admin=False,
                    is_active=True, created_at=now, updated_at=now)  # fmt: skip
        headers.append({"Authorization": f"Bearer {app.tokens.issue(user, now=now).token}"})
    app.close()
    return headers


def _rows(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT count(*) FROM behaviour_events").fetchone()
        parts = conn.execute(
            "SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent "
            "WHERE p.relname = 'behaviour_events'"
        ).fetchone()
    return int(rows[0] if rows else 0), int(parts[0] if parts else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=float, default=10, help="seconds of load")
    parser.add_argument("--concurrency", type=int, default=16, help="clients posting at once")
    parser.add_argument("--batch", type=int, default=100, help="events per request")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds not measured")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args()
    url = _recreate()
    headers = _tokens(url, args.concurrency)
    env = {**os.environ, "AGORA_DATABASE_URL": url, "AGORA_LOG_LEVEL": "WARNING",
           "OMP_NUM_THREADS": "1", "AGORA_JOBS_IN_PROCESS_SECONDS": "0"}  # fmt: skip
    env.pop("AGORA_REDIS_URL", None)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{args.port}"
    with ApiServer(args.port, env, log_path=LOG_DIR / "events-server.log",
                   workers=args.workers) as server:  # fmt: skip
        samples, wall = asyncio.run(_load(base, headers, args))
        log = server.summary()
    ok = [s for s in samples if s[1] == 200]
    accepted = sum(s[2] for s in ok)
    rows, partitions = _rows(url)
    latencies = [s[0] for s in ok]
    report = {
        "batches": len(samples), "failed_batches": len(samples) - len(ok),
        "batch_size": args.batch, "concurrency": args.concurrency, "seconds": round(wall, 2),
        "events_per_s": round(accepted / wall, 1),
        "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
        "accepted": accepted, "rows_in_table": rows, "partitions": partitions,
        "server_errors": log.unhandled,
    }  # fmt: skip
    print(f"events ingest: {report['events_per_s']:,} events/s over {report['seconds']} s, "
          f"{args.concurrency} clients x {args.batch} events per batch; per batch "
          f"p50 {report['p50_ms']} ms p99 {report['p99_ms']} ms; {accepted:,} accepted, "
          f"{rows:,} rows in behaviour_events with the warm-up ({partitions} partitions), "
          f"{report['failed_batches']} failed batches")  # fmt: skip
    print("BENCH_SUMMARY " + json.dumps(report))


if __name__ == "__main__":
    main()
