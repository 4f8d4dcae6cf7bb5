"""Telling database errors apart the same way on PostgreSQL and SQLite."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError

# deadlock_detected, serialization_failure
_TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


def is_unique_violation(exc: IntegrityError) -> bool:
    """A UNIQUE constraint or index refused the row (SQLSTATE 23505 / SQLite's message)."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate == "23505" or "UNIQUE constraint failed" in str(exc.orig)


def is_transient(exc: DBAPIError) -> bool:
    """A deadlock victim or a serialization failure: the transaction may simply be retried."""
    return getattr(exc.orig, "sqlstate", None) in _TRANSIENT_SQLSTATES
