"""Tables of the parties area (filled in by its adapters)."""
