"""Import every area's tables so that ``metadata`` is complete (Alembic, create_all)."""

from marketplace.db.metadata import metadata


def load_all_tables() -> None:
    # Imported for their side effect of registering tables on the shared metadata.
    import marketplace.catalog.adapters.tables
    import marketplace.fx.adapters.tables
    import marketplace.idempotency.adapters
    import marketplace.inventory.adapters.tables
    import marketplace.parties.adapters.tables  # noqa: F401


__all__ = ["load_all_tables", "metadata"]
