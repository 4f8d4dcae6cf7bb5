"""The B2B buyer's documents: RFQs and quotes, invoices and credit (see docs/adr/0016)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False, tags=["web"])
