"""Tables of the fx area (filled in by its adapters)."""
