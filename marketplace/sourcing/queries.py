"""Sourcing's read side: the B2B offer search, supplier profiles, a merchant's lists.

``search_offers`` is one statement: the offer rows (filters on their own columns, the
category subtree, search-text terms), joined to the approved suppliers and to the one
region entry serving the delivery address (both small), and, for a company, to its
contract prices valid on the day. Price at the quantity, landed unit price and lead time
are computed per row from fixed tier columns (see ``adapters/tables.py``), so sorting by
them is a top-N sort of the matching rows. Statements are built once per shape of query,
every value bound, like the catalog listing.

Regions: with ``country`` and ``region``, a supplier matches through its entry for that
region, else its whole-country entry (region ""). With ``country`` alone, through its
whole-country entry, else the best figures of its entries in that country (shortest lead
time, lowest shipping). Without a country, the shortest lead time of all its entries
counts and no shipping is added. A supplier that
serves no region is not found.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from marketplace.catalog.adapters.sql import LIKE_ESCAPE, like_anywhere, like_prefix_sql
from marketplace.catalog.adapters.tables import categories
from marketplace.catalog.domain.locale import resolve_locale
from marketplace.catalog.queries.listing import search_terms
from marketplace.parties.adapters.tables import merchants
from marketplace.shared.money import Money
from marketplace.sourcing.adapters.repositories import (
    contract_of,
    offer_of,
    profile_of,
    regions_of,
    tiers_of,
)
from marketplace.sourcing.adapters.tables import (
    TIER_SLOTS,
    contract_prices,
    offers,
    supplier_profiles,
    supplier_regions,
)
from marketplace.sourcing.domain import (
    MAX_QUANTITY,
    SUPPLIER_KINDS,
    ContractPrice,
    InvalidOfferQueryError,
    Offer,
    PriceTier,
    SupplierProfile,
)

SORTS = ("landed_price", "lead_time", "rating")
MAX_LIMIT = 100
MAX_OFFSET = 1000
MAX_ATTRIBUTE_FILTERS = 10
MAX_SUPPLIER_IDS = 50


@dataclass(frozen=True)
class OfferQuery:
    category_id: str | None = None  # and its descendants
    attributes: Mapping[str, str] = field(default_factory=dict)  # exact match
    text: str | None = None  # every term in the title/search text (any language)
    max_moq: int | None = None
    quantity: int | None = None  # price at it; offers whose MOQ exceeds it are left out
    max_unit_price: Money | None = None  # the unit price at the quantity (contract wins)
    currency: str | None = None
    country: str | None = None  # delivery address (ISO 3166 alpha-2) ...
    region: str | None = None  # ... and province/state
    max_lead_time_days: int | None = None
    verified_only: bool = False
    supplier_ids: Sequence[str] = ()
    sort: str = "landed_price"  # landed_price | lead_time | rating
    limit: int = 20
    offset: int = 0
    locale: str | None = None


@dataclass(frozen=True)
class OfferHit:
    offer_id: str
    merchant_id: str
    supplier_name: str
    sku_id: str
    product_id: str
    category_id: str
    title: str
    sku_code: str
    attributes: dict[str, str]
    moq: int
    quantity: int  # the quantity priced (the MOQ when none was asked)
    tiers: tuple[PriceTier, ...]
    unit_price: Money
    price_rule: str  # "contract:<id>" | "tier:<min_quantity>"
    shipping_per_unit: Money | None  # the region's estimate spread over the quantity
    landed_unit_price: Money
    landed_total: Money
    lead_time_days: int | None
    is_verified: bool
    rating: Decimal | None
    on_time_rate: Decimal | None
    fulfilled_orders: int


@dataclass(frozen=True)
class OfferPage:
    items: list[OfferHit]
    next_offset: int | None


@dataclass(frozen=True)
class _Shape:
    sort: str
    category: bool
    attributes: tuple[str, ...]  # the names; the values are bound
    terms: int
    max_moq: bool
    quantity: bool
    currency: bool
    max_price: bool
    country: bool
    region: bool
    max_lead: bool
    verified_only: bool
    suppliers: bool
    company: bool


def search_offers(
    conn: Connection, query: OfferQuery, *, company_id: str | None = None, on: date
) -> OfferPage:
    """One page of active offers of approved suppliers (see the module docstring)."""
    shape, params = search_statement(query, company_id=company_id, on=on)
    rows = conn.execute(_statement(shape), params).all()
    page, more = rows[: query.limit], len(rows) > query.limit
    items = [_hit(row._mapping, query.locale) for row in page]
    return OfferPage(items, query.offset + query.limit if more else None)


def search_statement(
    query: OfferQuery, *, company_id: str | None, on: date
) -> tuple[_Shape, dict[str, Any]]:
    """Check the query; the statement's shape (``statement(shape)``) and its values."""
    _check(query)
    params: dict[str, Any] = {"limit": query.limit + 1, "offset": query.offset, "on": on}
    if query.category_id:
        params["category_id"] = query.category_id
    names = tuple(sorted(query.attributes))
    for i, name in enumerate(names):
        params[f"attr_{i}"] = str(query.attributes[name])
    terms = search_terms(query.text)
    for i, term in enumerate(terms):
        params[f"term_{i}"] = like_anywhere(term)
    currency = query.currency.strip().upper() if query.currency else None
    if query.max_unit_price is not None:
        price_currency = query.max_unit_price.currency.code
        if currency and currency != price_currency:
            raise InvalidOfferQueryError("max_unit_price is in another currency.")
        currency, params["max_price"] = price_currency, query.max_unit_price.minor
    optional = {
        "currency": currency, "max_moq": query.max_moq, "quantity": query.quantity,
        "max_lead": query.max_lead_time_days, "company_id": company_id,
        "country": query.country.strip().upper() if query.country else None,
        "region": " ".join(query.region.split()).lower() if query.region else None,
    }  # fmt: skip
    params.update({k: v for k, v in optional.items() if v is not None})
    if query.supplier_ids:
        params["supplier_ids"] = list(dict.fromkeys(query.supplier_ids))
    shape = _Shape(
        sort=query.sort, category="category_id" in params, attributes=names,
        terms=len(terms), max_moq="max_moq" in params, quantity="quantity" in params,
        currency="currency" in params, max_price="max_price" in params,
        country="country" in params, region="region" in params, max_lead="max_lead" in params,
        verified_only=query.verified_only, suppliers="supplier_ids" in params,
        company="company_id" in params,
    )  # fmt: skip
    return shape, params


