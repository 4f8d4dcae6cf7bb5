"""The printout of the checkout benchmark: the runs, the two goals, the profile."""

from __future__ import annotations

import argparse
import math
import os

from bench.api_server import LogSummary
from bench.checkout_profile import PHASES, Profile
from bench.cpu import OTHERS
from bench.results import RunResult

NAMES = {
    "ceiling": "ceiling: bare psycopg txn",
    "ceiling_hot": "ceiling: bare psycopg txn, hot SKUs",
    "serial": "HTTP place-and-pay, one at a time",
    "peak": "HTTP place-and-pay @ peak",
    "half": "HTTP place-and-pay @ 50% of peak, Poisson",
    "hot": "HTTP place-and-pay, hot SKUs @ peak",
}
RATIO_GOAL = 0.5
P99_GOAL_MS = 100.0


def find(runs: list[RunResult], key: str) -> RunResult | None:
    return next((r for r in runs if r.name == NAMES[key]), None)


def print_report(
    runs: list[RunResult], profile: Profile, args: argparse.Namespace, *, schema_source: str,
    server_log: LogSummary | None,
) -> None:  # fmt: skip
    print(
        f"\nAgora checkout benchmark: place-and-pay over HTTP (uvicorn, {args.workers} workers) on "
        f"PostgreSQL; {args.buyers} buyers, {args.skus:,} SKUs of {args.merchants} merchants; "
        f"an order = 3 SKUs of 3 merchants, wallet payment; concurrency {args.concurrency}; "
        f"{args.duration:g}s per run after {args.warmup:g}s warm-up; schema from "
        f"{schema_source}; {os.cpu_count()} cores shared by the load generator (asyncio + "
        "httpx, this process), the API and PostgreSQL"
    )
    print(f"\n{'scenario':44} {'orders/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'checkout':>8} "
          f"{'payment':>8} {'errors':>6} {'client':>6}")  # fmt: skip
    for r in runs:
        phases = (f"{r.p(50, 0):8.1f} {r.p(50, 1):8.1f}" if r.name.startswith("HTTP")
                  else f"{'':8} {'':8}")  # fmt: skip
        print(f"{r.name:44} {r.rate:8.1f} {r.p(50):7.1f} {r.p(99):7.1f} {phases} "
              f"{r.errors:6d} {r.client_cores:6.0%}")  # fmt: skip
    print("(checkout, payment: p50 ms of each request; client: the load generator's own CPU,"
          " in % of one core)")  # fmt: skip
    for r in runs:
        if r.errors:
            kinds = "; ".join(f"{n} x {kind}" for kind, n in r.error_kinds())
            print(f"  errors of {r.name}: {kinds}")
    if server_log is not None and (server_log.unhandled or server_log.worker_restarts):
        causes = ", ".join(f"{n} x {cause}" for cause, n in server_log.causes)
        print(
            f"  server: {server_log.unhandled} requests ended in 500 ({causes}); "
            f"{server_log.worker_restarts} workers replaced by uvicorn; log: {server_log.path}"
        )
    _print_cpu(runs)
    _print_goals(runs)
    _print_profile(profile, runs)


def _print_cpu(runs: list[RunResult]) -> None:
    print("\nCPU by party (cores used on average, and CPU ms per successful order), and WAL "
          "per order (the whole PostgreSQL cluster's):")  # fmt: skip
    for r in runs:
        if r.cpu is None:
            continue
        parts = ", ".join(
            f"{g} {c:.2f}" + ("" if g == OTHERS else f" ({r.per_order(r.cpu.cpu_ms(g)):.1f} ms)")
            for g, c in sorted(r.cpu.cores.items(), key=lambda gc: gc[0] == OTHERS)
        )
        wal = "" if r.wal_bytes is None else f"; WAL {r.per_order(r.wal_bytes) / 1024:.1f} KiB"
        print(f"  {r.name:44} machine busy {r.cpu.machine_busy:4.0%}: {parts}{wal}")


def ratio(runs: list[RunResult]) -> float | None:
    ceiling, peak = find(runs, "ceiling"), find(runs, "peak")
    if ceiling is None or peak is None or not ceiling.rate:
        return None
    return peak.rate / ceiling.rate


def _print_goals(runs: list[RunResult]) -> None:
    print()
    r = ratio(runs)
    if r is None:
        print("HTTP peak / ceiling: not measured (--skip-ceiling)")
    else:
        met = "met" if r >= RATIO_GOAL else "NOT met"
        print(f"HTTP place-and-pay peak / bare-psycopg ceiling = {r:.1%}  "
              f"(goal >= {RATIO_GOAL:.0%}: {met})")  # fmt: skip
    half = find(runs, "half")
    if half is not None:
        p99 = half.p(99)
        met = "met" if p99 < P99_GOAL_MS and not half.errors else "NOT met"
        print(f"p99 at half of our peak ({half.target_rate:.1f} orders/s offered, "
              f"{half.rate:.1f} done) = {p99:.1f} ms, p50 {half.p(50):.1f} ms  "
              f"(goal < {P99_GOAL_MS:.0f} ms: {met})")  # fmt: skip


