"""Inventory: warehouses, stock per SKU per warehouse, reservations, movement ledger."""
