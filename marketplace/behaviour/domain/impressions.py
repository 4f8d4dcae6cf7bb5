"""What a recommender served: one impression per response, keyed by its attribution id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from marketplace.shared.ids import new_ulid

SURFACES = ("user", "session", "similar", "bought_together", "trending", "cart", "search")


def new_attribution_id() -> str:
    """Unique and time-sortable; 30 characters, inside the 64 an event may echo."""
    return f"rec_{new_ulid()}"


@dataclass(frozen=True, slots=True)
class Impression:
    attribution_id: str
    surface: str
    model: str
    model_version: str
    user_id: str | None
    session_id: str | None
    item_ids: tuple[str, ...]
    served_at: datetime
