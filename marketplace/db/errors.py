"""Telling database errors apart the same way on PostgreSQL and SQLite."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError


def is_unique_violation(exc: IntegrityError) -> bool:
    """A UNIQUE constraint or index refused the row (SQLSTATE 23505 / SQLite's message)."""
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate == "23505" or "UNIQUE constraint failed" in str(exc.orig)
