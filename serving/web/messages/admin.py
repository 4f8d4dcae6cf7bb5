"""Texts of the admin pages: ``key: (English, Chinese)``."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {}
