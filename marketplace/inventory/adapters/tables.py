"""Tables of the inventory area (filled in by its adapters)."""
