"""Import every area's tables so that ``metadata`` is complete (Alembic, create_all)."""

from marketplace.db.metadata import metadata


def load_all_tables() -> None:
    # Imported for their side effect of registering tables on the shared metadata.
    import marketplace.advice.adapters.tables
    import marketplace.behaviour.adapters.tables
    import marketplace.cart.adapters.tables
    import marketplace.catalog.adapters.tables
    import marketplace.companies.adapters.tables
    import marketplace.events.adapters.tables
    import marketplace.fx.adapters.tables
    import marketplace.idempotency.adapters
    import marketplace.inventory.adapters.tables
    import marketplace.ordering.adapters.tables
    import marketplace.parties.adapters.tables
    import marketplace.payments.adapters.tables
    import marketplace.procurement.adapters.tables
    import marketplace.purchasing.adapters.tables
    import marketplace.rfq.adapters.tables
    import marketplace.settlement.adapters.tables
    import marketplace.sourcing.adapters.tables  # noqa: F401


__all__ = ["load_all_tables", "metadata"]


def include_in_migrations(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Alembic ``include_object``: leave out the dialect-specific structures made by hand or
    at run time (SQLite FTS5 tables and their shadow tables, PostgreSQL trigram indexes,
    the day partitions of behaviour_events), so autogenerate and ``alembic check`` do not
    see them as drift."""
    if type_ == "table" and name and (name.endswith("_fts") or "_fts_" in name):
        return False
    if type_ == "table" and name and name.startswith("behaviour_events_p"):
        return False
    return not (type_ == "index" and name is not None and name.endswith("_trgm"))