def _print_profile(profile: Profile, runs: list[RunResult]) -> None:
    print(f"\nWhere the time goes: {profile.orders} orders in-process, one at a time "
          "(service functions, no HTTP); per order:")  # fmt: skip
    print(f"  {'phase':9} {'wall ms':>8} {'SQL trips':>9} {'DB ms':>7} {'commits':>7} "
          f"{'commit ms':>9} {'CPU ms':>7}  statements")  # fmt: skip
    for phase in PHASES:
        s, n = profile.phases[phase], profile.orders
        verbs = ", ".join(f"{v} {c / n:.0f}" for v, c in s.verbs.most_common())
        print(f"  {phase:9} {s.wall_s * 1000 / n:8.2f} {s.statements / n:9.1f} "
              f"{s.db_s * 1000 / n:7.2f} {s.commits / n:7.1f} {s.commit_s * 1000 / n:9.2f} "
              f"{s.cpu_s * 1000 / n:7.2f}  {verbs}")  # fmt: skip
    print("  (DB ms: statement round trips as the client sees them; CPU ms: this process's "
          "CPU, i.e. Python, SQLAlchemy and psycopg)")  # fmt: skip
    cpu = sum(profile.per_order(p, "cpu_s") for p in PHASES) * 1000
    print(
        f"  API workers' CPU per order over HTTP, against {cpu:.1f} ms for the services "
        "in-process (the difference: uvicorn, FastAPI, pydantic, JSON, JWT, threads):"
    )
    for key in ("serial", "peak"):
        api = cpu_per_order(find(runs, key), "API workers")
        if api is not None:
            print(f"    {NAMES[key]:42} {api:7.1f} ms  (+{api - cpu:.1f} ms)")
    print("  CPU of the services by library (cProfile, own CPU time, share of the total):")
    for label, share in profile.library_share:
        print(f"    {share:6.1%}  {label}")
    print("  functions with the most own CPU time:")
    for label, share in profile.hot_functions[:8]:
        print(f"    {share:6.1%}  {label}")


def cpu_per_order(run: RunResult | None, group: str) -> float | None:
    """CPU ms one party spent per successful order during ``run``."""
    if run is None or run.cpu is None or not run.completed:
        return None
    return run.per_order(run.cpu.cpu_ms(group))


def summary(runs: list[RunResult], profile: Profile) -> dict[str, float | None]:
    def rate(key: str) -> float | None:
        run = find(runs, key)
        return round(run.rate, 1) if run else None

    def p(key: str, q: float) -> float | None:
        run = find(runs, key)
        value = run.p(q) if run else math.nan
        return None if math.isnan(value) else round(value, 2)

    def cpu_ms(key: str, group: str) -> float | None:
        value = cpu_per_order(find(runs, key), group)
        return None if value is None else round(value, 2)

    def wal_kib(key: str) -> float | None:
        run = find(runs, key)
        if run is None or run.wal_bytes is None or not run.completed:
            return None
        return round(run.per_order(run.wal_bytes) / 1024, 2)

    r = ratio(runs)
    statements = sum(profile.per_order(ph, "statements") for ph in PHASES)
    return {
        "ceiling": rate("ceiling"), "ceiling_hot": rate("ceiling_hot"),
        "peak": rate("peak"), "hot_peak": rate("hot"), "serial": rate("serial"),
        "peak_ratio": None if r is None else round(r, 4),
        "half_peak_rate": rate("half"), "half_peak_p50_ms": p("half", 50),
        "half_peak_p99_ms": p("half", 99), "peak_p99_ms": p("peak", 99),
        "sql_trips_per_order": round(statements, 1),
        "peak_api_cpu_ms_per_order": cpu_ms("peak", "API workers"),
        "peak_pg_cpu_ms_per_order": cpu_ms("peak", "PostgreSQL"),
        "ceiling_pg_cpu_ms_per_order": cpu_ms("ceiling", "PostgreSQL"),
        "peak_wal_kib_per_order": wal_kib("peak"),
        "ceiling_wal_kib_per_order": wal_kib("ceiling"),
        "in_process_ms_per_order": round(
            sum(profile.per_order(ph, "wall_s") for ph in PHASES) * 1000, 2),
        "in_process_cpu_ms_per_order": round(
            sum(profile.per_order(ph, "cpu_s") for ph in PHASES) * 1000, 2),
    }  # fmt: skip
