"""Where the time of one place-and-pay goes: the service functions run in-process, one
order after another, with every SQL round trip counted and timed.

``SqlMeter`` hooks SQLAlchemy's ``before/after_cursor_execute`` events (one per round trip
to PostgreSQL, an ``executemany`` batch counting once) and wraps the dialect's commit, so
each phase (checkout, payment) splits into time waiting on PostgreSQL and time in Python.
A second pass under cProfile (CPU time) says which libraries the CPU goes to. No HTTP
here: the benchmark compares these figures with the same orders over HTTP at concurrency
1 and with the API workers' CPU per order at peak; the difference is the web layer
(uvicorn, FastAPI, pydantic, JSON, JWT).
"""

from __future__ import annotations

import cProfile
import pstats
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event

from bench.orders import OrderPlan
from marketplace.bootstrap import Marketplace
from marketplace.ordering.commands import LineRequest, PlaceCheckout
from marketplace.ordering.domain import Address
from marketplace.ordering.services import place_checkout
from marketplace.payments.services import StartPayment, start_payment

ADDRESS = Address(name="Li Lei", phone="13800000000", country="CN", region="Shanghai",
                  city="Shanghai", line1="1 Century Ave")  # fmt: skip
PHASES = ("checkout", "payment")


@dataclass
class PhaseStats:
    wall_s: float = 0.0
    statements: int = 0
    db_s: float = 0.0  # round trips of statements, as the client sees them
    commits: int = 0
    commit_s: float = 0.0
    cpu_s: float = 0.0  # CPU of this process (Python, SQLAlchemy, psycopg), not waiting
    verbs: Counter[str] = field(default_factory=Counter)

    @property
    def python_s(self) -> float:
        return self.wall_s - self.db_s - self.commit_s


@dataclass
class Profile:
    orders: int
    phases: dict[str, PhaseStats]
    library_share: list[tuple[str, float]]  # (bucket, share of profiled Python time)
    hot_functions: list[tuple[str, float]]  # (function, share of profiled time, own)

    def per_order(self, phase: str, attr: str) -> float:
        return float(getattr(self.phases[phase], attr)) / self.orders