def _check(query: OfferQuery) -> None:
    def bad(message: str, name: str) -> InvalidOfferQueryError:
        return InvalidOfferQueryError(message, field=name)

    if query.sort not in SORTS:
        raise bad(f"sort must be one of {', '.join(SORTS)}.", "sort")
    if not 1 <= query.limit <= MAX_LIMIT:
        raise bad(f"limit must be between 1 and {MAX_LIMIT}.", "limit")
    if not 0 <= query.offset <= MAX_OFFSET:
        raise bad(f"offset must be between 0 and {MAX_OFFSET}.", "offset")
    for name in ("quantity", "max_moq"):
        value = getattr(query, name)
        if value is not None and not 1 <= value <= MAX_QUANTITY:
            raise bad(f"{name} must be between 1 and {MAX_QUANTITY}.", name)
    if query.max_lead_time_days is not None and query.max_lead_time_days < 0:
        raise bad("max_lead_time_days cannot be negative.", "max_lead_time_days")
    if query.region and not query.country:
        raise bad("A region needs a country.", "region")
    if len(query.attributes) > MAX_ATTRIBUTE_FILTERS:
        raise bad(f"At most {MAX_ATTRIBUTE_FILTERS} attribute filters.", "attributes")
    for name in query.attributes:
        if not name or len(name) > 100 or any(ch in name for ch in '"\\'):
            raise bad(f"{name!r} cannot be filtered on.", "attributes")
    if len(query.supplier_ids) > MAX_SUPPLIER_IDS:
        raise bad(f"At most {MAX_SUPPLIER_IDS} suppliers.", "supplier_ids")


