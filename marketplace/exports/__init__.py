"""Exports for the ML pipelines: behaviour events, order lines and the catalog written as
Parquet, read-only and streamed in batches (see docs/data/exports.md)."""
