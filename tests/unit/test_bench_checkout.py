"""The checkout benchmark's own arithmetic: percentiles, rates, CPU shares, the order mix and
the SQL trace's shortening. A benchmark that miscounts is worse than none."""

from __future__ import annotations

import math
import time

import pytest

from bench.checkout_profile import _shorten
from bench.cpu import OTHERS, CpuSnapshot, usage
from bench.orders import OrderPlan
from bench.results import RunResult, Sample, Window, percentile


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0, 1.0, 3.0], 50) == 3.0  # unsorted input
    assert percentile([5.0], 99) == 5.0
    assert math.isnan(percentile([], 50))


def _run(samples: list[Sample], *, window: float = 2.0, completed: int = 0) -> RunResult:
    return RunResult("r", window, samples, client_cpu_s=0.5, run_wall_s=4.0, concurrency=2,
                     completed=completed)  # fmt: skip


def test_run_counts_only_successful_orders_in_its_rate_and_latency() -> None:
    ok = [Sample(0.0, 0.010, (4.0, 6.0)), Sample(1.0, 1.030, (10.0, 20.0))]
    failed = Sample(0.0, 5.0, (1.0, 0.0), "checkout: HTTP 500 internal_error")
    run = _run([*ok, failed], completed=8)
    assert run.rate == 1.0  # 2 successes in a 2 s window
    assert run.errors == 1
    assert run.error_kinds() == [("checkout: HTTP 500 internal_error", 1)]
    assert run.p(100) == pytest.approx(30.0)  # the failure's 5 s is not a latency
    assert run.p(100, 1) == 20.0
    assert run.client_cores == 0.125
    assert run.per_order(400.0) == 50.0  # over the 8 orders of the whole run


def test_cpu_usage_splits_cores_by_party_and_counts_the_rest_as_others() -> None:
    before = CpuSnapshot(0.0, {1: ("API workers", 10.0), 2: ("PostgreSQL", 5.0)}, 100.0, 400.0)
    after = CpuSnapshot(
        2.0,
        {1: ("API workers", 12.0), 2: ("PostgreSQL", 6.0), 3: ("PostgreSQL", 0.5)},
        103.0,
        404.0,
    )
    used = usage(before, after)
    assert used is not None
    assert used.cores["API workers"] == 1.0
    assert used.cores["PostgreSQL"] == 0.75  # a backend born during the run counts from 0
    assert used.machine_busy == 0.75
    assert used.cpu_ms("API workers") == 2000.0
    assert usage(None, after) is None


def test_cpu_usage_attributes_unexplained_busy_time_to_other_processes() -> None:
    before = CpuSnapshot(0.0, {1: ("API workers", 0.0)}, 0.0, 0.0)
    after = CpuSnapshot(1.0, {1: ("API workers", 0.25)}, 1.0, 1.0)  # machine fully busy
    used = usage(before, after)
    assert used is not None
    assert used.cores[OTHERS] >= 0.75 - 1e-9


def test_order_plan_buys_from_three_different_merchants() -> None:
    market = {f"mer_{m}": [f"sku_{m}_{k}" for k in range(5)] for m in range(10)}
    owner = {sku: m for m, skus in market.items() for sku in skus}
    plan = OrderPlan(["usr_a", "usr_b"], market, seed_value=1)
    for _ in range(200):
        buyer, skus = plan.next_order()
        assert buyer in {"usr_a", "usr_b"}
        assert len({owner[s] for s in skus}) == 3


def test_hot_plan_always_buys_the_same_three_skus_of_three_merchants() -> None:
    market = {f"mer_{m}": [f"sku_{m}_{k}" for k in range(5)] for m in range(10)}
    plan = OrderPlan(["usr_a"], market, hot=True, seed_value=1)
    first = plan.next_order()[1]
    assert all(plan.next_order()[1] == first for _ in range(50))
    assert len({s.split("_")[1] for s in first}) == 3


def test_order_plan_refuses_a_market_of_fewer_than_three_merchants() -> None:
    with pytest.raises(ValueError, match="three merchants"):
        OrderPlan(["usr_a"], {"mer_1": ["sku_1"], "mer_2": ["sku_2"], "mer_3": []})


def test_sql_trace_names_tables_and_columns() -> None:
    select = (
        "SELECT skus.id, (SELECT sum(x) FROM stock_levels JOIN warehouses ON 1=1) AS a\n"
        "FROM skus JOIN products ON products.id = skus.product_id WHERE skus.id IN (1)"
    )
    assert _shorten(select) == "SELECT from stock_levels, warehouses, skus, products"
    assert _shorten("SELECT orders.id FROM orders WHERE id = 1 FOR UPDATE") == (
        "SELECT from orders FOR UPDATE"
    )
    insert = "INSERT INTO t (a, b) VALUES (1, 2), (3, 4) ON CONFLICT (a) DO NOTHING"
    assert _shorten(insert) == "INSERT INTO t (2 rows) ON CONFLICT DO NOTHING"
    update = "UPDATE stock_levels SET reserved=(reserved + 1), updated_at=now() WHERE sku_id=1"
    assert _shorten(update) == "UPDATE stock_levels SET reserved, updated_at"
    assert _shorten("SAVEPOINT sa_savepoint_1") == "SAVEPOINT sa_savepoint_1"


def test_window_opens_only_once_every_worker_has_finished_an_order() -> None:
    window = Window(workers=2, warmup_s=0.0, duration_s=0.05)
    assert window.keep_going()
    assert window.start is None
    window.finished_one(0)
    window.finished_one(0)
    assert window.keep_going()
    assert window.start is None  # worker 1 is still on its first order
    window.finished_one(1)
    assert window.keep_going()
    assert window.start is not None
    opened = window.start
    assert window.inside(Sample(opened - 1, opened + 0.01, (1.0,)))
    assert not window.inside(Sample(opened - 1, opened - 0.01, (1.0,)))  # finished before
    time.sleep(0.06)
    assert not window.keep_going()
    assert not window.inside(Sample(opened, opened + 0.06, (1.0,)))


def test_window_waits_for_the_warm_up_even_when_every_worker_is_warm() -> None:
    window = Window(workers=1, warmup_s=30.0, duration_s=1.0)
    window.finished_one(0)
    assert window.keep_going()
    assert window.start is None
