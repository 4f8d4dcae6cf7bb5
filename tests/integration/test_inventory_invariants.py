"""Hypothesis drives random sequences of inbound, adjustments, reservations, releases,
commits, expiry, clock moves and warehouse (de)activation against a real database and a
tiny model; after every step the stock rows equal the model, on_hand >= reserved >= 0,
the ledger sums to the rows and reserved equals the active reservations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import Engine

from marketplace.db.uow import SqlUnitOfWork
from marketplace.inventory import services as svc
from marketplace.inventory.domain import (
    AdjustmentBelowReservedError,
    AdjustmentReason,
    InsufficientStockError,
    Operator,
    ReservationExpiredError,
    ReservationNotActiveError,
    WarehouseInactiveError,
)
from marketplace.shared.clock import FixedClock
from tests.integration.inventory_seed import (
    T0,
    assert_stock_consistent,
    seed_merchant,
    seed_sku,
    stock_row,
)


@dataclass
class Held:
    warehouse: int
    quantity: int
    reference: str
    expires_at: datetime
    status: str = "active"


def machine_for(engine: Engine) -> type[RuleBasedStateMachine]:
    merchant = Operator.merchant(seed_merchant(engine), "user:hypothesis")

    class StockMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.clock = FixedClock(T0)
            self.sku = seed_sku(engine, merchant.merchant_id or "")
            self.warehouses = [self._warehouse(i) for i in range(2)]
            self.on_hand = [0, 0]
            self.reserved = [0, 0]
            self.active = [True, True]
            self.held: dict[str, Held] = {}
            self.references = 0
            for w in (0, 1):  # start with some stock, so that more reservations succeed
                self.inbound(w, 6)

        def _warehouse(self, i: int) -> str:
            cmd = svc.CreateWarehouse(merchant, f"W{i}-{self.sku[-10:]}", "w", "CN", "Z",
                                      priority=i)  # fmt: skip
            return svc.create_warehouse(cmd, uow=self.uow()).id

        def uow(self) -> SqlUnitOfWork:
            return SqlUnitOfWork(engine, clock=self.clock)

        def _expire_model(self, now: datetime) -> None:
            for h in self.held.values():
                if h.status == "active" and h.expires_at <= now:
                    h.status = "expired"
                    self.reserved[h.warehouse] -= h.quantity

        # -- rules ------------------------------------------------------------------------
        @rule(w=st.integers(0, 1), q=st.integers(1, 8))
        def inbound(self, w: int, q: int) -> None:
            cmd = svc.ReceiveStock(merchant, self.sku, self.warehouses[w], q, reference="po")
            svc.receive_stock(cmd, uow=self.uow())
            self.on_hand[w] += q

        @rule(w=st.integers(0, 1), d=st.integers(-8, 8).filter(bool))
        def adjust_by_delta(self, w: int, d: int) -> None:
            cmd = svc.AdjustStock(merchant, self.sku, self.warehouses[w],
                                  AdjustmentReason.CORRECTION, delta=d)  # fmt: skip
            expected_ok = self.on_hand[w] + d >= self.reserved[w]
            try:
                svc.adjust_stock(cmd, uow=self.uow())
            except (InsufficientStockError, AdjustmentBelowReservedError):
                assert not expected_ok
                return
            assert expected_ok
            self.on_hand[w] += d

        @rule(w=st.integers(0, 1), count=st.integers(0, 20))
        def stocktake(self, w: int, count: int) -> None:
            cmd = svc.AdjustStock(merchant, self.sku, self.warehouses[w],
                                  AdjustmentReason.STOCKTAKE, count=count)  # fmt: skip
            try:
                svc.adjust_stock(cmd, uow=self.uow())
            except AdjustmentBelowReservedError:
                assert count < self.reserved[w]
                return
            assert count >= self.reserved[w]
            self.on_hand[w] = count

        @rule(w=st.sampled_from([0, 1, None]), q=st.integers(1, 6), ttl=st.integers(1, 120))
        def reserve(self, w: int | None, q: int, ttl: int) -> None:
            self.references += 1
            reference = f"ref-{self.references}"
            wh = None if w is None else self.warehouses[w]
            cmd = svc.ReserveStock(merchant, self.sku, q, reference, warehouse_id=wh,
                                   ttl_seconds=ttl)  # fmt: skip
            expected = self._pick(w, q)
            try:
                r = svc.reserve_stock(cmd, uow=self.uow())
            except (InsufficientStockError, WarehouseInactiveError):
                assert expected is None
                return
            assert expected is not None
            assert r.warehouse_id == self.warehouses[expected]
            self.reserved[expected] += q
            self.held[r.id] = Held(
                expected, q, reference, self.clock.now() + timedelta(seconds=ttl)
            )

        def _pick(self, w: int | None, q: int) -> int | None:
            options = [w] if w is not None else [0, 1]  # priority order
            for i in options:
                if self.active[i] and self.on_hand[i] - self.reserved[i] >= q:
                    return i
            return None

        @precondition(lambda self: bool(self.held))
        @rule(data=st.data())
        def reserve_same_reference_again(self, data: st.DataObject) -> None:
            picked = self.held[data.draw(st.sampled_from(sorted(self.held)))]
            w, q, reference = picked.warehouse, picked.quantity, picked.reference
            cmd = svc.ReserveStock(merchant, self.sku, q, reference,
                                   warehouse_id=self.warehouses[w])  # fmt: skip
            rid, h = next(
                ((i, x) for i, x in self.held.items()
                 if (x.reference, x.warehouse, x.status) == (reference, w, "active")),
                (None, None),
            )  # fmt: skip
            live = h is not None and self.clock.now() < h.expires_at
            if h is not None and not live:  # the service expires it on the way
                h.status = "expired"
                self.reserved[w] -= h.quantity
            expected = w if live else self._pick(w, q)
            try:
                r = svc.reserve_stock(cmd, uow=self.uow())
            except (InsufficientStockError, WarehouseInactiveError):
                assert expected is None
                return
            if live:
                assert r.id == rid
                return
            assert expected is not None
            assert r.id not in self.held
            self.reserved[expected] += q
            self.held[r.id] = Held(expected, q, reference, r.expires_at)

        @precondition(lambda self: bool(self.held))
        @rule(data=st.data(), commit=st.booleans())
        def finish(self, data: st.DataObject, commit: bool) -> None:
            rid = data.draw(st.sampled_from(sorted(self.held)))
            h = self.held[rid]
            action = svc.commit_reservation if commit else svc.release_reservation
            try:
                action(svc.FinishReservation(merchant, rid), uow=self.uow())
            except ReservationNotActiveError:
                assert h.status != "active"
                return
            except ReservationExpiredError:
                assert commit
                assert h.status == "active"
                assert self.clock.now() >= h.expires_at
                return
            assert h.status == "active"
            h.status = "committed" if commit else "released"
            self.reserved[h.warehouse] -= h.quantity
            if commit:
                self.on_hand[h.warehouse] -= h.quantity

        @rule(seconds=st.integers(0, 90), sweep=st.booleans())
        def time_passes(self, seconds: int, sweep: bool) -> None:
            """The clock moves; then, maybe, the expiry job runs."""
            self.clock.advance(timedelta(seconds=seconds))
            if not sweep:
                return
            now = self.clock.now()
            expected = sum(
                1 for h in self.held.values() if h.status == "active" and h.expires_at <= now
            )
            # Earlier examples' reservations share the database and may expire too.
            assert svc.expire_reservations(now, uow=self.uow(), batch_size=3) >= expected
            self._expire_model(now)

        @rule(w=st.integers(0, 1))
        def toggle_warehouse(self, w: int) -> None:
            self.active[w] = not self.active[w]
            cmd = svc.UpdateWarehouse(merchant, self.warehouses[w], {"is_active": self.active[w]})
            svc.update_warehouse(cmd, uow=self.uow())

        # -- invariants ---------------------------------------------------------------------
        @invariant()
        def rows_match_the_model_and_the_ledger(self) -> None:
            for i, wh in enumerate(self.warehouses):
                row = stock_row(engine, self.sku, wh) or (0, 0)
                assert row == (self.on_hand[i], self.reserved[i])
                assert row[0] >= row[1] >= 0
            assert_stock_consistent(engine, sku_id=self.sku)

    return StockMachine


@pytest.mark.parametrize("examples", [60])
def test_random_sequences_keep_the_invariants_on_sqlite(
    sqlite_engine: Engine, examples: int
) -> None:
    run_state_machine_as_test(
        machine_for(sqlite_engine),
        settings=settings(
            max_examples=examples,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_random_sequences_keep_the_invariants_on_postgres(pg_engine: Engine) -> None:
    run_state_machine_as_test(
        machine_for(pg_engine),
        settings=settings(
            max_examples=15,
            stateful_step_count=20,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
