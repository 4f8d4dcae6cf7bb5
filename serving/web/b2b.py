"""The b2b pages (see docs/adr/0016)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False, tags=["web"])
