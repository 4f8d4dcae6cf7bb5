"""Tables of the catalog area (filled in by its adapters)."""