# -- the statement --------------------------------------------------------------------------------
def _suppliers(shape: _Shape) -> Any:
    """Approved supplier/third-party merchants with a profile, each with its figures for
    the delivery address: hundreds of rows, computed once (a materialised CTE), so that
    each offer row costs one hash probe. (Outer joins rather than a window function: the
    planner then estimates the row count well.)"""
    p = supplier_profiles
    query = (
        select(p.c.merchant_id, p.c.is_verified, p.c.rating_centi, p.c.on_time_bp,
               p.c.fulfilled_orders, merchants.c.name)
        .join(merchants, merchants.c.id == p.c.merchant_id)
        .where(merchants.c.status == "approved", merchants.c.kind.in_(sorted(SUPPLIER_KINDS)))
    )  # fmt: skip
    best = _best_entries(shape)
    if not shape.country:
        query = query.join(best, best.c.merchant_id == p.c.merchant_id)
        first, then = best, None
    else:
        r = supplier_regions
        first = r.alias("named") if shape.region else r.alias("whole")
        matches = (
            func.lower(first.c.region) == bindparam("region", type_=String)
            if shape.region
            else first.c.region == ""
        )
        then = r.alias("whole") if shape.region else best
        query = query.outerjoin(first, and_(
            first.c.merchant_id == p.c.merchant_id, first.c.country == bindparam("country"),
            matches))  # fmt: skip
        if shape.region:
            query = query.outerjoin(then, and_(
                then.c.merchant_id == p.c.merchant_id, then.c.country == bindparam("country"),
                then.c.region == ""))  # fmt: skip
            query = query.where(or_(first.c.merchant_id.is_not(None),
                                    then.c.merchant_id.is_not(None)))  # fmt: skip
        else:
            query = query.join(then, then.c.merchant_id == p.c.merchant_id)
    query = query.add_columns(*(
        (first.c[col] if then is None else func.coalesce(first.c[col], then.c[col])).label(label)
        for col, label in _REGION_COLUMNS
    ))  # fmt: skip
    if shape.verified_only:
        query = query.where(p.c.is_verified.is_(True))
    if shape.suppliers:
        query = query.where(p.c.merchant_id.in_(bindparam("supplier_ids", expanding=True)))
    return query.cte("sup").prefix_with("MATERIALIZED", dialect="postgresql")


_REGION_COLUMNS = (
    ("lead_time_days", "lead_time_days"),
    ("shipping_per_unit_minor", "ship_unit"),
    ("shipping_per_order_minor", "ship_order"),
)


def _best_entries(shape: _Shape) -> Any:
    """Per supplier, the best figures of its entries (in the country, with one): the
    shortest lead time, the lowest shipping."""
    r = supplier_regions
    best = select(r.c.merchant_id, *(func.min(r.c[col]).label(col) for col, _ in
                                     _REGION_COLUMNS)).group_by(r.c.merchant_id)  # fmt: skip
    if shape.country:
        best = best.where(r.c.country == bindparam("country", type_=String))
    return best.subquery("best")


def _contracts() -> Any:
    """The company's contract price of each SKU valid on the day (the latest created)."""
    c, on = contract_prices, bindparam("on", type_=Date)
    ranked = (
        select(c.c.id, c.c.sku_id, c.c.currency, c.c.unit_price_minor,
               func.row_number().over(partition_by=c.c.sku_id,
                                      order_by=[c.c.created_at.desc(), c.c.id.desc()])
               .label("rn"))
        .where(c.c.company_id == bindparam("company_id", type_=String), c.c.valid_from <= on,
               or_(c.c.valid_until.is_(None), c.c.valid_until >= on))
        .subquery("ranked_cp")
    )  # fmt: skip
    return select(ranked).where(ranked.c.rn == 1).subquery("cp")


def _tier_case(quantity: ColumnElement[Any], what: str) -> ColumnElement[Any]:
    """The tier at ``quantity``: its unit price (``price``) or its min quantity."""
    whens = []
    for n in range(TIER_SLOTS, 1, -1):
        value = offers.c[f"unit_price_{n}_minor" if what == "price" else f"min_quantity_{n}"]
        whens.append((quantity >= offers.c[f"min_quantity_{n}"], value))
    return case(*whens, else_=offers.c.unit_price_1_minor if what == "price" else offers.c.moq)


def statement(shape: _Shape) -> Select[Any]:
    """The statement of a shape from ``search_statement`` (for EXPLAIN in the benchmark)."""
    return _statement(shape)


