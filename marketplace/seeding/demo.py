"""The demo marketplace: a platform admin, a buyer, a self-operated shop, suppliers and
third-party sellers from Olist's real sellers with the products they really sold (at their
real average price), a category tree, warehouses with stock, and FX rates.

Everything goes through the same services the API uses, so the demo data obeys every rule
the API enforces. Without the data set, a synthetic catalogue of the same shape is used.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from marketplace.bootstrap import Marketplace
from marketplace.catalog import services as catalog
from marketplace.catalog.domain.commands import (
    AddSku,
    ChangeProductStatus,
    CreateCategory,
    CreateProduct,
    SetSkuPrices,
    TierInput,
    TranslationInput,
)
from marketplace.fx import services as fx
from marketplace.inventory import services as inventory
from marketplace.inventory.commands import CreateWarehouse, ReceiveStock, SetWarehouseAccess
from marketplace.inventory.domain import Operator
from marketplace.parties import services as parties
from marketplace.parties.domain import MerchantAction, MerchantKind
from marketplace.seeding import olist
from marketplace.settlement import services as settlement
from marketplace.settlement.commands import CreateCommissionRule
from marketplace.shared.money import Money

ADMIN_EMAIL = "admin@agora.local"
BUYER_EMAIL = "buyer@agora.local"
DEMO_PASSWORD = "agora-demo-2026"
# Demo rates, stated as such: not market quotes.
DEMO_RATES = {("BRL", "CNY"): "1.30", ("USD", "CNY"): "7.10", ("EUR", "CNY"): "7.70"}


@dataclass
class DemoSummary:
    source: str
    merchants: int = 0
    categories: int = 0
    products: int = 0
    skus: int = 0
    warehouses: int = 0
    notes: list[str] = field(default_factory=list)


def already_seeded(app: Marketplace) -> bool:
    with app.uow() as uow:
        return uow.users.get_by_email(ADMIN_EMAIL) is not None


def seed_demo(
    app: Marketplace,
    *,
    datasets_dir: Path,
    sellers: int = 12,
    products_per_seller: int = 25,
    progress: Callable[[str], None] = lambda _msg: None,
) -> DemoSummary:
    """Build the demo marketplace in ``app``'s database (once)."""
    rng = random.Random(2026)
    use_olist = olist.available(datasets_dir)
    summary = DemoSummary(source="olist" if use_olist else "synthetic")
    admin = parties.create_platform_admin(
        ADMIN_EMAIL, DEMO_PASSWORD, uow=app.uow(), passwords=app.passwords
    )
    buyer = parties.register_user(
        parties.RegisterUser(email=BUYER_EMAIL, password=DEMO_PASSWORD, display_name="演示买家"),
        uow=app.uow(),
        passwords=app.passwords,
    )
    if app.wallet is not None:  # store credit, so the demo buyer can pay with the wallet
        app.wallet.top_up(buyer.id, Money.of("5000.00", "CNY"), reference="demo-welcome")
    if app.credit_terms is not None:  # and B2B net terms
        app.credit_terms.set_account(buyer.id, Money.of("20000.00", "CNY"), terms_days=30)
    fx.set_rates(
        fx.SetRates(
            rate_date=date(2026, 11, 1),
            source="demo (not a market quote)",
            rates=[fx.RateQuote(b, q, r) for (b, q), r in DEMO_RATES.items()],
        ),
        uow=app.uow(),
    )
    # The platform's default commission: 5% of every line, at least 0.50 CNY.
    settlement.create_commission_rule(
        CreateCommissionRule(scope="platform", rate="0.05", floors=[Money.of("0.50", "CNY")],
                             note="demo default"),
        uow=app.uow(),
    )  # fmt: skip
    progress("categories")
    leaves = _category_tree(app, summary)
    if use_olist:
        sellers_, products = olist.load_sample(
            datasets_dir, sellers=sellers, products_per_seller=products_per_seller
        )
    else:
        sellers_, products = _synthetic(rng, sellers, products_per_seller)
        summary.notes.append(f"{datasets_dir} not found: synthetic catalogue")
    platform_wh = inventory.create_warehouse(
        CreateWarehouse(
            operator=Operator.platform(admin.id),
            code="HZ-DC1",
            name="杭州平台仓 Hangzhou platform DC",
            country="CN",
            region="Zhejiang",
            city="Hangzhou",
            priority=10,
        ),
        uow=app.uow(),
    )
    summary.warehouses += 1
    by_seller: dict[str, list[olist.OlistProduct]] = {}
    for p in products:
        by_seller.setdefault(p.seller_id, []).append(p)
    for index, seller in enumerate(sellers_):
        kind = MerchantKind.SUPPLIER if index % 4 == 3 else MerchantKind.THIRD_PARTY
        progress(f"merchant {index + 1}/{len(sellers_)}")
        merchant_id = _merchant(
            app,
            admin.id,
            f"{seller.city} Seller {index + 1}",
            kind,
            region=seller.state,
            city=seller.city,
            rng=rng,
        )
        summary.merchants += 1
        wh = inventory.create_warehouse(
            CreateWarehouse(
                operator=Operator.merchant(merchant_id, "demo"),
                code="MAIN",
                name=f"{seller.city} warehouse",
                country="BR",
                region=seller.state,
                city=seller.city,
                priority=50,
            ),
            uow=app.uow(),
        )
        inventory.grant_warehouse_access(
            SetWarehouseAccess(warehouse_id=platform_wh.id, merchant_id=merchant_id),
            uow=app.uow(),
        )
        summary.warehouses += 1
        for product in by_seller.get(seller.id, []):
            _product(app, merchant_id, product, leaves, (wh.id, platform_wh.id), rng, summary)
    summary.notes.append(
        f"logins: {ADMIN_EMAIL} (platform admin), {BUYER_EMAIL} (buyer); password {DEMO_PASSWORD}"
    )
    return summary


