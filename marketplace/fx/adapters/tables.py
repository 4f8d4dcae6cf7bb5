"""FX rates: one rate per currency pair per day, with its source."""

from sqlalchemy import Column, Date, String, Table, UniqueConstraint

from marketplace.db.metadata import metadata
from marketplace.db.types import BigIntPK, DecimalString, UTCDateTime

fx_rates = Table(
    "fx_rates",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("base", String(3), nullable=False),
    Column("quote", String(3), nullable=False),
    Column("rate", DecimalString(), nullable=False),  # 1 base = rate quote
    Column("rate_date", Date, nullable=False),
    Column("source", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("base", "quote", "rate_date"),
)
