"""Idempotency-Key records for POSTs that create things (RFC draft idempotency-key)."""
