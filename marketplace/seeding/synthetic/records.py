"""The simulation's entities and days as ``marketplace.importing`` records.

Ids are ``stable_id``s of keys that carry the seed, so one seed always makes the same ids
(a re-run writes nothing new) and two seeds make two marketplaces side by side. The
category tree is the same for every seed and shared by them (fixed keys and time).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from marketplace.importing.ids import order_id_of, stable_id
from marketplace.importing.records import (
    BehaviourEventRecord,
    BuyerRecord,
    CategoryRecord,
    HistoricalOrderRecord,
    MerchantRecord,
    OrderLineRecord,
    PriceRecord,
    ProductRecord,
    SkuRecord,
)
from marketplace.seeding.synthetic.model import Day, Event, Order, Product
from marketplace.seeding.synthetic.world import MINOR, World

SOURCE = "synthetic"
CATEGORY_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
EMAIL_DOMAIN = "synthetic.agora.local"
# Orders end up further along the more days before the end of the run they were placed.
_STATUS_BY_AGE = ((14, "completed"), (5, "delivered"), (2, "shipped"), (0, "paid"))


def _money(minor: int) -> Decimal:
    return Decimal(minor) / MINOR


class RecordMaker:
    """Turns one world (and its days) into records; holds the O(P + U) id tables."""

    def __init__(self, world: World) -> None:
        self.world, self.seed = world, world.params.seed
        self.currency = world.params.currency
        # Everything exists a month before the history starts.
        self.epoch = datetime.combine(world.params.start, time(), UTC) - timedelta(days=30)
        self.category_ids = [
            self._id("cat", f"category:{c.slug}", CATEGORY_EPOCH, shared=True)
            for c in world.categories
        ]
        self.merchant_ids = [
            self._id("mer", f"m{m.index}", self._at(m.index)) for m in world.merchants
        ]
        self.shop_ids = [
            self._id("shop", f"m{m.index}", self._at(m.index)) for m in world.merchants
        ]
        self.owner_ids = [
            self._id("usr", f"owner{m.index}", self._at(m.index)) for m in world.merchants
        ]
        self.product_ids = [
            self._id("prod", f"p{x.index}", self._at(x.index, 1)) for x in world.products
        ]
        self.sku_ids = [
            [
                self._id("sku", f"p{x.index}v{v}", self._at(x.index, 1))
                for v in range(len(x.variants))
            ]
            for x in world.products
        ]
        self.user_ids = [self._id("usr", f"u{u.index}", self._at(u.index, 2)) for u in world.users]

    def _id(self, prefix: str, key: str, at: datetime, *, shared: bool = False) -> str:
        return stable_id(prefix, SOURCE, key if shared else f"{self.seed}:{key}", at)

    def _at(self, index: int, day: int = 0) -> datetime:
        return self.epoch + timedelta(days=day, seconds=index)

    # -- the catalogue and the parties ---------------------------------------------------
    def categories(self) -> Iterator[CategoryRecord]:
        for c in self.world.categories:  # roots come before their leaves
            yield CategoryRecord(
                id=self.category_ids[c.index],
                slug=f"syn-{c.slug}",
                names={"zh": c.name_zh, "en": c.name_en},
                created_at=CATEGORY_EPOCH,
                parent_id=None if c.parent is None else self.category_ids[c.parent],
                position=c.index,
            )

    def merchants(self) -> Iterator[MerchantRecord]:
        for m in self.world.merchants:
            yield MerchantRecord(
                id=self.merchant_ids[m.index],
                shop_id=self.shop_ids[m.index],
                owner_user_id=self.owner_ids[m.index],
                owner_email=f"owner-{self.seed}-{m.index}@{EMAIL_DOMAIN}",
                name=f"{m.name} ({self.seed})",
                kind=m.kind,
                created_at=self._at(m.index),
                source=SOURCE,
                city=m.city,
                region=m.region,
                default_currency=self.currency,
            )

    def products(self) -> Iterator[ProductRecord]:
        last_day = self.world.params.days - 1
        for x in self.world.products:
            # The catalogue shows the regular price of the last simulated day.
            price = PriceRecord(self.currency, _money(x.schedule.regular_price(last_day)))
            skus = tuple(
                SkuRecord(
                    id=self.sku_ids[x.index][v],
                    sku_code=f"SYN{self.seed}-{x.index}-{v}",
                    prices=(price,),
                    sales_attributes={"size": name} if len(x.variants) > 1 else {},
                )
                for v, name in enumerate(x.variants)
            )
            yield ProductRecord(
                id=self.product_ids[x.index],
                merchant_id=self.merchant_ids[x.merchant],
                shop_id=self.shop_ids[x.merchant],
                category_id=self.category_ids[x.category],
                titles={"zh": x.title_zh, "en": x.title_en},
                descriptions={"en": f"A synthetic {x.title_en.lower()} (seed {self.seed})."},
                skus=skus,
                created_at=self._at(x.index, 1),
                attributes={"synthetic": "true"},
                price_currency=self.currency,
            )

    def buyers(self) -> Iterator[BuyerRecord]:
        for u in self.world.users:
            yield BuyerRecord(
                id=self.user_ids[u.index],
                email=f"buyer-{self.seed}-{u.index}@{EMAIL_DOMAIN}",
                display_name=f"Synthetic buyer {u.index + 1}",
                created_at=self._at(u.index, 2),
            )

    # -- the days ------------------------------------------------------------------------
    def group_id(self, order: Order) -> str:
        return self._id("grp", order.key, order.placed_at)

    def order(self, order: Order) -> HistoricalOrderRecord:
        products = self.world.products
        age = self.world.params.days - 1 - order.day
        status = next(s for min_age, s in _STATUS_BY_AGE if age >= min_age)
        lines = tuple(
            OrderLineRecord(
                sku_id=self.sku_ids[ln.product][ln.variant],
                quantity=ln.quantity,
                unit_price=_money(ln.unit_price),
                list_price=_money(products[ln.product].schedule.regular_price(order.day)),
            )
            for ln in order.lines
        )
        return HistoricalOrderRecord(
            id=self.group_id(order),
            buyer_id=self.user_ids[order.user],
            placed_at=order.placed_at,
            currency=self.currency,
            lines=lines,
            status=status,
            paid_at=order.paid_at,
            channel=order.channel,
            payment_method=order.payment_method,
            locale="zh",
            source=SOURCE,
        )

    def events(self, day: Day) -> Iterator[BehaviourEventRecord]:
        groups = {o.key: (self.group_id(o), o.placed_at) for o in day.orders}
        searches: dict[str, str] = {}
        for event in day.events:
            record = self.event(event, groups, searches)
            if event.type == "search":
                searches[event.key] = record.id
            yield record

    def event(
        self, e: Event, groups: dict[str, tuple[str, datetime]], searches: dict[str, str]
    ) -> BehaviourEventRecord:
        product: Product | None = None if e.product is None else self.world.products[e.product]
        order_id = None
        if e.order_key is not None and product is not None:
            group_id, placed_at = groups[e.order_key]
            order_id = order_id_of(group_id, self.merchant_ids[product.merchant], placed_at)
        return BehaviourEventRecord(
            id=self._id("bev", e.key, e.occurred_at),
            occurred_at=e.occurred_at,
            type=e.type,
            source=SOURCE,
            session_id=e.session,
            channel=e.channel,
            user_id=self.user_ids[e.user],
            product_id=None if product is None else self.product_ids[product.index],
            sku_id=None
            if product is None or e.variant is None
            else self.sku_ids[product.index][e.variant],
            merchant_id=None if product is None else self.merchant_ids[product.merchant],
            quantity=e.quantity,
            price=None if e.price is None else _money(e.price),
            currency=None if e.price is None else self.currency,
            order_id=order_id,
            query=e.query,
            results=None if e.results is None else tuple(self.product_ids[i] for i in e.results),
            position=e.position,
            attribution_id=None if e.attribution is None else searches[e.attribution],
        )
