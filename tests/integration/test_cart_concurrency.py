"""Carts under real concurrency on PostgreSQL: threads race adds to one line (no lost
update, the 999 cap holds), new lines against the line limit, the first cart of a buyer,
and merges of one guest cart (merged once)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine

from marketplace.cart import services as svc
from marketplace.cart.domain import CartOwner
from marketplace.db.engine import make_engine
from marketplace.db.uow import SqlUnitOfWork
from marketplace.shared.clock import FixedClock
from marketplace.shared.errors import DomainError
from tests.integration.cart_seed import count_carts, insert_user, open_seller

pytestmark = pytest.mark.postgres

THREADS = 20


@pytest.fixture
def racing_engine(pg_engine: Engine, pg_url: str) -> Iterator[Engine]:
    """An engine with a connection per thread, opened before the race starts."""
    engine = make_engine(pg_url, pool_size=THREADS + 5)
    held = [engine.connect() for _ in range(THREADS + 2)]
    for conn in held:
        conn.close()
    yield engine
    engine.dispose()


def _race(n: int, work: Callable[[int], str]) -> Counter[str]:
    """Run ``work(i)`` in ``n`` threads released together; count what they return."""
    barrier = threading.Barrier(n)

    def run(i: int) -> str:
        barrier.wait()
        try:
            return work(i)
        except DomainError as exc:
            return exc.code

    with ThreadPoolExecutor(max_workers=n) as pool:
        return Counter(pool.map(run, range(n)))


def _quantities(engine: Engine, owner: CartOwner) -> dict[str, int]:
    with SqlUnitOfWork(engine) as uow:
        cart = svc.find_cart(owner, uow=uow)
        return cart.quantities() if cart else {}


def test_concurrent_adds_of_one_sku_never_lose_an_update(
    racing_engine: Engine, clock: FixedClock
) -> None:
    seller = open_seller(racing_engine, clock)
    sku = seller.sku()
    user = insert_user(racing_engine, clock)
    buyer = CartOwner.buyer(user)

    def add(i: int) -> str:
        cmd = svc.AddToCart(buyer, sku, 1 + i % 3)
        svc.add_to_cart(cmd, uow=SqlUnitOfWork(racing_engine, clock=clock))
        return "added"

    # The buyer has no cart yet: the first adds also race to create it.
    assert _race(THREADS, add) == Counter(added=THREADS)
    assert _quantities(racing_engine, buyer) == {sku: sum(1 + i % 3 for i in range(THREADS))}
    assert count_carts(racing_engine, user_id=user) == 1
    with SqlUnitOfWork(racing_engine) as uow:
        cart = uow.carts.active_for_buyer(user)
    assert cart is not None
    assert cart.version == 1 + THREADS  # every add bumped it exactly once


def test_concurrent_adds_stop_exactly_at_the_quantity_cap(
    racing_engine: Engine, clock: FixedClock
) -> None:
    seller = open_seller(racing_engine, clock)
    sku = seller.sku()
    guest = svc.add_to_cart(
        svc.AddToCart(CartOwner.guest(None), sku, 990), uow=SqlUnitOfWork(racing_engine)
    )
    owner = CartOwner.guest(guest.guest_token)

    def add(_: int) -> str:
        svc.add_to_cart(svc.AddToCart(owner, sku, 1), uow=SqlUnitOfWork(racing_engine))
        return "added"

    assert _race(THREADS, add) == Counter(added=9, cart_quantity_limit=THREADS - 9)
    assert _quantities(racing_engine, owner) == {sku: 999}


def test_concurrent_new_lines_stop_exactly_at_the_line_limit(
    racing_engine: Engine, clock: FixedClock
) -> None:
    seller = open_seller(racing_engine, clock)
    skus = [seller.sku() for _ in range(10)]
    buyer = CartOwner.buyer(insert_user(racing_engine, clock))
    svc.add_to_cart(svc.AddToCart(buyer, skus[0], 1), uow=SqlUnitOfWork(racing_engine))

    def add(i: int) -> str:
        cmd = svc.AddToCart(buyer, skus[i], 1)
        svc.add_to_cart(cmd, uow=SqlUnitOfWork(racing_engine), max_lines=5)
        return "added"

    # skus[0] is held already: adding more of it always fits; 4 of the 9 others fit.
    assert _race(10, add) == Counter(added=5, cart_line_limit=5)
    held = _quantities(racing_engine, buyer)
    assert len(held) == 5
    assert held[skus[0]] == 2


def test_concurrent_merges_of_one_guest_cart_merge_it_once(
    racing_engine: Engine, clock: FixedClock
) -> None:
    seller = open_seller(racing_engine, clock)
    a, b = seller.sku(), seller.sku()
    user = insert_user(racing_engine, clock)
    buyer = CartOwner.buyer(user)
    svc.add_to_cart(svc.AddToCart(buyer, b, 1), uow=SqlUnitOfWork(racing_engine))
    token = svc.add_to_cart(
        svc.AddToCart(CartOwner.guest(None), a, 2), uow=SqlUnitOfWork(racing_engine)
    ).guest_token
    svc.add_to_cart(svc.AddToCart(CartOwner.guest(token), b, 3), uow=SqlUnitOfWork(racing_engine))
    other = insert_user(racing_engine, clock)  # a second buyer racing with the same token

    def merge(i: int) -> str:
        into = user if i % 4 else other
        result = svc.merge_guest_cart(into, token, uow=SqlUnitOfWork(racing_engine))
        return f"merged:{into == user}" if result.merged else "no-op"

    outcome = _race(THREADS, merge)
    assert sum(n for key, n in outcome.items() if key.startswith("merged")) == 1
    assert outcome["no-op"] == THREADS - 1
    mine, theirs = (
        _quantities(racing_engine, buyer),
        _quantities(racing_engine, CartOwner.buyer(other)),
    )
    if outcome["merged:True"]:
        assert (mine, theirs) == ({b: 4, a: 2}, {})
    else:
        assert (mine, theirs) == ({b: 1}, {a: 2, b: 3})
