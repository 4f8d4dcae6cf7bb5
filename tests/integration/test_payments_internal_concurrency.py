"""The wallet and credit terms under real concurrency on PostgreSQL: twins of one payment
or refund move the money once and all see it done; different payments racing for one
balance or credit line never overdraw it."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select

from marketplace.db.engine import make_engine
from marketplace.payments.adapters.internal import CreditTermsGateway, WalletGateway
from marketplace.payments.adapters.tables import (
    credit_accounts,
    invoice_credits,
    invoices,
    wallet_entries,
)
from marketplace.payments.domain import (
    ActionKind,
    CreditLimitExceededError,
    InsufficientBalanceError,
    PaymentAction,
)
from marketplace.shared.clock import FixedClock
from marketplace.shared.ids import new_id
from tests.unit.payments.vendors.internal_harness import (
    cny,
    insert_user,
    on_terms,
    pay,
    refund_of,
)

pytestmark = pytest.mark.postgres

THREADS = 16


@pytest.fixture
def racing_engine(pg_engine: Engine, pg_url: str) -> Iterator[Engine]:
    """An engine with a connection per thread (and one more each for a retry's lookup)."""
    engine = make_engine(pg_url, pool_size=THREADS + 5)
    held = [engine.connect() for _ in range(THREADS + 2)]
    for conn in held:
        conn.close()
    yield engine
    engine.dispose()


def race(work: Callable[[], str]) -> Counter[str]:
    barrier = threading.Barrier(THREADS)

    def run(_: int) -> str:
        barrier.wait()
        return work()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return Counter(pool.map(run, range(THREADS)))


def outcome(start: Callable[[], PaymentAction]) -> str:
    try:
        return str(start().kind)
    except (InsufficientBalanceError, CreditLimitExceededError) as exc:
        return exc.code


def scalar(engine: Engine, query: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())  # type: ignore[call-overload]


def buyer(engine: Engine, clock: FixedClock) -> str:
    user_id = new_id("usr")
    insert_user(engine, user_id, clock.now())
    return user_id


def balance_and_ledger(engine: Engine, gateway: WalletGateway, user_id: str) -> tuple[int, int]:
    entries = select(func.sum(wallet_entries.c.amount_minor)).where(
        wallet_entries.c.user_id == user_id
    )
    return gateway.balance(user_id, "CNY").minor, scalar(engine, entries)


# -- wallet -----------------------------------------------------------------------------------
# "exact": the balance covers one payment, so a twin's debit finds no funds left.
@pytest.mark.parametrize("funds", ["exact", "ample"])
def test_twins_of_one_wallet_payment_debit_it_once_and_all_complete(
    racing_engine: Engine, clock: FixedClock, funds: str
) -> None:
    gateway, user_id = WalletGateway(racing_engine, clock=clock), buyer(racing_engine, clock)
    gateway.top_up(user_id, cny("25.00" if funds == "exact" else "1000.00"), reference="grant")
    request = pay(user_id, cny("25.00"), clock)
    outcomes = race(lambda: outcome(lambda: gateway.start(request)))
    assert outcomes == {str(ActionKind.COMPLETED): THREADS}
    payment_entries = select(func.count()).where(
        wallet_entries.c.kind == "payment", wallet_entries.c.reference == request.payment_id
    )
    assert scalar(racing_engine, payment_entries) == 1
    expected = 0 if funds == "exact" else 97500
    assert balance_and_ledger(racing_engine, gateway, user_id) == (expected, expected)


def test_different_wallet_payments_never_overdraw_the_balance(
    racing_engine: Engine, clock: FixedClock
) -> None:
    gateway, user_id = WalletGateway(racing_engine, clock=clock), buyer(racing_engine, clock)
    gateway.top_up(user_id, cny("50.00"), reference="grant")
    outcomes = race(lambda: outcome(lambda: gateway.start(pay(user_id, cny("7.00"), clock))))
    assert outcomes == {str(ActionKind.COMPLETED): 7, "insufficient_wallet_balance": THREADS - 7}
    assert balance_and_ledger(racing_engine, gateway, user_id) == (100, 100)


def test_twins_of_one_wallet_refund_credit_it_once(
    racing_engine: Engine, clock: FixedClock
) -> None:
    gateway, user_id = WalletGateway(racing_engine, clock=clock), buyer(racing_engine, clock)
    gateway.top_up(user_id, cny("40.00"), reference="grant")
    request = pay(user_id, cny("40.00"), clock)
    gateway.start(request)
    refund = refund_of(request, cny("15.00"))
    outcomes = race(lambda: str(gateway.refund(refund).phase))
    assert outcomes == {"success": THREADS}
    assert balance_and_ledger(racing_engine, gateway, user_id) == (1500, 1500)


# -- credit terms -----------------------------------------------------------------------------
def used(engine: Engine, user_id: str) -> int:
    return scalar(engine, select(credit_accounts.c.used_minor).where(
        credit_accounts.c.buyer_id == user_id))  # fmt: skip


@pytest.mark.parametrize("limit", ["exact", "ample"])
def test_twins_of_one_credit_payment_issue_one_invoice_and_all_complete(
    racing_engine: Engine, clock: FixedClock, limit: str
) -> None:
    gateway, user_id = CreditTermsGateway(racing_engine, clock=clock), buyer(racing_engine, clock)
    gateway.set_account(user_id, cny("25.00" if limit == "exact" else "1000.00"), terms_days=30)
    request = on_terms(racing_engine, user_id, cny("25.00"), clock)
    outcomes = race(lambda: outcome(lambda: gateway.start(request)))
    assert outcomes == {str(ActionKind.COMPLETED): THREADS}
    assert scalar(racing_engine, select(func.count()).select_from(invoices)) == 1
    assert used(racing_engine, user_id) == 2500


def test_different_credit_payments_never_exceed_the_limit(
    racing_engine: Engine, clock: FixedClock
) -> None:
    gateway, user_id = CreditTermsGateway(racing_engine, clock=clock), buyer(racing_engine, clock)
    gateway.set_account(user_id, cny("50.00"), terms_days=30)
    requests = iter([on_terms(racing_engine, user_id, cny("7.00"), clock) for _ in range(THREADS)])
    lock = threading.Lock()

    def start_next() -> str:
        with lock:
            request = next(requests)
        return outcome(lambda: gateway.start(request))

    outcomes = race(start_next)
    assert outcomes == {str(ActionKind.COMPLETED): 7, "credit_limit_exceeded": THREADS - 7}
    invoiced = select(func.sum(invoices.c.amount_minor)).where(invoices.c.buyer_id == user_id)
    assert (used(racing_engine, user_id), scalar(racing_engine, invoiced)) == (4900, 4900)


# "whole": after one twin, nothing is left on the invoice; "part": the invoice has room for
# every twin, so only the refund id keeps them from crediting again.
@pytest.mark.parametrize("share", ["whole", "part"])
def test_twins_of_one_credit_refund_credit_the_invoice_once(
    racing_engine: Engine, clock: FixedClock, share: str
) -> None:
    gateway, user_id = CreditTermsGateway(racing_engine, clock=clock), buyer(racing_engine, clock)
    gateway.set_account(user_id, cny("100.00"), terms_days=30)
    request = on_terms(racing_engine, user_id, cny("80.00"), clock)
    gateway.start(request)
    refund = refund_of(request, cny("80.00" if share == "whole" else "1.00"))
    outcomes = race(lambda: str(gateway.refund(refund).phase))
    assert outcomes == {"success": THREADS}
    assert scalar(racing_engine, select(func.count()).select_from(invoice_credits)) == 1
    credited = scalar(racing_engine, select(invoices.c.credited_minor))
    assert (credited, used(racing_engine, user_id)) == (refund.amount.minor, 8000 - credited)
