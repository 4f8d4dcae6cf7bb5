"""``agora seed synthetic`` at scale: 1M+ behaviour events and 100k+ orders into a fresh
PostgreSQL database; prints wall time, rows/s and peak memory, then re-runs the same seed
(which must write nothing) and prints that too.

    python -m bench.synthetic_seed [--users 50000 --days 40 ...] [--no-rerun]
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from pathlib import Path

import psycopg
from sqlalchemy import text

from marketplace.db import migrate
from marketplace.db.engine import make_engine
from marketplace.seeding.synthetic import SyntheticParams
from marketplace.seeding.synthetic.seed import seed_synthetic

PG_ADMIN = os.environ.get("AGORA_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
DB_NAME = os.environ.get("AGORA_BENCH_SYNTHETIC_DB", "agora_bench_synthetic")
TRUTH = Path(__file__).resolve().parent.parent / "var" / "bench" / "synthetic.truth.json"


def _recreate(url: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    migrate.upgrade(url)


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _run(url: str, params: SyntheticParams, label: str) -> None:
    engine = make_engine(url, pool_size=2)
    started = time.perf_counter()
    summary = seed_synthetic(
        engine, params, truth_path=TRUTH, progress=lambda msg: print(f"  {msg}", flush=True)
    )
    wall = time.perf_counter() - started
    with engine.connect() as conn:
        orders = conn.execute(text("SELECT count(*) FROM orders")).scalar_one()
        events = conn.execute(text("SELECT count(*) FROM behaviour_events")).scalar_one()
    engine.dispose()
    written = sum(summary.new_rows.values())
    generated = summary.generated
    print(
        f"{label}: wall {wall:.1f}s; generated {generated['events']:,} events and "
        f"{generated['checkouts']:,} checkouts; in the database {events:,} events, "
        f"{orders:,} orders",
        flush=True,
    )
    print(
        f"  rows written {written:,} ({written / wall:,.0f} rows/s); events "
        f"{generated['events'] / wall:,.0f}/s generated+checked; peak RSS {_peak_mib():,.0f} MiB"
    )
    print("  new rows per table: " + ", ".join(f"{k} {v:,}" for k, v in summary.new_rows.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--merchants", type=int, default=500)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=40)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-rerun", action="store_true")
    args = parser.parse_args()
    # Busier sessions than the defaults: about ten events per order, as the target asks.
    params = SyntheticParams(
        users=args.users,
        merchants=args.merchants,
        products=args.products,
        days=args.days,
        seed=args.seed,
        search_rate=0.2,
        views_per_session=3,
        cart_rate=0.3,
    )
    url = f"{PG_ADMIN.rpartition('/')[0]}/{DB_NAME}"
    _recreate(url)
    print(f"fresh database {DB_NAME}; {params}", flush=True)
    _run(url, params, "first run")
    if not args.no_rerun:
        _run(url, params, "re-run (same seed)")


if __name__ == "__main__":
    main()
