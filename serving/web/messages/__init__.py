"""The pages' texts, ``key: (English, Chinese)``, one module per area. Keys are prefixed
by the area (``core.``, ``store.``, ``console.``, ``b2b.``, ``trade.``, ``admin.``); a key
may be defined once only (``tests/unit/web/test_messages.py``)."""

from __future__ import annotations

from serving.web.messages import admin, b2b, console, core, store, trade

AREAS = (core, store, console, b2b, trade, admin)


def _merged() -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for area in AREAS:
        for key, texts in area.MESSAGES.items():
            if key in merged:
                raise ValueError(f"message key {key!r} is defined twice")
            merged[key] = texts
    return merged


MESSAGES = _merged()
