"""Ports of behaviour events: where validated events are written in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Protocol

from marketplace.behaviour.domain import BehaviourEvent
from marketplace.behaviour.domain.impressions import Impression


class BehaviourWriter(Protocol):
    """The append-only event log and the session links."""

    def ensure_days(self, days: Iterable[date]) -> int:
        """Make room for events of these days (a partition each, where the store has
        them), in a transaction of its own; returns how many were made."""
        ...

    def insert(self, events: Sequence[BehaviourEvent], *, received_at: datetime) -> int:
        """Write the events in one statement, skipping any already there (same id and
        time); returns how many were new."""
        ...

    def link_session(self, session_id: str, user_id: str, *, at: datetime) -> str:
        """Give the session to the user unless it already has one; returns its owner."""
        ...

    def drop_days_before(self, day: date) -> list[str]:
        """Drop whole days older than ``day`` (retention); returns what was dropped."""
        ...


class ImpressionWriter(Protocol):
    """Where served recommendation responses are recorded (``agora report recs``)."""

    def insert_many(self, impressions: Sequence[Impression]) -> int:
        """Write the impressions in one statement, skipping attribution ids already there;
        returns how many were new."""
        ...