@lru_cache(maxsize=512)
def _statement(shape: _Shape) -> Select[Any]:
    """The page's offer ids and figures, sorted and cut with only narrow columns; then
    those rows' wide columns (titles, attributes) by primary key."""
    o, sup = offers, _suppliers(shape)
    q: ColumnElement[Any] = o.c.moq
    unit: ColumnElement[Any] = o.c.unit_price_1_minor  # the price at the MOQ: tier 1
    tier_min: ColumnElement[Any] = o.c.moq
    if shape.quantity:
        q = cast(bindparam("quantity", type_=Integer), BigInteger)
        unit, tier_min = _tier_case(q, "price"), _tier_case(q, "min")
    inner = select(o.c.id.label("offer_id")).join(sup, sup.c.merchant_id == o.c.merchant_id)
    contract_id: ColumnElement[Any] = literal(None, String)
    if shape.company:
        cp = _contracts()
        inner = inner.outerjoin(cp, and_(cp.c.sku_id == o.c.sku_id, cp.c.currency == o.c.currency))
        contract_id, unit = cp.c.id, func.coalesce(cp.c.unit_price_minor, unit)
    lead = func.coalesce(o.c.lead_time_days, sup.c.lead_time_days)
    spread = sup.c.ship_unit + (2 * sup.c.ship_order + q) // (2 * q) if shape.country else None
    landed = unit + spread if spread is not None else unit
    rating = func.coalesce(sup.c.rating_centi, -1)
    order: list[Any] = [landed.asc(), o.c.id.asc()]
    if shape.sort == "lead_time":
        order = [lead.asc(), *order]
    elif shape.sort == "rating":
        order = [rating.desc(), *order]
    page = (
        inner.add_columns(
            q.label("q"), unit.label("unit_minor"), tier_min.label("tier_min"),
            contract_id.label("contract_id"), lead.label("lead"), landed.label("landed_minor"),
            (spread if spread is not None else literal(None, BigInteger)).label("spread_minor"),
            rating.label("rating_key"),
        )
        .where(o.c.is_active, *_filters(shape, unit, lead))
        .order_by(*order)
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page")
    )  # fmt: skip
    outer_order: list[Any] = [page.c.landed_minor.asc(), page.c.offer_id.asc()]
    if shape.sort == "lead_time":
        outer_order = [page.c.lead.asc(), *outer_order]
    elif shape.sort == "rating":
        outer_order = [page.c.rating_key.desc(), *outer_order]
    return (
        select(o, page, sup.c.name.label("supplier_name"), sup.c.is_verified,
               sup.c.rating_centi, sup.c.on_time_bp, sup.c.fulfilled_orders)
        .select_from(page.join(o, o.c.id == page.c.offer_id)
                     .join(sup, sup.c.merchant_id == o.c.merchant_id))
        .order_by(*outer_order)
    )  # fmt: skip


def _filters(shape: _Shape, unit: Any, lead: Any) -> list[ColumnElement[Any]]:
    o = offers
    where: list[ColumnElement[Any]] = []
    if shape.category:
        root = categories.alias("root")
        pattern = select(like_prefix_sql(root.c.path)).where(root.c.id == bindparam("category_id"))
        subtree = select(categories.c.id).where(
            categories.c.path.like(pattern.scalar_subquery(), escape=LIKE_ESCAPE)
        )
        where.append(o.c.category_id.in_(subtree))
    for i, name in enumerate(shape.attributes):
        value = o.c.attributes[name].as_string()
        where.append(value == bindparam(f"attr_{i}", type_=String))
    for i in range(shape.terms):
        # Both sides are lower-cased: LIKE is ILIKE here, and the trigram index serves it.
        # Inlined, not bound: a prepared statement's generic plan cannot know how rare a
        # term is, and picks badly (measured: p95 21 ms inlined, 54 ms bound).
        term = bindparam(f"term_{i}", type_=String, literal_execute=True)
        where.append(o.c.search_text.like(term, escape=LIKE_ESCAPE))
    if shape.max_moq:
        where.append(o.c.moq <= bindparam("max_moq", type_=Integer))
    if shape.quantity:
        where.append(o.c.moq <= bindparam("quantity", type_=Integer))
    if shape.currency:
        where.append(o.c.currency == bindparam("currency", type_=String))
    if shape.max_price:
        where.append(unit <= bindparam("max_price", type_=BigInteger))
    if shape.max_lead:
        where.append(lead <= bindparam("max_lead", type_=Integer))
    return where


