"""Settlement under real concurrency on PostgreSQL: racing payouts never overdraw a
merchant, a capture posted by many threads posts once, racing refunds never exceed the
capture, and a payout marked paid and failed at once ends in exactly one state."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select

from marketplace.db.engine import make_engine
from marketplace.db.uow import SqlUnitOfWork
from marketplace.settlement import services
from marketplace.settlement.adapters.tables import ledger_entries, payouts
from marketplace.settlement.domain import (
    BANK_PAYOUTS,
    CommissionRefundError,
    InsufficientPayableBalanceError,
    MerchantShare,
    PayoutTransitionError,
    RefundExceedsCaptureError,
)
from marketplace.shared.clock import FixedClock
from tests.integration.settlement_seed import (
    T0,
    balance,
    capture,
    cny,
    refund,
    seed_merchant,
    total_of_all_postings,
)

pytestmark = pytest.mark.postgres

THREADS = 24


@pytest.fixture
def racing_engine(pg_engine: Engine, pg_url: str) -> Iterator[Engine]:
    """An engine with a connection per thread, opened before the race starts."""
    engine = make_engine(pg_url, pool_size=THREADS + 4)
    held = [engine.connect() for _ in range(THREADS + 2)]
    for conn in held:
        conn.close()
    yield engine
    engine.dispose()


def _race(n: int, work: Callable[[int], str]) -> Counter[str]:
    barrier = threading.Barrier(n)

    def run(i: int) -> str:
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return Counter(pool.map(run, range(n)))


def _uow(engine: Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(engine, clock=FixedClock(T0))


def _count(engine: Engine, table: object, *where: object) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(table).where(*where)  # type: ignore[arg-type]
        return int(conn.execute(query).scalar_one())


def test_racing_payouts_never_overdraw_the_merchant(racing_engine: Engine) -> None:
    merchant = seed_merchant(racing_engine)
    capture(racing_engine, "pay_1", MerchantShare(merchant, "ord_1", cny("105.00"), cny("5.00")))

    def pay(i: int) -> str:
        try:
            services.create_payout(
                services.CreatePayout(merchant, cny("10.00")), uow=_uow(racing_engine)
            )
        except InsufficientPayableBalanceError:
            return "refused"
        return "paid"

    outcome = _race(THREADS, pay)

    assert outcome == Counter(paid=10, refused=THREADS - 10)
    assert balance(racing_engine, f"merchant_payable:{merchant}") == 0
    assert balance(racing_engine, BANK_PAYOUTS) == -10000
    assert _count(racing_engine, payouts) == 10
    assert total_of_all_postings(racing_engine) == {"CNY": 0}


def test_captures_and_payouts_of_one_merchant_interleave(racing_engine: Engine) -> None:
    """Captures never wait on the payout lock (their foreign-key checks share it), and
    whatever the interleaving, payouts only ever take what captures already brought."""
    merchant = seed_merchant(racing_engine)

    def work(i: int) -> str:
        if i % 2:
            share = MerchantShare(merchant, f"ord_{i}", cny("10.00"), cny("0.00"))
            capture(racing_engine, f"pay_{i}", share)
            return "captured"
        try:
            services.create_payout(
                services.CreatePayout(merchant, cny("10.00")), uow=_uow(racing_engine)
            )
        except InsufficientPayableBalanceError:
            return "refused"
        return "paid"

    outcome = _race(THREADS, work)

    assert outcome["captured"] == THREADS // 2
    payable = balance(racing_engine, f"merchant_payable:{merchant}")
    assert payable == -1000 * (outcome["captured"] - outcome["paid"])
    assert payable <= 0  # credit-normal: the merchant is never owed less than nothing
    assert _count(racing_engine, payouts) == outcome["paid"]
    assert total_of_all_postings(racing_engine) == {"CNY": 0}


def test_the_same_capture_posted_by_many_threads_posts_once(racing_engine: Engine) -> None:
    merchant = seed_merchant(racing_engine)
    share = MerchantShare(merchant, "ord_1", cny("88.00"), cny("4.40"))

    def post(i: int) -> str:
        return capture(racing_engine, "pay_twin", share).id

    outcome = _race(THREADS, post)

    assert len(outcome) == 1  # every thread got the one entry
    assert _count(racing_engine, ledger_entries) == 1
    assert balance(racing_engine, "gateway:alipay") == 8800
    assert balance(racing_engine, f"merchant_payable:{merchant}") == -8360


def test_racing_refunds_never_exceed_the_capture(racing_engine: Engine) -> None:
    merchant = seed_merchant(racing_engine)
    capture(racing_engine, "pay_1", MerchantShare(merchant, "ord_1", cny("100.00"), cny("0.00")))

    def give_back(i: int) -> str:
        share = MerchantShare(merchant, "ord_1", cny("15.00"), cny("0.00"))
        try:
            refund(racing_engine, f"ref_{i}", "pay_1", share)
        except (RefundExceedsCaptureError, CommissionRefundError):
            return "refused"
        return "refunded"

    outcome = _race(THREADS, give_back)

    assert outcome == Counter(refunded=6, refused=THREADS - 6)  # 6 x 15.00 <= 100.00
    assert balance(racing_engine, "gateway:alipay") == 1000
    assert balance(racing_engine, f"merchant_payable:{merchant}") == -1000


def test_paid_and_failed_at_once_end_in_one_state(racing_engine: Engine) -> None:
    merchant = seed_merchant(racing_engine)
    capture(racing_engine, "pay_1", MerchantShare(merchant, "ord_1", cny("50.00"), cny("0.00")))
    payout = services.create_payout(
        services.CreatePayout(merchant, cny("50.00")), uow=_uow(racing_engine)
    )

    def mark(i: int) -> str:
        move = services.mark_payout_failed if i % 2 else services.mark_payout_paid
        try:
            return str(move(services.MovePayout(payout.id), uow=_uow(racing_engine)).status)
        except PayoutTransitionError:
            return "refused"

    outcome = _race(THREADS, mark)

    winner = "failed" if outcome["failed"] else "paid"
    assert outcome == Counter({winner: THREADS // 2, "refused": THREADS // 2})
    reversals = _count(racing_engine, ledger_entries, ledger_entries.c.kind == "payout_reversal")
    assert reversals == (1 if winner == "failed" else 0)
    expected = -5000 if winner == "failed" else 0
    assert balance(racing_engine, f"merchant_payable:{merchant}") == expected