def _category_tree(app: Marketplace, summary: DemoSummary) -> dict[str, str]:
    """Groups as roots, Olist categories as leaves; returns english name -> leaf id."""
    roots = {}
    for slug, zh, en, _ in olist.GROUPS:
        roots[slug] = catalog.create_category(
            CreateCategory(names={"zh": zh, "en": en}, slug=f"{slug}-group"), uow=app.uow()
        ).id
        summary.categories += 1
    leaves = {}
    for en_name, zh_name in sorted(olist.ZH_NAMES.items()):
        en_name = en_name.strip()
        if en_name in leaves:
            continue
        leaves[en_name] = catalog.create_category(
            CreateCategory(
                names={"zh": zh_name, "en": en_name.replace("_", " ").capitalize()},
                parent_id=roots[olist.group_of(en_name)],
                slug=en_name.replace("_", "-"),
            ),
            uow=app.uow(),
        ).id
        summary.categories += 1
    return leaves


def _merchant(
    app: Marketplace,
    admin_id: str,
    name: str,
    kind: MerchantKind,
    *,
    region: str,
    city: str,
    rng: random.Random,
) -> str:
    email = f"owner{rng.randrange(10**9)}@merchants.agora.local"
    owner = parties.register_user(
        parties.RegisterUser(email=email, password=DEMO_PASSWORD),
        uow=app.uow(),
        passwords=app.passwords,
    )
    merchant = parties.apply_for_merchant(
        parties.ApplyForMerchant(name=name, kind=kind, region=region, city=city),
        uow=app.uow(),
        applicant_user_id=owner.id,
    )
    parties.create_shop(merchant.id, parties.CreateShop(name=f"{name} 旗舰店"), uow=app.uow())
    for action in (MerchantAction.SUBMIT, MerchantAction.APPROVE):
        actor = owner.id if action is MerchantAction.SUBMIT else admin_id
        parties.change_merchant_status(
            merchant.id,
            action,
            uow=app.uow(),
            actor_user_id=actor,
            on_visibility_change=app.on_merchant_visibility_change,
        )
    return merchant.id


