"""The procurement agent's world (``tests.integration.procurement_agent.world``: a company
with a budgeted Shanghai location, a requester and an approver, and three suppliers of
stainless M8 bolts) seeded on the app the test server serves, with its own (real) clock,
and the company's people able to sign in with ``DEFAULT_PASSWORD``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update

from marketplace.bootstrap import Marketplace
from marketplace.parties.adapters.tables import users
from marketplace.purchasing import services as purchasing
from marketplace.purchasing.domain import RuleKind
from marketplace.shared.clock import FixedClock
from tests.factories import DEFAULT_PASSWORD
from tests.integration.procurement.seed import B2B, build, cny
from tests.integration.procurement_agent.world import World, add_bolt_suppliers

EN_ASK = "I need 500 stainless M8 bolts delivered to Shanghai within 10 days"
ZH_ASK = "帮我找500个不锈钢M8螺栓，10天内送到上海"
NAMES = {"buyer": "Wang Fang", "approver": "Li Na", "admin": "Zhao Lei"}


@dataclass(frozen=True)
class People:
    buyer: str  # e-mail addresses
    approver: str
    admin: str


def email_of(user_id: str) -> str:
    return f"{user_id.lower()}@example.com"  # as tests.integration.ordering.seed names them


def seed(app: Marketplace) -> tuple[World, People]:
    """The world on ``app`` (the Marketplace the server serves) and who signs in."""
    # The seed's clock ticks a second per product; it starts at the app's (real) now.
    world = add_bolt_suppliers(build(app, FixedClock(app.clock.now())))
    b2b = world.b2b
    ids = {"buyer": b2b.buyer_id, "approver": b2b.approver_id, "admin": b2b.admin_id}
    hashed = app.passwords.hash(DEFAULT_PASSWORD)
    with app.engine.begin() as conn:
        for role, user_id in ids.items():
            conn.execute(update(users).where(users.c.id == user_id)
                         .values(password_hash=hashed, display_name=NAMES[role]))  # fmt: skip
    return world, People(*(email_of(ids[r]) for r in ("buyer", "approver", "admin")))


def require_approval_over(b2b: B2B, amount: str) -> None:
    """An approval rule: requests above ``amount`` CNY wait for any approver."""
    spec = purchasing.RuleSpec(name=f"Over {amount}", kind=RuleKind.AMOUNT_OVER, steps=((),),
                               threshold=cny(amount))  # fmt: skip
    purchasing.add_rule(b2b.company_id, spec, actor_id=b2b.admin_id, uow=b2b.app.uow())
