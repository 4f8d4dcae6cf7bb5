"""Adapters of settlement: tables and SQL repositories."""
