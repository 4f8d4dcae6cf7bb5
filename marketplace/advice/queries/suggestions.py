"""Read side of price suggestions: the merchant's list and one suggestion, as JSON-ready
dicts (money as ``{"amount", "currency"}`` objects).

``status`` filters by what the merchant reads: ``pending`` leaves out the pending ones
past their expiry, ``expired`` adds them to the ones the sweep marked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import Connection, and_, literal, or_, select, tuple_

from marketplace.advice.adapters.repositories import suggestion_from_row
from marketplace.advice.adapters.tables import price_suggestions
from marketplace.advice.domain import PriceSuggestion, SuggestionStatus
from marketplace.catalog.adapters.tables import skus
from marketplace.shared.errors import ValidationError
from marketplace.shared.money import Money


class InvalidAdviceQueryError(ValidationError):
    code = "invalid_advice_query"


Page = tuple[list[dict[str, Any]], dict[str, Any] | None]
_PENDING = SuggestionStatus.PENDING.value


def list_suggestions(
    conn: Connection, merchant_id: str, *, now: datetime, status: str | None = None,
    sku_id: str | None = None, after: Mapping[str, Any] | None = None, limit: int = 20,
) -> Page:  # fmt: skip
    """A page of the merchant's suggestions, newest first."""
    ps = price_suggestions.c
    query = (
        select(price_suggestions, skus.c.sku_code)
        .join(skus, skus.c.id == ps.sku_id)
        .where(ps.merchant_id == merchant_id)
    )
    if status is not None:
        query = query.where(_status_filter(status, now))
    if sku_id is not None:
        query = query.where(ps.sku_id == sku_id)
    if after is not None:
        try:
            moment, last_id = datetime.fromisoformat(str(after["at"])), str(after["id"])
        except (KeyError, ValueError):
            raise InvalidAdviceQueryError("Bad page key.", code="invalid_cursor") from None
        key = tuple_(ps.created_at, ps.id)
        query = query.where(key < tuple_(literal(moment, ps.created_at.type), literal(last_id)))
    rows = conn.execute(query.order_by(ps.created_at.desc(), ps.id.desc()).limit(limit + 1)).all()
    items = [suggestion_dict(suggestion_from_row(r), now, sku_code=r.sku_code) for r in rows]
    return items[:limit], _next_key(rows, limit)


def suggestion_view(
    conn: Connection, merchant_id: str, suggestion_id: str, *, now: datetime
) -> dict[str, Any] | None:
    """One of the merchant's suggestions; None if unknown or another merchant's."""
    row = conn.execute(
        select(price_suggestions, skus.c.sku_code)
        .join(skus, skus.c.id == price_suggestions.c.sku_id)
        .where(price_suggestions.c.id == suggestion_id,
               price_suggestions.c.merchant_id == merchant_id)
    ).first()  # fmt: skip
    return suggestion_dict(suggestion_from_row(row), now, sku_code=row.sku_code) if row else None


def suggestion_dict(
    s: PriceSuggestion, now: datetime, *, sku_code: str | None = None
) -> dict[str, Any]:
    """What a merchant reads before deciding: both prices, the change, the expected
    effects with their interval, the elasticity with its interval, the binding guardrails,
    the reason (when the price is kept) and the model."""
    change = s.suggested_price - s.current_price
    return {
        "id": s.id, "sku_id": s.sku_id, "sku_code": sku_code, "product_id": s.product_id,
        "status": s.display_status(now), "is_expired": s.is_expired(now),
        "objective": s.objective.value, "currency": s.currency,
        "current_price": s.current_price.to_dict(),
        "suggested_price": s.suggested_price.to_dict(),
        "price_change": change.to_dict(),
        "price_change_percent": _percent(change, s.current_price),
        "expected_effects": effects_view(s.expected_effects, s.currency),
        "elasticity": {"value": s.elasticity, "ci_low": s.elasticity_ci_low,
                       "ci_high": s.elasticity_ci_high},
        "binding_guardrails": list(s.binding_guardrails), "reason": s.reason,
        "model": {"name": s.model_name, "version": s.model_version},
        "created_at": s.created_at.isoformat(), "expires_at": s.expires_at.isoformat(),
        "decided_at": s.decided_at.isoformat() if s.decided_at else None,
        "decided_by": s.decided_by, "decision_note": s.decision_note,
        "supersedes_id": s.supersedes_id,
    }  # fmt: skip


def effects_view(effects: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """The stored effects with money amounts as money objects."""
    view: dict[str, Any] = dict(effects)
    for key in ("revenue", "profit"):
        interval = effects.get(key)
        if interval is not None:
            view[key] = {name: {"amount": amount, "currency": currency}
                         for name, amount in interval.items()}  # fmt: skip
    return view


def _percent(change: Money, base: Money) -> str:
    ratio = Decimal(change.minor * 100) / Decimal(base.minor)
    return str(ratio.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _status_filter(status: str, now: datetime) -> Any:
    ps = price_suggestions.c
    if status not in {s.value for s in SuggestionStatus}:
        raise InvalidAdviceQueryError(f"{status!r} is not a suggestion status.")
    if status == _PENDING:
        return and_(ps.status == _PENDING, ps.expires_at > now)
    if status == SuggestionStatus.EXPIRED.value:
        return or_(ps.status == status, and_(ps.status == _PENDING, ps.expires_at <= now))
    return ps.status == status


def _next_key(rows: Sequence[Any], limit: int) -> dict[str, Any] | None:
    if len(rows) <= limit or limit == 0:
        return None
    last = rows[limit - 1]
    return {"at": last.created_at.isoformat(), "id": last.id}
