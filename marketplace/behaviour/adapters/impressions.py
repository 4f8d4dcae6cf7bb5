"""``ImpressionWriter`` over SQLAlchemy: one multi-row insert per flushed batch."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from marketplace.behaviour.adapters.tables import recommendation_impressions
from marketplace.behaviour.domain.impressions import Impression
from marketplace.db.sql import dialect_insert


class SqlImpressionWriter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def insert_many(self, impressions: Sequence[Impression]) -> int:
        if not impressions:
            return 0
        rows = [
            {
                "attribution_id": i.attribution_id,
                "surface": i.surface,
                "model": i.model,
                "model_version": i.model_version,
                "user_id": i.user_id,
                "session_id": i.session_id,
                "item_ids": list(i.item_ids),
                "served_at": i.served_at,
            }
            for i in sorted(impressions, key=lambda i: i.attribution_id)
        ]
        t = recommendation_impressions
        with self._engine.begin() as conn:
            stmt = dialect_insert(conn, t).on_conflict_do_nothing().returning(t.c.attribution_id)
            return len(conn.execute(stmt, rows).all())
