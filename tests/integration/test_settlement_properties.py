"""The ledger's hypothesis property (money in equals money out, nothing overdrawn, refunds
within captures) run through the SQL adapters on SQLite, a fresh database per example."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from marketplace.db.engine import make_engine
from marketplace.db.schema import load_all_tables, metadata
from marketplace.db.uow import SqlUnitOfWork
from marketplace.shared.clock import FixedClock
from tests.integration.settlement_seed import balance, seed_merchant, total_of_all_postings
from tests.unit.settlement.test_ledger_properties import (
    MERCHANTS,
    T0,
    Run,
    capture_op,
    payout_op,
    refund_op,
)


class SqlRun(Run):
    def __init__(self, engine: Engine) -> None:
        clock = FixedClock(T0)
        super().__init__(SqlUnitOfWork(engine, clock=clock), clock)
        self.engine = engine

    def balance(self, account: str) -> int:
        return balance(self.engine, account)

    def sum_of_all_postings(self) -> int:
        return total_of_all_postings(self.engine).get("CNY", 0)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(capture_op, refund_op, payout_op), min_size=5, max_size=20))
def test_money_in_equals_money_out_through_sql(ops: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'ledger.db'}")
        load_all_tables()
        metadata.create_all(engine)
        try:
            for merchant in MERCHANTS:
                seed_merchant(engine, merchant)
            run = SqlRun(engine)
            for op in ops:
                getattr(run, str(op[0]))(*op[1:])
                run.check()
        finally:
            engine.dispose()