def _product(
    app: Marketplace,
    merchant_id: str,
    product: olist.OlistProduct,
    leaves: dict[str, str],
    warehouses: tuple[str, str],
    rng: random.Random,
    summary: DemoSummary,
) -> None:
    category_id = leaves.get(product.category_en) or next(iter(leaves.values()))
    label_en = product.category_en.replace("_", " ").capitalize()
    label_zh = olist.ZH_NAMES.get(product.category_en, label_en)
    code = product.id[:8].upper()
    created = catalog.create_product(
        CreateProduct(
            merchant_id=merchant_id,
            category_id=category_id,
            translations={
                "zh": TranslationInput(f"{label_zh} {code}", f"来自巴西卖家的{label_zh}商品。"),
                "en": TranslationInput(
                    f"{label_en} {code}", f"{label_en} from a Brazilian seller (Olist)."
                ),
            },
            default_locale="zh",
            brand=None,
            attributes={"origin": "BR"},
        ),
        uow=app.uow(),
        cache=app.cache,
    )
    sku = catalog.add_sku(
        AddSku(
            merchant_id=merchant_id,
            product_id=created.id,
            sku_code=code,
            weight_grams=product.weight_grams,
        ),
        uow=app.uow(),
        cache=app.cache,
    )
    cny = (product.price_brl * Decimal(DEMO_RATES[("BRL", "CNY")])).quantize(Decimal("0.01"))
    for currency, amount in (("CNY", cny), ("BRL", product.price_brl)):
        tier = (amount * Decimal("0.9")).quantize(Decimal("0.01"))
        catalog.set_sku_prices(
            SetSkuPrices(
                merchant_id=merchant_id,
                sku_id=sku.id,
                currency=currency,
                list_price=str(amount),
                tiers=(TierInput(10, str(tier)),),
            ),
            uow=app.uow(),
            cache=app.cache,
        )
    catalog.list_product(
        ChangeProductStatus(merchant_id=merchant_id, product_id=created.id),
        uow=app.uow(),
        cache=app.cache,
    )
    own, platform = warehouses
    for warehouse_id, operator in (
        (own, Operator.merchant(merchant_id, "demo-seed")),
        (platform, Operator.platform("demo-seed")),
    ):
        inventory.receive_stock(
            ReceiveStock(
                operator=operator,
                sku_id=sku.id,
                warehouse_id=warehouse_id,
                quantity=rng.randrange(5, 200),
                reference="demo-seed",
            ),
            uow=app.uow(),
        )
    summary.products += 1
    summary.skus += 1


def _synthetic(
    rng: random.Random, sellers: int, per_seller: int
) -> tuple[list[olist.OlistSeller], list[olist.OlistProduct]]:
    cities = [("Hangzhou", "ZJ"), ("Shenzhen", "GD"), ("Yiwu", "ZJ"), ("Suzhou", "JS")]
    categories = sorted(k.strip() for k in olist.ZH_NAMES)
    out_sellers, out_products = [], []
    for s in range(sellers):
        city, state = cities[s % len(cities)]
        seller = olist.OlistSeller(f"synthetic-seller-{s}", city, state)
        out_sellers.append(seller)
        for p in range(per_seller):
            out_products.append(
                olist.OlistProduct(
                    id=f"{s:04d}{p:04d}{rng.randrange(16**8):08x}",
                    category_pt="",
                    category_en=rng.choice(categories),
                    weight_grams=rng.randrange(100, 5000),
                    seller_id=seller.id,
                    price_brl=Decimal(rng.randrange(990, 49_900)) / 100,
                )
            )
    return out_sellers, out_products
