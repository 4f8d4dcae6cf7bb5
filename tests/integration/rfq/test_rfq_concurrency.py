"""Races on PostgreSQL: two buyers awarding different quotes of one RFQ at once, and one
supplier sending two revisions at once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from marketplace.companies.domain import MemberRole
from marketplace.rfq import services
from marketplace.rfq.adapters.tables import rfq_quotes
from marketplace.rfq.commands import AcceptQuote
from marketplace.rfq.domain import RfqClosedError, RfqStatus
from tests.factories import race
from tests.integration.rfq.seed import Procurement

ROUNDS = 5


def _count(world: Procurement, rfq_id: str, status: str) -> int:
    with world.engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).select_from(rfq_quotes)
            .where(rfq_quotes.c.rfq_id == rfq_id, rfq_quotes.c.status == status)
        ).scalar_one())  # fmt: skip


def test_two_concurrent_awards_of_different_quotes_one_wins(pg_world: Procurement) -> None:
    company = pg_world.company()
    admin2 = pg_world.member(company, MemberRole.BUYER_ADMIN)
    a, b = pg_world.supplier(), pg_world.supplier()
    actors = [company.admin_id, admin2]
    for _ in range(ROUNDS):
        rfq = pg_world.rfq(company, sent_to=(a, b))
        quotes = [pg_world.quote(rfq, a, "1.00").id, pg_world.quote(rfq, b, "2.00").id]

        def accept(i: int, rfq_id: str = rfq.id, quotes: list[str] = quotes) -> Any:
            cmd = AcceptQuote(company.id, rfq_id, quotes[i], actor_id=actors[i])
            return services.accept_quote(cmd, uow=pg_world.app.uow())

        results = race(2, accept)
        won = [r for r in results if isinstance(r, services.AcceptedQuote)]
        lost = [r for r in results if isinstance(r, RfqClosedError)]
        assert (len(won), len(lost)) == (1, 1), results
        with pg_world.app.uow() as uow:
            stored = uow.rfqs.get(rfq.id)
        assert stored is not None
        assert stored.status is RfqStatus.AWARDED
        assert stored.awarded_quote_id == won[0].quote_id
        assert (_count(pg_world, rfq.id, "accepted"), _count(pg_world, rfq.id, "declined")) == (
            1,
            1,
        )


def test_two_concurrent_revisions_leave_one_open_quote(pg_world: Procurement) -> None:
    company = pg_world.company()
    a = pg_world.supplier()
    rfq = pg_world.rfq(company, sent_to=(a,))
    pg_world.quote(rfq, a, "1.00")
    results = race(4, lambda i: pg_world.quote(rfq, a, f"0.{90 - i}"))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert _count(pg_world, rfq.id, "submitted") == 1
    assert _count(pg_world, rfq.id, "superseded") == 4
