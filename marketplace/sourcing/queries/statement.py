"""The offer search statement, built once per shape of query (see ``offers``)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
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

from marketplace.catalog.adapters.sql import LIKE_ESCAPE, like_prefix_sql
from marketplace.catalog.adapters.tables import categories
from marketplace.parties.adapters.tables import merchants
from marketplace.sourcing.adapters.tables import (
    TIER_SLOTS,
    contract_prices,
    offers,
    supplier_profiles,
    supplier_regions,
)
from marketplace.sourcing.domain import SUPPLIER_KINDS


@dataclass(frozen=True)
class Shape:
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


def _suppliers(shape: Shape) -> Any:
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


def _best_entries(shape: Shape) -> Any:
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


def statement(shape: Shape) -> Select[Any]:
    """The statement of a shape from ``search_statement`` (for EXPLAIN in the benchmark)."""
    return _statement(shape)


@lru_cache(maxsize=512)
def _statement(shape: Shape) -> Select[Any]:
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


def _filters(shape: Shape, unit: Any, lead: Any) -> list[ColumnElement[Any]]:
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
