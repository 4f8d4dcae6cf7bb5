"""What procurement tests stand on, built through the services: a supplier (the ordering
seed's ``Market`` seller, with stock in Shanghai) with a supplier profile serving Shanghai
and B2B offers on its SKUs; a company (the same steps as the purchasing concurrency test)
with a budgeted cost centre, a Shanghai location, a credit line, a buyer (requester) and an
approver; and helpers that drive the procurement services as the agent and the buyer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select

from marketplace.bootstrap import Marketplace
from marketplace.companies import services as companies
from marketplace.companies.domain import MemberRole, OverrunPolicy, ShippingAddress
from marketplace.ordering.adapters.tables import orders
from marketplace.procurement import services
from marketplace.procurement.commands import CreateDraft, DraftSpec, EditDraft, StartConversation
from marketplace.procurement.domain import Draft, DraftLine
from marketplace.purchasing.adapters.tables import purchase_requests
from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from marketplace.sourcing import services as sourcing
from marketplace.sourcing.domain import PriceTier, ServedRegion
from tests.integration.ordering.seed import Market, Seller

SHANGHAI = ShippingAddress(
    "Wang Fang", "13900000000", "CN", "Shanghai", "Shanghai", "88 Zhangjiang"
)
# Bolts: 1.50 from 10, 1.20 from 100. Nuts: 0.40 from 50. Both 3 days to Shanghai.
BOLT_TIERS = ((10, "1.50"), (100, "1.20"))
NUT_TIERS = ((50, "0.40"),)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


def tiers(*pairs: tuple[int, str]) -> tuple[PriceTier, ...]:
    return tuple(PriceTier(q, cny(p)) for q, p in pairs)


@dataclass
class B2B:
    app: Marketplace
    clock: FixedClock
    market: Market
    supplier: Seller
    company_id: str
    admin_id: str
    buyer_id: str
    approver_id: str
    location_id: str
    cost_centre_id: str
    offers: dict[str, str] = field(default_factory=dict)  # label -> offer id

    @property
    def today(self) -> date:
        return self.clock.now().date()

    # -- the agent and the buyer ------------------------------------------------------
    def conversation(self, buyer: str | None = None) -> str:
        cmd = StartConversation(self.company_id, buyer or self.buyer_id, "zh")
        return services.start_conversation(cmd, uow=self.app.uow()).id

    def spec(self, lines: dict[str, int], *, deadline_days: int | None = 10,
             note: str = "") -> DraftSpec:  # fmt: skip
        deadline = self.today + timedelta(days=deadline_days) if deadline_days else None
        return DraftSpec(
            self.location_id,
            tuple(DraftLine(self.offers[label], q) for label, q in lines.items()),
            deadline=deadline,
            note=note,
        )

    def draft(self, conversation_id: str, lines: dict[str, int], **kw: object) -> Draft:
        cmd = CreateDraft(conversation_id, self.buyer_id, self.spec(lines, **kw))  # type: ignore[arg-type]
        return services.create_draft(cmd, uow=self.app.uow())

    def edit(self, draft_id: str, lines: dict[str, int], **kw: object) -> Draft:
        cmd = EditDraft(draft_id, self.buyer_id, self.spec(lines, **kw))  # type: ignore[arg-type]
        return services.edit_draft(cmd, uow=self.app.uow())

    def freeze(self, draft_id: str) -> Draft:
        return services.request_confirmation(draft_id, user_id=self.buyer_id, uow=self.app.uow())

    def confirm(self, draft: Draft) -> Draft:
        assert draft.content_hash is not None
        return services.confirm_draft(
            draft.id, draft.content_hash, user_id=self.buyer_id, uow=self.app.uow()
        )

    def confirmed(self, lines: dict[str, int], **kw: object) -> Draft:
        """A new conversation with one draft, frozen and confirmed."""
        draft = self.draft(self.conversation(), lines, **kw)
        return self.confirm(self.freeze(draft.id))

    def place(self, draft_id: str, *, user: str | None = None) -> Draft:
        return services.place_draft(draft_id, user_id=user or self.buyer_id, uow=self.app.uow(),
                                    placement=self.app.placement, actor="agent")  # fmt: skip

    def get(self, draft_id: str) -> Draft:
        return services.get_draft(draft_id, user_id=self.buyer_id, uow=self.app.uow())

    # -- the supplier ---------------------------------------------------------------------
    def set_offer(self, label: str, *, price_tiers: tuple[PriceTier, ...] | None = None,
                  lead: int | None = None, active: bool | None = None) -> None:  # fmt: skip
        cmd = sourcing.UpdateOffer(
            self.supplier.merchant_id, self.offers[label], tiers=price_tiers,
            lead_time_days=lead, is_active=active,
        )  # fmt: skip
        sourcing.update_offer(cmd, uow=self.app.uow())

    # -- what happened --------------------------------------------------------------------
    def requests_for(self, draft_id: str) -> list[tuple[str, str]]:
        """(id, status) of the purchase requests stored for a draft's idempotency key."""
        pr = purchase_requests.c
        with self.app.engine.connect() as conn:
            rows = conn.execute(
                select(pr.id, pr.status).where(
                    pr.company_id == self.company_id,
                    pr.idempotency_key == services.idempotency_key(draft_id),
                )
            ).all()
        return [(r.id, r.status) for r in rows]

    def order_count(self) -> int:
        with self.app.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(orders)
                    .where(orders.c.company_id == self.company_id)
                ).scalar_one()
            )


def build(app: Marketplace, clock: FixedClock, *, budget: str = "1000000") -> B2B:
    market = Market(app, clock)
    seller = market.seller({"bolt": "2.00", "nut": "1.00"}, stock={"bolt": 100_000, "nut": 100_000})
    shanghai = ServedRegion("CN", "Shanghai", 3, cny("0"), cny("0"))
    sourcing.put_supplier_profile(
        sourcing.PutSupplierProfile(seller.merchant_id, regions=(shanghai,)), uow=app.uow()
    )
    offers = {
        label: sourcing.create_offer(
            sourcing.CreateOffer(seller.merchant_id, seller.skus[label], tiers(*pairs)),
            uow=app.uow(),
        ).id
        for label, pairs in (("bolt", BOLT_TIERS), ("nut", NUT_TIERS))
    }
    admin = market.buyer()
    company = companies.create_company(companies.CreateCompany("Acme Tools", admin), uow=app.uow())
    centre = companies.add_cost_centre(
        company.id, actor_id=admin, code="OPS", name="Operations",
        monthly_budget=cny(budget), overrun=OverrunPolicy.BLOCK, uow=app.uow(),
    )  # fmt: skip
    location = companies.add_location(
        company.id, actor_id=admin, name="Shanghai DC", address=SHANGHAI,
        cost_centre_id=centre.id, uow=app.uow(),
    )  # fmt: skip
    assert app.credit_terms is not None
    assert app.credit_terms.set_account(company.id, cny("500000"), terms_days=30)
    buyer = join(app, market, company.id, admin, MemberRole.REQUESTER)
    approver = join(app, market, company.id, admin, MemberRole.APPROVER)
    return B2B(app, clock, market, seller, company.id, admin, buyer, approver, location.id,
               centre.id, offers)  # fmt: skip


def join(app: Marketplace, market: Market, company_id: str, admin: str, role: MemberRole) -> str:
    user_id = market.buyer()
    issued = companies.invite_member(company_id, actor_id=admin, role=role, uow=app.uow(),
                                     email=f"{user_id.lower()}@example.com")  # fmt: skip
    companies.accept_invitation(issued.token, user_id=user_id, uow=app.uow())
    return user_id
