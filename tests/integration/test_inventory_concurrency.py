"""No oversell under real concurrency on PostgreSQL: threads and processes race the same
stock row, and release/commit/expire race the same reservations."""

from __future__ import annotations

import multiprocessing
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from marketplace.db.engine import make_engine
from marketplace.db.uow import SqlUnitOfWork
from marketplace.inventory import services as svc
from marketplace.inventory.adapters.tables import reservations, stock_movements
from marketplace.inventory.domain import (
    InsufficientStockError,
    Operator,
    ReservationExpiredError,
    ReservationNotActiveError,
)
from marketplace.shared.clock import FixedClock
from tests.integration.inventory_seed import (
    T0,
    assert_stock_consistent,
    seed_merchant,
    seed_sku,
    stock_row,
)

pytestmark = pytest.mark.postgres

THREADS = 50
STOCK = 20


@pytest.fixture
def racing_engine(pg_engine: Engine, pg_url: str) -> Iterator[Engine]:
    """An engine with a connection per thread, opened before the race starts."""
    engine = make_engine(pg_url, pool_size=THREADS + 5)
    held = [engine.connect() for _ in range(THREADS + 2)]
    for conn in held:
        conn.close()
    yield engine
    engine.dispose()


def _stocked(engine: Engine, quantity: int) -> tuple[Operator, str, str]:
    op = Operator.merchant(seed_merchant(engine), "user:racer")
    sku = seed_sku(engine, op.merchant_id or "")
    uow = SqlUnitOfWork(engine, clock=FixedClock(T0))
    wh = svc.create_warehouse(svc.CreateWarehouse(op, "RACE", "Race", "CN", "Z"), uow=uow).id
    svc.receive_stock(svc.ReceiveStock(op, sku, wh, quantity), uow=uow)
    return op, sku, wh


def _race(n: int, work: Callable[[int], str]) -> Counter[str]:
    barrier = threading.Barrier(n)

    def run(i: int) -> str:
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return Counter(pool.map(run, range(n)))


def _movements(engine: Engine, **where: str) -> Counter[str]:
    query = select(stock_movements.c.kind, func.count()).group_by(stock_movements.c.kind)
    for column, value in where.items():
        query = query.where(stock_movements.c[column] == value)
    with engine.connect() as conn:
        return Counter({kind: int(n) for kind, n in conn.execute(query)})


def test_fifty_threads_reserve_twenty_units_exactly_twenty_win(racing_engine: Engine) -> None:
    op, sku, wh = _stocked(racing_engine, STOCK)

    def reserve(i: int) -> str:
        # Half name the warehouse, half let the service pick it: both paths race.
        cmd = svc.ReserveStock(op, sku, 1, f"order-{i}", warehouse_id=wh if i % 2 else None)
        try:
            svc.reserve_stock(cmd, uow=SqlUnitOfWork(racing_engine, clock=FixedClock(T0)))
        except InsufficientStockError:
            return "insufficient"
        return "reserved"

    outcome = _race(THREADS, reserve)

    assert outcome == Counter(reserved=STOCK, insufficient=THREADS - STOCK)
    assert stock_row(racing_engine, sku, wh) == (STOCK, STOCK)
    assert _movements(racing_engine, sku_id=sku) == Counter(inbound=1, reserve=STOCK)
    assert_stock_consistent(racing_engine)


