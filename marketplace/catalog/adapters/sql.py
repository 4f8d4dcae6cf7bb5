"""SQL helpers shared by the catalog's repositories and queries."""

from __future__ import annotations

LIKE_ESCAPE = "!"


def like_prefix(prefix: str) -> str:
    """A LIKE pattern matching strings that start with ``prefix`` (wildcards escaped)."""
    return like_escape(prefix) + "%"


def like_anywhere(term: str) -> str:
    """A LIKE pattern matching strings that contain ``term`` (wildcards escaped)."""
    return f"%{like_escape(term)}%"


def like_escape(text: str) -> str:
    for ch in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(ch, LIKE_ESCAPE + ch)
    return text
