"""The machine's ceiling for placing orders: bare psycopg, no web layer, no ORM.

Each transaction inserts an order and its three lines (one multi-row INSERT) into scratch
tables and takes the stock with one conditional UPDATE per line on the real
``stock_levels`` rows, in SKU order (no deadlocks), then commits: five statements and a
commit (fsync), about the least any correct implementation can do on this schema. Same
database, same order mix, same concurrency as the HTTP runs; each worker thread holds
its own connection, and psycopg releases the GIL while it waits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

from bench.orders import OrderPlan
from bench.results import Measured, Sample, Window
from marketplace.shared.ids import new_id

SCRATCH = """
CREATE TABLE IF NOT EXISTS bench_ceiling_orders (
    id varchar(40) PRIMARY KEY, buyer_id varchar(40) NOT NULL, currency char(3) NOT NULL,
    total_minor bigint NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS bench_ceiling_lines (
    order_id varchar(40) NOT NULL REFERENCES bench_ceiling_orders (id),
    position int NOT NULL, sku_id varchar(40) NOT NULL, warehouse_id varchar(40) NOT NULL,
    quantity int NOT NULL, unit_price_minor bigint NOT NULL, PRIMARY KEY (order_id, position));
"""
INSERT_ORDER = (
    "INSERT INTO bench_ceiling_orders (id, buyer_id, currency, total_minor, created_at)"
    " VALUES (%s, %s, 'CNY', %s, now())"
)
INSERT_LINES = (
    "INSERT INTO bench_ceiling_lines (order_id, position, sku_id, warehouse_id, quantity,"
    " unit_price_minor) VALUES (%s, 1, %s, %s, %s, %s), (%s, 2, %s, %s, %s, %s),"
    " (%s, 3, %s, %s, %s, %s)"
)
TAKE_STOCK = (
    "UPDATE stock_levels SET on_hand = on_hand - %s"
    " WHERE sku_id = %s AND warehouse_id = %s AND on_hand - reserved >= %s"
)
UNIT_PRICE_MINOR = 9_900


def warehouses_of(dsn: str) -> dict[str, str]:
    """SKU id -> the warehouse that stocks it (the seed stocks each SKU in one)."""
    with psycopg.connect(dsn) as conn:
        conn.execute(SCRATCH)
        return {r[0]: r[1] for r in conn.execute("SELECT sku_id, warehouse_id FROM stock_levels")}


def _order(conn: psycopg.Connection, plan: OrderPlan, warehouse: dict[str, str]) -> str | None:
    buyer, skus = plan.next_order()
    order_id, quantity = new_id("ord"), 1
    lines = sorted((s, warehouse[s]) for s in skus)
    with conn.cursor() as cur:
        cur.execute(INSERT_ORDER, (order_id, buyer, len(lines) * quantity * UNIT_PRICE_MINOR))
        params: list[object] = []
        for sku_id, warehouse_id in lines:
            params += [order_id, sku_id, warehouse_id, quantity, UNIT_PRICE_MINOR]
        cur.execute(INSERT_LINES, params)
        for sku_id, warehouse_id in lines:
            cur.execute(TAKE_STOCK, (quantity, sku_id, warehouse_id, quantity))
            if cur.rowcount != 1:
                conn.rollback()
                return "insufficient stock"
    conn.commit()
    return None


@contextmanager
def connections(dsn: str, count: int) -> Iterator[list[psycopg.Connection]]:
    """The workers' connections, opened before the run so that the CPU of their backends
    can be read while they live."""
    opened = [psycopg.connect(dsn) for _ in range(count)]
    try:
        yield opened
    finally:
        for conn in opened:
            conn.close()


def run(
    conns: list[psycopg.Connection], plan: OrderPlan, warehouse: dict[str, str], *,
    warmup_s: float, duration_s: float,
) -> Measured:  # fmt: skip
    """Closed loop, one thread per connection: the transactions that finished inside the
    window, the window, and how many succeeded over the whole run."""
    samples: list[Sample] = []
    window = Window(workers=len(conns), warmup_s=warmup_s, duration_s=duration_s)

    def worker(number: int, conn: psycopg.Connection) -> None:
        while window.keep_going():
            sent = time.perf_counter()
            try:
                error = _order(conn, plan, warehouse)
            except psycopg.Error as exc:
                conn.rollback()
                error = f"psycopg: {type(exc).__name__}"
            done = time.perf_counter()
            samples.append(Sample(sent, done, ((done - sent) * 1000,), error))
            window.finished_one(number)

    threads = [threading.Thread(target=worker, args=nc) for nc in enumerate(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    inside = [s for s in samples if window.inside(s)]
    return inside, duration_s, sum(s.error is None for s in samples)
