"""A hypothesis property on SQLite: random sequences of edit, freeze, confirm (with the
right hash or a stale one), reject, place and supplier price changes, aimed at the latest
draft version or an older one, never yield more than one purchase request per confirmed
draft, and every request placed is exactly content the buyer confirmed, at the price of
the moment it was placed."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from marketplace.bootstrap import bootstrap
from marketplace.config import Settings
from marketplace.procurement import services
from marketplace.procurement.domain import SUBMITTED, Draft, DraftStatus
from marketplace.purchasing.domain import RuleKind
from marketplace.purchasing.services import RuleSpec, add_rule
from marketplace.shared.adapters.cache import InMemoryCache
from marketplace.shared.clock import FixedClock
from marketplace.shared.errors import DomainError
from marketplace.shared.money import Money
from tests.integration.procurement.seed import B2B, build, cny, tiers

BOLT_PRICES = ("1.50", "1.60")  # the 10+ tier; 1.20 from 100

op = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 2), st.sampled_from([5, 20, 120])),
    st.tuples(st.just("freeze"), st.integers(0, 2)),
    st.tuples(st.just("confirm"), st.integers(0, 2), st.sampled_from([False, False, True])),
    st.tuples(st.just("reject"), st.integers(0, 2)),
    st.tuples(st.just("place"), st.integers(0, 2)),
    st.tuples(st.just("reprice"), st.sampled_from(BOLT_PRICES)),
    st.tuples(st.just("flow"), st.integers(0, 2)),  # freeze, confirm and place, in a row
)


@pytest.fixture
def world(sqlite_engine: Engine) -> B2B:
    clock = FixedClock()
    settings_ = Settings(database_url=str(sqlite_engine.url), env="test", log_json=False)
    app = bootstrap(settings_, engine=sqlite_engine, cache=InMemoryCache(), clock=clock)
    b2b = build(app, clock)
    # Over 150.00 a purchase request waits for the approver (120 bolts x 1.20 = 144.00 do not).
    rule = RuleSpec("Over 150", RuleKind.AMOUNT_OVER, ((b2b.approver_id,),), cny("150"))
    add_rule(b2b.company_id, rule, actor_id=b2b.admin_id, uow=app.uow())
    return b2b


class Run:
    def __init__(self, b2b: B2B) -> None:
        self.b2b = b2b
        self.versions: list[str] = []  # draft ids, oldest first
        self.confirmed: set[tuple[str, str]] = set()  # (draft id, hash) the buyer confirmed
        self.placed_at: dict[str, str] = {}  # draft id -> bolt price when it was placed
        self.bolt_price = BOLT_PRICES[0]
        b2b.set_offer("bolt", price_tiers=tiers((10, self.bolt_price), (100, "1.20")))
        conversation = b2b.conversation()
        self.versions.append(b2b.draft(conversation, {"bolt": 20}).id)

    def target(self, back: int) -> str:
        return self.versions[max(0, len(self.versions) - 1 - back)]

    def apply(self, step: tuple[object, ...]) -> None:
        b2b, name = self.b2b, step[0]
        try:
            if name == "edit":
                new = b2b.edit(self.target(int(step[1])), {"bolt": int(step[2])})  # type: ignore[call-overload]
                if new.id not in self.versions:
                    self.versions.append(new.id)
            elif name == "freeze":
                b2b.freeze(self.target(int(step[1])))  # type: ignore[call-overload]
            elif name == "confirm":
                self._confirm(self.target(int(step[1])), stale=bool(step[2]))  # type: ignore[call-overload]
            elif name == "reject":
                services.reject_draft(self.target(int(step[1])), user_id=b2b.buyer_id,  # type: ignore[call-overload]
                                      uow=b2b.app.uow())  # fmt: skip
            elif name == "place":
                self._place(self.target(int(step[1])))  # type: ignore[call-overload]
            elif name == "flow":
                draft_id = self.target(int(step[1]))  # type: ignore[call-overload]
                b2b.freeze(draft_id)
                self._confirm(draft_id, stale=False)
                self._place(draft_id)
            else:
                self.bolt_price = str(step[1])
                b2b.set_offer("bolt", price_tiers=tiers((10, self.bolt_price), (100, "1.20")))
        except DomainError:
            pass  # refusals are part of the walk; the invariants say what must hold

    def _place(self, draft_id: str) -> None:
        if self.b2b.place(draft_id).status in SUBMITTED:
            self.placed_at.setdefault(draft_id, self.bolt_price)

    def _confirm(self, draft_id: str, *, stale: bool) -> None:
        draft = self.b2b.get(draft_id)
        given_hash = "0" * 64 if stale else (draft.content_hash or "")
        done = services.confirm_draft(draft_id, given_hash, user_id=self.b2b.buyer_id,
                                      uow=self.b2b.app.uow())  # fmt: skip
        self.confirmed.add((draft_id, done.confirmed_hash or ""))

    def check(self) -> None:
        for draft_id in self.versions:
            draft, requests = self.b2b.get(draft_id), self.b2b.requests_for(draft_id)
            assert len(requests) <= 1, requests
            if not requests:
                assert draft.purchase_request_id is None
                assert draft.status not in SUBMITTED
                continue
            assert draft.purchase_request_id == requests[0][0]
            assert draft.status in SUBMITTED | {DraftStatus.PLACING}
            assert (draft.id, draft.confirmed_hash) in self.confirmed  # the buyer confirmed it
            self._same_as_confirmed(draft, requests[0][0])

    def _same_as_confirmed(self, draft: Draft, request_id: str) -> None:
        content = draft.confirmed_content
        with self.b2b.app.uow() as uow:
            request = uow.purchase_requests.get(request_id)
        assert request is not None
        assert request.source == "agent"
        assert request.total == Money.of(content["total"], "CNY")
        assert [(ln.sku_id, ln.quantity, str(ln.unit_price.amount)) for ln in request.lines] == [
            (ln["sku_id"], ln["quantity"], ln["unit_price"]) for ln in content["lines"]
        ]
        quantity = int(content["lines"][0]["quantity"])
        price_then = "1.20" if quantity >= 100 else self.placed_at[draft.id]
        assert content["lines"][0]["unit_price"] == price_then  # today's price when placed


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(op, min_size=3, max_size=15))
def test_one_confirmation_yields_at_most_one_request_and_only_confirmed_content(
    world: B2B, steps: list[tuple[object, ...]]
) -> None:
    run = Run(world)
    for step in steps:
        run.apply(step)
        run.check()