def test_release_commit_and_expire_race_each_reservation_ends_once(
    racing_engine: Engine,
) -> None:
    count = 40
    op, sku, wh = _stocked(racing_engine, count)
    early = FixedClock(T0)
    ids = [
        svc.reserve_stock(
            svc.ReserveStock(op, sku, 1, f"o-{i}", ttl_seconds=60),
            uow=SqlUnitOfWork(racing_engine, clock=early),
        ).id
        for i in range(count)
    ]
    late = T0 + timedelta(minutes=5)

    def work(i: int) -> str:
        uow = SqlUnitOfWork(racing_engine, clock=early)
        if i >= 8:
            return f"expired:{svc.expire_reservations(late, uow=uow, batch_size=7)}"
        finish = svc.release_reservation if i % 2 else svc.commit_reservation
        order = random.Random(i).sample(ids, len(ids))
        won = 0
        for rid in order:
            try:
                finish(svc.FinishReservation(op, rid), uow=uow)
                won += 1
            except (ReservationNotActiveError, ReservationExpiredError):
                pass
        return f"{finish.__name__}:{won}"

    outcome = _race(10, work)
    wins = sum(int(label.rsplit(":", 1)[1]) for label in outcome.elements())
    assert wins == count, outcome

    with racing_engine.connect() as conn:
        statuses = Counter(
            dict(conn.execute(select(reservations.c.status, func.count()).group_by("status")).all())
        )
        exits_per_reservation = conn.execute(
            select(stock_movements.c.reservation_id, func.count())
            .where(stock_movements.c.kind.in_(["release", "commit", "expire"]))
            .group_by(stock_movements.c.reservation_id)
        ).all()
    assert "active" not in statuses
    assert sum(statuses.values()) == count
    assert len(exits_per_reservation) == count
    assert {n for _, n in exits_per_reservation} == {1}
    committed = statuses.get("committed", 0)
    assert stock_row(racing_engine, sku, wh) == (count - committed, 0)
    assert_stock_consistent(racing_engine)


def test_twin_requests_with_one_reference_reserve_once(racing_engine: Engine) -> None:
    op, sku, wh = _stocked(racing_engine, STOCK)
    twins = 12

    def reserve(i: int) -> str:
        # Half name the warehouse, half let the service pick the same (only) one.
        cmd = svc.ReserveStock(op, sku, 3, "checkout-42", warehouse_id=wh if i % 2 else None)
        uow = SqlUnitOfWork(racing_engine, clock=FixedClock(T0))
        return svc.reserve_stock(cmd, uow=uow).id

    outcome = _race(twins, reserve)

    assert len(outcome) == 1, outcome  # every twin got the same reservation
    assert stock_row(racing_engine, sku, wh) == (STOCK, 3)
    assert _movements(racing_engine, sku_id=sku) == Counter(inbound=1, reserve=1)
    assert_stock_consistent(racing_engine)


# -- processes ----------------------------------------------------------------------------
PROCESSES = 6
ATTEMPTS_PER_PROCESS = 6


def _process_worker(
    url: str, merchant_id: str, sku: str, wh: str, index: int, barrier: object
) -> list[str]:
    engine = make_engine(url, pool_size=1)
    engine.connect().close()
    op = Operator.merchant(merchant_id, f"proc:{index}")
    results = []
    barrier.wait()  # type: ignore[attr-defined]
    for attempt in range(ATTEMPTS_PER_PROCESS):
        cmd = svc.ReserveStock(op, sku, 1, f"p{index}-{attempt}", warehouse_id=wh)
        try:
            svc.reserve_stock(cmd, uow=SqlUnitOfWork(engine, clock=FixedClock(T0)))
            results.append("reserved")
        except InsufficientStockError:
            results.append("insufficient")
    engine.dispose()
    return results


def test_processes_reserve_without_overselling(pg_engine: Engine, pg_url: str) -> None:
    op, sku, wh = _stocked(pg_engine, STOCK)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Manager() as manager:
        barrier = manager.Barrier(PROCESSES)
        with ctx.Pool(PROCESSES) as pool:
            args = [(pg_url, op.merchant_id, sku, wh, i, barrier) for i in range(PROCESSES)]
            per_process = pool.starmap(_process_worker, args)
    outcome = Counter(r for results in per_process for r in results)
    assert outcome == Counter(reserved=STOCK, insufficient=PROCESSES * ATTEMPTS_PER_PROCESS - STOCK)
    assert stock_row(pg_engine, sku, wh) == (STOCK, STOCK)
    assert_stock_consistent(pg_engine)
