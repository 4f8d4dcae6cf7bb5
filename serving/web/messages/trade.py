"""Texts of the B2B buyer's RFQ, quote, invoice and credit pages: ``key: (English, Chinese)``."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {}