class SqlMeter:
    """Counts and times the round trips and commits of one engine, per named phase."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.phase = engine, "other"
        self.stats: dict[str, PhaseStats] = {}
        self._started: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        dialect = engine.dialect
        self._original_commit = original = dialect.do_commit

        def timed_commit(dbapi_connection: Any) -> None:
            started = time.perf_counter()
            original(dbapi_connection)
            current = self.current
            current.commits += 1
            current.commit_s += time.perf_counter() - started

        dialect.do_commit = timed_commit  # type: ignore[method-assign]

    def close(self) -> None:
        """Unhook from the engine."""
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)
        self.engine.dialect.do_commit = self._original_commit  # type: ignore[method-assign]

    @property
    def current(self) -> PhaseStats:
        return self.stats.setdefault(self.phase, PhaseStats())

    def _before(self, *_: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        current = self.current
        current.statements += 1
        current.db_s += time.perf_counter() - self._started.pop()
        current.verbs[statement.lstrip().split(None, 1)[0].upper()] += 1

    @contextmanager
    def measuring(self, phase: str) -> Iterator[None]:
        self.phase = phase
        started, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.current.wall_s += time.perf_counter() - started
            self.current.cpu_s += time.process_time() - cpu
            self.phase = "other"


def place_and_pay(app: Marketplace, plan: OrderPlan, meter: SqlMeter | None = None) -> None:
    """One order through the same service calls the two HTTP endpoints make."""
    buyer, skus = plan.next_order()
    cmd = PlaceCheckout(buyer_id=buyer, address=ADDRESS, member_level="regular",
                        lines=tuple(LineRequest(s, 1) for s in skus))  # fmt: skip
    with meter.measuring("checkout") if meter else _nothing():
        group = place_checkout(cmd, uow=app.uow(), charges=app.charges)
    pay = StartPayment(buyer_id=buyer, method="wallet", group_id=group.id)
    with meter.measuring("payment") if meter else _nothing():
        payment, _ = start_payment(pay, uow=app.uow(), gateways=app.gateways,
                                   notify_url=app.notify_url)  # fmt: skip
    if str(payment.status) != "captured":
        raise RuntimeError(f"payment {payment.id} is {payment.status}, not captured")


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def profile(app: Marketplace, plan: OrderPlan, *, orders: int = 200) -> Profile:
    """Warm up, then ``orders`` timed orders, then ``orders // 2`` under cProfile."""
    for _ in range(20):
        place_and_pay(app, plan)
    meter = SqlMeter(app.engine)
    for _ in range(orders):
        place_and_pay(app, plan, meter)
    meter.close()
    # CPU time, not wall time: on a shared machine, wall time charges whichever function
    # was running when the process got descheduled.
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(max(1, orders // 2)):
        place_and_pay(app, plan)
    profiler.disable()
    buckets, hot = _breakdown(pstats.Stats(profiler))
    return Profile(orders, {p: meter.stats[p] for p in PHASES}, buckets, hot)


def trace(app: Marketplace, plan: OrderPlan) -> list[tuple[str, str]]:
    """The statements of one order, in order: (phase, statement shortened to one line)."""
    meter = SqlMeter(app.engine)
    seen: list[tuple[str, str]] = []

    def record(_c: Any, _cur: Any, statement: str, _p: Any, _ctx: Any, many: bool) -> None:
        seen.append((meter.phase, _shorten(statement) + (" [executemany]" if many else "")))

    event.listen(app.engine, "before_cursor_execute", record)
    try:
        place_and_pay(app, plan, meter)
    finally:
        event.remove(app.engine, "before_cursor_execute", record)
        meter.close()
    return seen


def _shorten(statement: str) -> str:
    """One line naming what a statement touches: its tables, the columns it sets."""
    text = " ".join(statement.split())
    verb = text.split(" ", 1)[0].upper()
    if verb == "SELECT":
        tables = dict.fromkeys(re.findall(r"(?:FROM|JOIN) (\w+)", text))
        lock = " FOR UPDATE" if "FOR UPDATE" in text else ""
        return f"SELECT from {', '.join(tables)}{lock}"
    if verb == "INSERT":
        rows = text.count("), (") + 1 if " VALUES " in text else 1
        conflict = " ON CONFLICT DO NOTHING" if "DO NOTHING" in text else ""
        return f"INSERT INTO {text.split()[2]} ({rows} row{'s' if rows > 1 else ''}){conflict}"
    if verb == "UPDATE":
        columns = re.findall(r"(\w+)=", text.split(" WHERE ", 1)[0])
        return f"UPDATE {text.split()[1]} SET {', '.join(columns)}"
    return text[:60]


_BUCKETS: list[tuple[str, Callable[[str, str], bool]]] = [
    ("psycopg waiting for PostgreSQL", lambda f, n: "psycopg" in f + n and "wait" in n),
    ("psycopg (adapting, parsing)", lambda f, n: "psycopg" in f + n),
    ("SQLAlchemy (compile, execute, rows)", lambda f, n: "sqlalchemy" in f),
    ("Agora code (marketplace/)", lambda f, n: "/marketplace/" in f),
    ("logging", lambda f, n: "/logging/" in f),
    ("other Python / stdlib", lambda f, n: True),
]


def _breakdown(stats: pstats.Stats) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """Own time (tottime) summed by library, and the functions with the most own time."""
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    total = sum(v[2] for v in raw.values()) or 1.0
    by_bucket: Counter[str] = Counter()
    for (filename, _line, name), value in raw.items():
        bucket = next(label for label, match in _BUCKETS if match(filename, name))
        by_bucket[bucket] += value[2]
    ranked = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:10]
    hot = [(_label(k), v[2] / total) for k, v in ranked]
    buckets = [(label, by_bucket[label] / total) for label, _ in _BUCKETS if by_bucket[label]]
    return buckets, hot


def _label(key: tuple[str, int, str]) -> str:
    filename, line, name = key
    if filename == "~":
        return name
    short = filename.split("site-packages/")[-1].split("/work/main/")[-1]
    return f"{short}:{line}({name})"