def _hit(m: Any, locale: str | None) -> OfferHit:
    currency = m["currency"]

    def money(minor: Any) -> Money:
        return Money.from_minor(int(minor), currency)

    titles = m["titles"] or {}
    served = resolve_locale(locale, titles.keys(), m["default_locale"])
    quantity, landed = int(m["q"]), money(m["landed_minor"])
    rule = f"contract:{m['contract_id']}" if m["contract_id"] else f"tier:{int(m['tier_min'])}"
    rating, on_time = m["rating_centi"], m["on_time_bp"]
    return OfferHit(
        offer_id=m["id"], merchant_id=m["merchant_id"], supplier_name=m["supplier_name"],
        sku_id=m["sku_id"], product_id=m["product_id"], category_id=m["category_id"],
        title=titles[served] if served else "", sku_code=m["sku_code"],
        attributes=dict(m["attributes"] or {}), moq=int(m["moq"]), quantity=quantity,
        tiers=tiers_of(m), unit_price=money(m["unit_minor"]), price_rule=rule,
        shipping_per_unit=None if m["spread_minor"] is None else money(m["spread_minor"]),
        landed_unit_price=landed, landed_total=landed * quantity,
        lead_time_days=None if m["lead"] is None else int(m["lead"]),
        is_verified=bool(m["is_verified"]),
        rating=None if rating is None else Decimal(rating) / 100,
        on_time_rate=None if on_time is None else Decimal(on_time) / 10000,
        fulfilled_orders=int(m["fulfilled_orders"]),
    )  # fmt: skip


# -- profiles and a merchant's lists ------------------------------------------------------------
@dataclass(frozen=True)
class PublicSupplier:
    name: str
    kind: str
    profile: SupplierProfile
    active_offers: int


def public_supplier(conn: Connection, merchant_id: str) -> PublicSupplier | None:
    """An approved supplier's profile, regions, metrics and offer count (None: not one)."""
    p = supplier_profiles
    row = conn.execute(
        select(p, merchants.c.name, merchants.c.kind)
        .join(merchants, merchants.c.id == p.c.merchant_id)
        .where(p.c.merchant_id == merchant_id, merchants.c.status == "approved")
    ).first()
    if row is None:
        return None
    m = row._mapping
    count = conn.execute(
        select(func.count()).where(offers.c.merchant_id == merchant_id, offers.c.is_active)
    ).scalar_one()
    profile = profile_of(row, regions_of(conn, merchant_id, m["currency"]))
    return PublicSupplier(m["name"], m["kind"], profile, int(count))


def supplier_profile(conn: Connection, merchant_id: str) -> SupplierProfile | None:
    row = conn.execute(select(supplier_profiles).where(
        supplier_profiles.c.merchant_id == merchant_id)).first()  # fmt: skip
    if row is None:
        return None
    return profile_of(row, regions_of(conn, merchant_id, row._mapping["currency"]))


def merchant_offers(
    conn: Connection, merchant_id: str, *, limit: int, after_id: str | None = None
) -> list[Offer]:
    """The merchant's offers, oldest first (``limit + 1`` rows tell a next page)."""
    query = select(offers).where(offers.c.merchant_id == merchant_id)
    if after_id:
        query = query.where(offers.c.id > after_id)
    return [offer_of(r) for r in conn.execute(query.order_by(offers.c.id).limit(limit + 1))]


def merchant_offer(conn: Connection, merchant_id: str, offer_id: str) -> Offer | None:
    row = conn.execute(
        select(offers).where(offers.c.id == offer_id, offers.c.merchant_id == merchant_id)
    ).first()
    return offer_of(row) if row else None


def merchant_contract_prices(
    conn: Connection, merchant_id: str, *, company_id: str | None = None, limit: int,
    after_id: str | None = None,
) -> list[ContractPrice]:  # fmt: skip
    """The merchant's contract prices, oldest first (``limit + 1`` rows)."""
    c = contract_prices
    query = select(c).where(c.c.merchant_id == merchant_id)
    if company_id:
        query = query.where(c.c.company_id == company_id)
    if after_id:
        query = query.where(c.c.id > after_id)
    return [contract_of(r) for r in conn.execute(query.order_by(c.c.id).limit(limit + 1))]
