"""What RFQ tests stand on: a company with a location and members (through the companies
services), and supplier merchants each selling one active SKU (through the catalog)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, insert, update

from marketplace.bootstrap import Marketplace
from marketplace.companies import services as companies
from marketplace.companies.domain import MemberRole, ShippingAddress
from marketplace.parties.adapters.tables import merchants, users
from marketplace.rfq import services
from marketplace.rfq.commands import CreateRfq, ItemRequest, QuoteLineRequest, SubmitQuote
from marketplace.rfq.domain import Quote, Rfq
from marketplace.shared.clock import FixedClock
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money
from tests.integration.catalog_seed import Catalog, insert_merchant

ADDRESS = ShippingAddress(
    name="Wang Fang", phone="13800000000", country="CN", region="Zhejiang", city="Hangzhou",
    line1="88 Wensan Road",
)  # fmt: skip


@dataclass(frozen=True)
class Company:
    id: str
    admin_id: str  # buyer admin, the creator
    location_id: str


@dataclass(frozen=True)
class Supplier:
    merchant_id: str
    sku_id: str


@dataclass
class Procurement:
    app: Marketplace
    clock: FixedClock

    @property
    def engine(self) -> Engine:
        return self.app.engine

    def user(self) -> str:
        user_id, now = new_id("usr"), self.clock.now()
        with self.engine.begin() as conn:
            conn.execute(insert(users).values(
                id=user_id, email=f"{user_id.lower()}@example.com", phone=None,
                password_hash="x", display_name="Member", locale="zh", member_level="regular",
                is_platform_admin=False, is_active=True, created_at=now, updated_at=now,
            ))  # fmt: skip
        return user_id

    def company(self, name: str = "Acme Manufacturing") -> Company:
        admin = self.user()
        company = companies.create_company(
            companies.CreateCompany(name=name, creator_id=admin), uow=self.app.uow()
        )
        location = companies.add_location(
            company.id, actor_id=admin, name="Plant 1", address=ADDRESS, uow=self.app.uow()
        )
        return Company(company.id, admin, location.id)

    def member(self, company: Company, role: MemberRole = MemberRole.REQUESTER) -> str:
        user_id = self.user()
        issued = companies.invite_member(company.id, actor_id=company.admin_id,
                                         email=f"{user_id.lower()}@example.com", role=role,
                                         uow=self.app.uow())  # fmt: skip
        companies.accept_invitation(issued.token, user_id=user_id, uow=self.app.uow())
        return user_id

    def supplier(self, *, kind: str = "supplier", status: str = "approved") -> Supplier:
        merchant_id, _ = insert_merchant(self.engine, self.clock)
        catalog = Catalog(self.engine, self.clock, tick=timedelta(0))
        category = catalog.category(f"Fasteners {merchant_id[-6:]}")
        product = catalog.product(merchant_id, category, titles={"en": "Hex bolt M8"})
        with self.engine.connect() as conn:
            from marketplace.catalog.adapters.tables import skus

            sku_id = conn.execute(skus.select().where(skus.c.product_id == product)).first()
        assert sku_id is not None
        with self.engine.begin() as conn:  # after listing, which needs an approved merchant
            conn.execute(update(merchants).where(merchants.c.id == merchant_id)
                         .values(kind=kind, status=status))  # fmt: skip
        return Supplier(merchant_id, sku_id.id)

    def rfq(
        self, company: Company, *, by: str | None = None, quantity: int = 500,
        deadline: timedelta = timedelta(days=7), sent_to: tuple[Supplier, ...] = (),
    ) -> Rfq:  # fmt: skip
        cmd = CreateRfq(
            company_id=company.id, actor_id=by or company.admin_id, title="Bolts for line 3",
            items=(ItemRequest(quantity=quantity, unit="pcs", spec="M8 hex bolt, 40 mm"),),
            deadline=self.clock.now() + deadline, location_id=company.location_id,
        )  # fmt: skip
        rfq = services.create_rfq(cmd, uow=self.app.uow())
        if sent_to:
            rfq = services.send_rfq(company.id, rfq.id, actor_id=by or company.admin_id,
                                    supplier_ids=[s.merchant_id for s in sent_to],
                                    uow=self.app.uow())  # fmt: skip
        return rfq

    def quote(
        self, rfq: Rfq, supplier: Supplier, price: str, *, valid: timedelta = timedelta(days=14),
        lead_time_days: int = 7,
    ) -> Quote:  # fmt: skip
        cmd = SubmitQuote(
            rfq_id=rfq.id, merchant_id=supplier.merchant_id,
            lines=(QuoteLineRequest(1, supplier.sku_id, Money.of(price, "CNY"), lead_time_days),),
            valid_until=self.clock.now() + valid,
        )  # fmt: skip
        return services.submit_quote(cmd, uow=self.app.uow())
