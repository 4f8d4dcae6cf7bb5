"""Read side of behaviour events: what a shopper did lately (for recommendations) and the
online report of recommenders (impressions, clicks, carts and purchases per model).

Attribution: a click or add-to-cart counts for a recommendation response when it echoes
its ``attribution_id``. A purchase counts when the same user buys a product they clicked
or carted from that response within ``PURCHASE_WINDOW`` after (purchases come from the
order path, which knows nothing of recommendations, so they are matched, not echoed).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, and_, func, select

from marketplace.behaviour.adapters.tables import behaviour_events, recommendation_impressions
from marketplace.db.engine import read_connection as _reading

PURCHASE_WINDOW = timedelta(days=7)
_ATTRIBUTED = ("click", "add_to_cart")
_INTEREST = ("view", "click", "add_to_cart", "purchase")


def purchased_product_ids(engine: Engine, user_id: str) -> set[str]:
    """Products the user has bought (any source), for "exclude already bought"."""
    e = behaviour_events.c
    stmt = (
        select(e.product_id)
        .distinct()
        .where(e.user_id == user_id, e.type == "purchase", e.product_id.is_not(None))
    )
    with _reading(engine) as conn:
        return {str(p) for p in conn.execute(stmt).scalars()}


def recent_product_ids(
    engine: Engine, *, user_id: str | None = None, session_id: str | None = None, limit: int = 20
) -> list[str]:
    """The products a user (or an anonymous session) looked at, carted or bought, most
    recent first, each once."""
    e = behaviour_events.c
    who = e.user_id == user_id if user_id is not None else e.session_id == session_id
    stmt = (
        select(e.product_id, func.max(e.occurred_at).label("last"))
        .where(who, e.type.in_(_INTEREST), e.product_id.is_not(None))
        .group_by(e.product_id)
        .order_by(func.max(e.occurred_at).desc(), e.product_id)
        .limit(limit)
    )
    with _reading(engine) as conn:
        return [str(r.product_id) for r in conn.execute(stmt)]


@dataclass(frozen=True)
class RecsReportRow:
    model: str
    model_version: str
    impressions: int
    clicks: int
    add_to_carts: int
    purchases: int  # attributed purchased products
    converted: int  # impressions that led to at least one purchase

    @property
    def ctr(self) -> float:
        return self.clicks / self.impressions if self.impressions else 0.0

    @property
    def conversion(self) -> float:
        return self.converted / self.impressions if self.impressions else 0.0


def recs_report(engine: Engine, *, since: datetime, until: datetime) -> list[RecsReportRow]:
    """Per model and version, the responses served in [since, until) and what followed."""
    i, e = recommendation_impressions.c, behaviour_events.c
    key = (i.model, i.model_version)
    served = select(*key, func.count()).where(i.served_at >= since, i.served_at < until)
    actions = (
        select(*key, e.type, func.count())
        .select_from(recommendation_impressions.join(
            behaviour_events, e.attribution_id == i.attribution_id))
        .where(i.served_at >= since, i.served_at < until, e.occurred_at >= since,
               e.type.in_(_ATTRIBUTED))
        .group_by(*key, e.type)
    )  # fmt: skip
    with _reading(engine) as conn:
        counts = {(r[0], r[1]): int(r[2]) for r in conn.execute(served.group_by(*key))}
        by_type: dict[tuple[str, str, str], int] = {
            (r[0], r[1], r[2]): int(r[3]) for r in conn.execute(actions)
        }
        bought = _attributed_purchases(conn, since=since, until=until)
    return [
        RecsReportRow(
            model=m,
            model_version=v,
            impressions=n,
            clicks=by_type.get((m, v, "click"), 0),
            add_to_carts=by_type.get((m, v, "add_to_cart"), 0),
            purchases=len(bought.get((m, v), set())),
            converted=len({a for a, _ in bought.get((m, v), set())}),
        )
        for (m, v), n in sorted(counts.items())
    ]


def _attributed_purchases(
    conn: Connection, *, since: datetime, until: datetime
) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """(model, version) -> {(attribution id, product id)} bought within the window after
    the click or cart that echoed the attribution id."""
    i, e = recommendation_impressions.c, behaviour_events.c
    bought = behaviour_events.alias("bought")
    b = bought.c
    stmt = (
        select(i.model, i.model_version, i.attribution_id, e.product_id, e.occurred_at,
               b.occurred_at.label("bought_at"))
        .select_from(
            recommendation_impressions.join(behaviour_events, e.attribution_id == i.attribution_id)
            .join(bought, and_(b.user_id == e.user_id, b.product_id == e.product_id,
                               b.type == "purchase", b.occurred_at >= e.occurred_at))
        )
        .where(i.served_at >= since, i.served_at < until, e.occurred_at >= since,
               b.occurred_at >= since, e.type.in_(_ATTRIBUTED), e.user_id.is_not(None))
    )  # fmt: skip
    out: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for r in conn.execute(stmt):
        if r.bought_at - r.occurred_at <= PURCHASE_WINDOW:
            out[(r.model, r.model_version)].add((r.attribution_id, r.product_id))
    return out
