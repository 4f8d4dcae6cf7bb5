"""The demo marketplace, in two layers.

1. **History, in bulk** (``marketplace.importing``; idempotent): Olist's real sellers, their
   catalogue and the 10k-order subset; UCI Online Retail's UK wholesale supplier with its
   customers (wholesalers become companies), a year of invoices and the cancellations as
   refunds; and a synthetic layer from the generator (users with planted preferences,
   price elasticities, seasonality) whose ground truth is written next to the database.
   Without the data sets, the synthetic layer alone, larger.
2. **The live layer, through the services** (``marketplace.seeding.live``): FX rates, the
   default commission rule, the demo buyer (wallet, credit terms, a B2B company), stock
   for the busiest merchants, the wholesale supplier's offers with quantity breaks, and
   last the platform admin, whose presence marks the demo as built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from marketplace.bootstrap import Marketplace
from marketplace.fx import services as fx
from marketplace.importing.olist_import import import_olist
from marketplace.importing.online_retail_import import MERCHANT as RETAIL_SUPPLIER
from marketplace.importing.online_retail_import import import_online_retail
from marketplace.importing.sources import ImportReport
from marketplace.parties import services as parties
from marketplace.seeding import live, olist
from marketplace.seeding.synthetic import SyntheticParams
from marketplace.seeding.synthetic.seed import seed_synthetic
from marketplace.settlement import services as settlement
from marketplace.settlement.commands import CreateCommissionRule
from marketplace.shared.money import Money

ADMIN_EMAIL = "admin@agora.local"
BUYER_EMAIL = "buyer@agora.local"
MERCHANT_EMAIL = "merchant@agora.local"
DEMO_PASSWORD = "agora-demo-2026"
# Demo rates, stated as such: not market quotes.
DEMO_RATES = {("BRL", "CNY"): "1.30", ("USD", "CNY"): "7.10", ("EUR", "CNY"): "7.70",
              ("GBP", "CNY"): "9.10"}  # fmt: skip
DEMO_RATES_DATE = date(2026, 11, 1)
RETAIL_FILE = Path("uci-online-retail") / "online_retail.csv.gz"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class DemoScale:
    """How much of each layer: None takes a whole data set."""

    olist_orders: int | None = None
    retail_rows: int | None = None
    synthetic: SyntheticParams = field(
        default_factory=lambda: SyntheticParams(
            users=2_000, merchants=20, products=400, days=120, seed=2026, start=date(2026, 8, 1)
        )
    )
    stocked_merchants: int = 24
    skus_per_merchant: int = 40
    supplier_offers: int = 200


@dataclass
class DemoSummary:
    source: str
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def already_seeded(app: Marketplace) -> bool:
    with app.uow() as uow:
        return uow.users.get_by_email(ADMIN_EMAIL) is not None


def seed_demo(
    app: Marketplace,
    *,
    datasets_dir: Path,
    scale: DemoScale | None = None,
    truth_path: Path,
    progress: Progress = lambda _msg: None,
) -> DemoSummary:
    """Build the demo marketplace in ``app``'s database (see the module docstring)."""
    scale = scale or DemoScale()
    has_olist = olist.available(datasets_dir)
    has_retail = (datasets_dir / RETAIL_FILE).exists()
    sources = [n for n, ok in (("olist", has_olist), ("online_retail", has_retail)) if ok]
    summary = DemoSummary(source="+".join([*sources, "synthetic"]))
    if has_olist:
        progress("importing Olist (sellers, catalogue, 10k orders)")
        _note(summary, import_olist(app.engine, datasets_dir, limit=scale.olist_orders))
    if has_retail:
        progress("importing UCI Online Retail (supplier, wholesalers, invoices, refunds)")
        _note(summary, import_online_retail(app.engine, datasets_dir, limit=scale.retail_rows))
    if not sources:
        summary.notes.append(f"{datasets_dir} not found: the synthetic layer alone")
    params = scale.synthetic
    progress(f"generating the synthetic layer ({params.users} users, {params.days} days)")
    synthetic = seed_synthetic(app.engine, params, truth_path=truth_path, app=app,
                               progress=progress)  # fmt: skip
    summary.notes.append(f"synthetic ground truth: {synthetic.truth_path}")
    _live_layer(app, scale, has_retail=has_retail, progress=progress, summary=summary)
    summary.counts = _counts(app)
    summary.notes.append(
        f"logins: {ADMIN_EMAIL} (platform admin), {BUYER_EMAIL} (buyer, admin of a B2B "
        f"company), {MERCHANT_EMAIL} (a merchant's staff); password {DEMO_PASSWORD}"
    )
    return summary


