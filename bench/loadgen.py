"""The HTTP load generator: place-and-pay orders with asyncio and one ``httpx.AsyncClient``
(HTTP/1.1 keep-alive, one connection per concurrent order), on uvloop when available.

One order is ``POST /api/v1/checkout`` with explicit lines, then ``POST /api/v1/payments``
for the group with the wallet, which captures synchronously; the order counts as done
only when the payment answers ``captured``. Two shapes of load:

- ``closed_loop``: ``concurrency`` workers, each sending its next order when the last
  one is done (peak throughput);
- ``open_loop``: Poisson arrivals at a fixed rate, whatever the server's speed, with
  latency counted from each order's scheduled arrival (p50/p99 at a given load).

Both run a warm-up first and keep only what falls in the measured window after it (for
the closed loop, not before every worker has finished one order: see ``Window``).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any

import httpx
import orjson

from bench.orders import OrderPlan
from bench.results import Measured, Sample, Window

API = "/api/v1"
ADDRESS = {"name": "Li Lei", "phone": "13800000000", "country": "CN", "region": "Shanghai",
           "city": "Shanghai", "line1": "1 Century Ave"}  # fmt: skip
MAX_IN_FLIGHT = 2_000  # an open loop gives up past this, and counts the order as failed

Headers = Mapping[str, Mapping[str, str]]  # buyer id -> request headers (bearer token)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coro`` on uvloop if it is installed (it comes with uvicorn[standard])."""
    try:
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:  # pragma: no cover - plain asyncio is fine, a little slower
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)


def _client(base: str, connections: int) -> httpx.AsyncClient:
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    return httpx.AsyncClient(base_url=base, limits=limits, timeout=30.0)


def _problem(response: httpx.Response, step: str) -> str:
    try:
        code = orjson.loads(response.content).get("code", "")
    except orjson.JSONDecodeError:
        code = ""
    return f"{step}: HTTP {response.status_code} {code}".strip()


async def place_and_pay(
    client: httpx.AsyncClient, plan: OrderPlan, headers: Headers, started: float
) -> Sample:
    """One order; ``started`` is when it was due (latency counts from there)."""
    buyer, skus = plan.next_order()
    sent = time.perf_counter()
    body = orjson.dumps({"address": ADDRESS, "lines": [{"sku_id": s, "quantity": 1} for s in skus]})
    try:
        placed = await client.post(f"{API}/checkout", content=body, headers=headers[buyer])
        mid = time.perf_counter()
        if placed.status_code != 201:
            return Sample(started, mid, ((mid - sent) * 1000, 0.0), _problem(placed, "checkout"))
        group_id = orjson.loads(placed.content)["id"]
        pay = orjson.dumps({"group_id": group_id, "method": "wallet"})
        paid = await client.post(f"{API}/payments", content=pay, headers=headers[buyer])
    except httpx.HTTPError as exc:
        return Sample(started, time.perf_counter(), (0.0, 0.0), f"transport: {type(exc).__name__}")
    done = time.perf_counter()
    phases = ((mid - sent) * 1000, (done - mid) * 1000)
    if paid.status_code != 201:
        return Sample(started, done, phases, _problem(paid, "payment"))
    status = orjson.loads(paid.content)["payment"]["status"]
    error = None if status == "captured" else f"payment: {status}, not captured"
    return Sample(started, done, phases, error)


async def closed_loop(
    base: str, plan: OrderPlan, headers: Headers, *, concurrency: int, warmup_s: float,
    duration_s: float,
) -> Measured:  # fmt: skip
    """Peak: orders that finished inside the window, the window, all orders completed."""
    samples: list[Sample] = []
    window = Window(workers=concurrency, warmup_s=warmup_s, duration_s=duration_s)
    async with _client(base, concurrency) as client:

        async def worker(number: int) -> None:
            while window.keep_going():
                samples.append(await place_and_pay(client, plan, headers, time.perf_counter()))
                window.finished_one(number)

        await asyncio.gather(*(worker(n) for n in range(concurrency)))
    inside = [s for s in samples if window.inside(s)]
    return inside, duration_s, sum(s.error is None for s in samples)


async def open_loop(
    base: str, plan: OrderPlan, headers: Headers, *, rate: float, connections: int,
    warmup_s: float, duration_s: float, seed_value: int = 5,
) -> Measured:  # fmt: skip
    """Paced: Poisson arrivals at ``rate`` orders/s; the orders scheduled inside the window."""
    rng = random.Random(seed_value)
    samples: list[Sample] = []
    pending: set[asyncio.Task[None]] = set()
    start = time.perf_counter()
    window = (start + warmup_s, start + warmup_s + duration_s)
    async with _client(base, connections) as client:

        async def one(due: float) -> None:
            samples.append(await place_and_pay(client, plan, headers, due))

        due = start
        while due < window[1]:
            await _sleep_until(due)
            if len(pending) >= MAX_IN_FLIGHT:
                samples.append(Sample(due, time.perf_counter(), (0.0, 0.0), "client: overloaded"))
            else:
                task = asyncio.create_task(one(due))
                pending.add(task)
                task.add_done_callback(pending.discard)
            due += rng.expovariate(rate)
        await asyncio.gather(*pending)
    inside = [s for s in samples if window[0] <= s.started < window[1]]
    return inside, duration_s, sum(s.error is None for s in samples)


def _sleep_until(moment: float) -> Awaitable[None]:
    return asyncio.sleep(max(0.0, moment - time.perf_counter()))
