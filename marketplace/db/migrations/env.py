"""Alembic environment: the URL comes from Agora's settings (or the caller's config)."""

from __future__ import annotations

from alembic import context

from marketplace.config import get_settings
from marketplace.db.engine import make_engine, normalize_url
from marketplace.db.schema import include_in_migrations, load_all_tables, metadata

load_all_tables()
config = context.config


def run_migrations() -> None:
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(normalize_url(url), pool_size=1)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        include_object=include_in_migrations,
        render_as_batch=True,  # SQLite needs batch mode to alter tables
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