def _live_layer(
    app: Marketplace, scale: DemoScale, *, has_retail: bool, progress: Progress,
    summary: DemoSummary,
) -> None:  # fmt: skip
    fx.set_rates(
        fx.SetRates(rate_date=DEMO_RATES_DATE, source="demo (not a market quote)",
                    rates=[fx.RateQuote(b, q, r) for (b, q), r in DEMO_RATES.items()]),
        uow=app.uow(),
    )  # fmt: skip
    # The platform's default commission: 5% of every line, at least 0.50 CNY.
    settlement.create_commission_rule(
        CreateCommissionRule(scope="platform", rate="0.05", floors=[Money.of("0.50", "CNY")],
                             note="demo default"),
        uow=app.uow(),
    )  # fmt: skip
    buyer = parties.register_user(
        parties.RegisterUser(email=BUYER_EMAIL, password=DEMO_PASSWORD, display_name="演示买家"),
        uow=app.uow(), passwords=app.passwords,
    )  # fmt: skip
    if app.wallet is not None:  # store credit, so the demo buyer can pay with the wallet
        app.wallet.top_up(buyer.id, Money.of("5000.00", "CNY"), reference="demo-welcome")
    if app.credit_terms is not None:  # and B2B net terms
        app.credit_terms.set_account(buyer.id, Money.of("20000.00", "CNY"), terms_days=30)
    live.demo_company(app, buyer.id, currencies=("CNY", "GBP"))
    always = (RETAIL_SUPPLIER,) if has_retail else ()
    chosen = live.busiest_merchants(app, scale.stocked_merchants, always=always)
    # The wholesale supplier has stock of every SKU it offers to B2B buyers.
    wholesale = {RETAIL_SUPPLIER: max(scale.supplier_offers, scale.skus_per_merchant)}
    stocked = live.stock_merchants(app, chosen, skus_per_merchant=scale.skus_per_merchant,
                                   progress=progress,
                                   wholesale=wholesale if has_retail else None)  # fmt: skip
    summary.notes.append(f"stock: {stocked.skus} SKUs of {stocked.merchants} merchants")
    parties.register_user(
        parties.RegisterUser(email=MERCHANT_EMAIL, password=DEMO_PASSWORD,
                             display_name="演示商家店员"),
        uow=app.uow(), passwords=app.passwords,
    )  # fmt: skip
    shop = live.demo_merchant_staff(app, MERCHANT_EMAIL, "CNY")
    summary.notes.append(f"{MERCHANT_EMAIL} works for merchant {shop}")
    costed = live.unit_costs(app, "CNY")
    summary.notes.append(f"unit costs (for pricing advice) of {costed} CNY SKUs")
    if has_retail:
        # The UK wholesaler quotes the demo's Chinese buyers in CNY (its GBP list converted at
        # the demo rate): the demo company buys in CNY, and purchasing is one currency.
        offers = live.supplier_offers(app, RETAIL_SUPPLIER, count=scale.supplier_offers,
                                      lead_days=3, quote_currency="CNY",
                                      rates_on=DEMO_RATES_DATE)  # fmt: skip
        summary.notes.append(f"B2B offers of the wholesale supplier: {offers}")
    # Last: the admin whose presence means the demo is complete.
    parties.create_platform_admin(ADMIN_EMAIL, DEMO_PASSWORD, uow=app.uow(),
                                  passwords=app.passwords)  # fmt: skip


def _note(summary: DemoSummary, report: ImportReport) -> None:
    dropped = sum(report.dropped.values())
    summary.notes.append(
        f"{report.source}: {report.rows_read:,} source rows in {report.seconds:.0f} s, "
        f"{dropped:,} dropped ({', '.join(f'{k} {v:,}' for k, v in report.dropped.items())})"
    )


def _counts(app: Marketplace) -> dict[str, int]:
    from marketplace.behaviour.adapters.tables import behaviour_events
    from marketplace.catalog.adapters.tables import products
    from marketplace.companies.adapters.tables import companies
    from marketplace.ordering.adapters.tables import orders
    from marketplace.parties.adapters.tables import merchants, users

    tables = {
        "merchants": merchants,
        "products": products,
        "users": users,
        "companies": companies,
        "orders": orders,
        "behaviour events": behaviour_events,
    }
    with app.engine.connect() as conn:
        return {name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
                for name, t in tables.items()}  # fmt: skip
