"""SQL repositories of price suggestions and demand forecasts, bound to the unit of
work's connection."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from marketplace.advice.adapters.tables import demand_forecasts, price_suggestions
from marketplace.advice.domain import (
    DemandForecast,
    Objective,
    PriceSuggestion,
    SuggestionStatus,
)
from marketplace.advice.ports import SkuFacts
from marketplace.catalog.adapters.tables import sku_prices, skus
from marketplace.db.sql import dialect_insert
from marketplace.shared.errors import TransientConflictError
from marketplace.shared.money import Money

_PENDING = SuggestionStatus.PENDING.value


class SqlPriceSuggestionRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add_many(self, suggestions: Sequence[PriceSuggestion]) -> None:
        if not suggestions:
            return
        try:
            with self._conn.begin_nested():
                self._conn.execute(insert(price_suggestions), [_row(s) for s in suggestions])
        except IntegrityError as exc:
            # Only a concurrent batch for the same SKU and currency gets here (the service
            # closed the pending ones it saw): the pending-per-SKU index refused the second.
            raise TransientConflictError(
                "Another batch recorded suggestions for these SKUs at the same time; retry."
            ) from exc

    def get(self, suggestion_id: str, *, for_update: bool = False) -> PriceSuggestion | None:
        stmt = select(price_suggestions).where(price_suggestions.c.id == suggestion_id)
        row = self._conn.execute(stmt.with_for_update() if for_update else stmt).first()
        return suggestion_from_row(row) if row is not None else None

    def pending_of(self, keys: Collection[tuple[str, str]]) -> list[PriceSuggestion]:
        if not keys:
            return []
        ps = price_suggestions.c
        match = or_(*(and_(ps.sku_id == sku, ps.currency == cur) for sku, cur in sorted(keys)))
        stmt = (
            select(price_suggestions)
            .where(ps.status == _PENDING, match)
            .order_by(ps.id)  # locks in a fixed order
            .with_for_update()
        )
        return [suggestion_from_row(r) for r in self._conn.execute(stmt)]

    def save_decision(self, suggestion: PriceSuggestion, *, expected: SuggestionStatus) -> bool:
        result = self._conn.execute(
            update(price_suggestions)
            .where(price_suggestions.c.id == suggestion.id,
                   price_suggestions.c.status == expected.value)
            .values(status=suggestion.status.value, decided_at=suggestion.decided_at,
                    decided_by=suggestion.decided_by, decision_note=suggestion.decision_note)
        )  # fmt: skip
        return bool(result.rowcount)

    def close_pending(
        self, suggestion_ids: Collection[str], *, target: SuggestionStatus, now: datetime
    ) -> int:
        if not suggestion_ids:
            return 0
        result = self._conn.execute(
            update(price_suggestions)
            .where(price_suggestions.c.id.in_(sorted(suggestion_ids)),
                   price_suggestions.c.status == _PENDING)
            .values(status=target.value, decided_at=now)
        )  # fmt: skip
        return int(result.rowcount)

    def pending_expired(self, now: datetime, *, limit: int) -> list[str]:
        ps = price_suggestions.c
        stmt = (
            select(ps.id)
            .where(ps.status == _PENDING, ps.expires_at <= now)
            .order_by(ps.expires_at, ps.id)
            .limit(limit)
        )
        return list(self._conn.execute(stmt).scalars())

    def skus(self, sku_ids: Collection[str]) -> dict[str, SkuFacts]:
        return sku_facts(self._conn, sku_ids)


class SqlDemandForecastRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def generated_at(self, sku_ids: Collection[str]) -> dict[str, datetime]:
        if not sku_ids:
            return {}
        df = demand_forecasts.c
        rows = self._conn.execute(
            select(df.sku_id, df.generated_at).where(df.sku_id.in_(sorted(sku_ids)))
        )
        return {r.sku_id: r.generated_at for r in rows}

    def put(self, forecast: DemandForecast, *, now: datetime) -> None:
        values = {
            "sku_id": forecast.sku_id, "merchant_id": forecast.merchant_id,
            "generated_at": forecast.generated_at, "model_name": forecast.model_name,
            "model_version": forecast.model_version, "start_date": forecast.start_date,
            "horizon_days": forecast.horizon_days, "mean": list(forecast.mean),
            "quantiles": {k: list(v) for k, v in forecast.quantiles.items()},
            "backtest": forecast.backtest, "updated_at": now,
        }  # fmt: skip
        stmt = dialect_insert(self._conn, demand_forecasts).values(values)
        changed = {k: stmt.excluded[k] for k in values if k != "sku_id"}
        self._conn.execute(stmt.on_conflict_do_update(index_elements=["sku_id"], set_=changed))

    def get(self, sku_id: str) -> DemandForecast | None:
        row = self._conn.execute(
            select(demand_forecasts).where(demand_forecasts.c.sku_id == sku_id)
        ).first()
        return forecast_from_row(row) if row is not None else None

    def skus(self, sku_ids: Collection[str]) -> dict[str, SkuFacts]:
        return sku_facts(self._conn, sku_ids)


# -- rows <-> domain ----------------------------------------------------------------------
def sku_facts(conn: Connection, sku_ids: Collection[str]) -> dict[str, SkuFacts]:
    if not sku_ids:
        return {}
    ids = sorted(set(sku_ids))
    rows = conn.execute(
        select(skus.c.id, skus.c.merchant_id, skus.c.product_id).where(skus.c.id.in_(ids))
    ).all()
    currencies: dict[str, set[str]] = {}
    for sku_id, currency in conn.execute(
        select(sku_prices.c.sku_id, sku_prices.c.currency)
        .where(sku_prices.c.sku_id.in_(ids), sku_prices.c.price_type == "list")
    ):  # fmt: skip
        currencies.setdefault(sku_id, set()).add(currency)
    return {
        r.id: SkuFacts(r.merchant_id, r.product_id, frozenset(currencies.get(r.id, ())))
        for r in rows
    }


def _row(s: PriceSuggestion) -> dict[str, Any]:
    return {
        "id": s.id, "merchant_id": s.merchant_id, "sku_id": s.sku_id,
        "product_id": s.product_id, "currency": s.currency,
        "current_price_minor": s.current_price.minor,
        "suggested_price_minor": s.suggested_price.minor, "objective": s.objective.value,
        "status": s.status.value, "expected_effects": s.expected_effects,
        "elasticity": s.elasticity, "elasticity_ci_low": s.elasticity_ci_low,
        "elasticity_ci_high": s.elasticity_ci_high,
        "binding_guardrails": list(s.binding_guardrails), "reason": s.reason,
        "model_name": s.model_name, "model_version": s.model_version,
        "supersedes_id": s.supersedes_id, "created_at": s.created_at,
        "expires_at": s.expires_at, "decided_at": s.decided_at, "decided_by": s.decided_by,
        "decision_note": s.decision_note,
    }  # fmt: skip


def suggestion_from_row(r: Any) -> PriceSuggestion:
    return PriceSuggestion(
        id=r.id, merchant_id=r.merchant_id, sku_id=r.sku_id, product_id=r.product_id,
        current_price=Money.from_minor(int(r.current_price_minor), r.currency),
        suggested_price=Money.from_minor(int(r.suggested_price_minor), r.currency),
        objective=Objective(r.objective), status=SuggestionStatus(r.status),
        expected_effects=dict(r.expected_effects), elasticity=float(r.elasticity),
        elasticity_ci_low=float(r.elasticity_ci_low),
        elasticity_ci_high=float(r.elasticity_ci_high),
        binding_guardrails=tuple(r.binding_guardrails), reason=r.reason,
        model_name=r.model_name, model_version=r.model_version, created_at=r.created_at,
        expires_at=r.expires_at, decided_at=r.decided_at, decided_by=r.decided_by,
        decision_note=r.decision_note, supersedes_id=r.supersedes_id,
    )  # fmt: skip


def forecast_from_row(r: Any) -> DemandForecast:
    return DemandForecast(
        sku_id=r.sku_id, merchant_id=r.merchant_id, generated_at=r.generated_at,
        model_name=r.model_name, model_version=r.model_version, start_date=r.start_date,
        mean=tuple(float(v) for v in r.mean),
        # JSONB does not keep key order: quantiles come back ordered by level.
        quantiles={k: tuple(float(v) for v in r.quantiles[k])
                   for k in sorted(r.quantiles, key=float)},
        backtest=dict(r.backtest) if r.backtest is not None else None,
    )  # fmt: skip
