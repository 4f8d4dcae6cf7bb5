"""Tables of the catalog: category tree, SPUs (products), translations, SKUs, prices.

Search: ``products.search_text`` holds every locale's title, description, brand and
attribute values. PostgreSQL indexes it with pg_trgm (works for Chinese, which has no
word breaks); SQLite keeps an FTS5 table with the trigram tokenizer (``products_fts``).
"""

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)

from marketplace.db.metadata import metadata
from marketplace.db.types import BigIntPK, IdColumnType, JSONType, UTCDateTime

categories = Table(
    "categories",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("parent_id", IdColumnType(), ForeignKey("categories.id"), nullable=True, index=True),
    Column("slug", String(120), nullable=False, unique=True),
    Column("names", JSONType, nullable=False),  # {"zh": "...", "en": "..."}
    # Materialised path of ids, "/<root>/<child>/.../<self>/": descendants by prefix.
    Column("path", String(1000), nullable=False, index=True),
    Column("depth", Integer, nullable=False),
    Column("position", Integer, nullable=False),  # order among siblings
    Column("is_active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

products = Table(
    "products",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=False),
    Column("shop_id", IdColumnType(), ForeignKey("shops.id"), nullable=True),
    Column("category_id", IdColumnType(), ForeignKey("categories.id"), nullable=False),
    Column("status", String(20), nullable=False),  # draft | listed | delisted
    Column("brand", String(200), nullable=True),
    Column("attributes", JSONType, nullable=False),  # spec attributes {"material": "cotton"}
    Column("default_locale", String(10), nullable=False),
    Column("search_text", Text, nullable=False),
    # Denormalised for listing sort/filter: lowest listed SKU list price in price_currency.
    Column("price_currency", String(3), nullable=True),
    Column("min_price_minor", BigInteger, nullable=True),
    Column("sales_count", BigInteger, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("listed_at", UTCDateTime, nullable=True),
    CheckConstraint("status IN ('draft','listed','delisted')", name="status"),
    Index("ix_products_merchant_id_status", "merchant_id", "status"),
    # A category's listed products newest first (public category pages, read per category).
    Index(
        "ix_products_category_id_status_created_at_id", "category_id", "status", "created_at", "id"
    ),
    Index("ix_products_status_created_at_id", "status", "created_at", "id"),
    Index("ix_products_status_min_price_minor_id", "status", "min_price_minor", "id"),
    Index("ix_products_status_sales_count_id", "status", "sales_count", "id"),
)

product_translations = Table(
    "product_translations",
    metadata,
    Column(
        "product_id",
        IdColumnType(),
        ForeignKey("products.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("locale", String(10), primary_key=True),
    Column("title", String(500), nullable=False),
    Column("description", Text, nullable=False),
)

skus = Table(
    "skus",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column(
        "product_id",
        IdColumnType(),
        ForeignKey("products.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=False),
    Column("sku_code", String(100), nullable=False),
    Column("barcode", String(64), nullable=True, index=True),
    Column("sales_attributes", JSONType, nullable=False),  # {"colour": "red", "size": "M"}
    Column("attributes_key", String(500), nullable=False),  # canonical form, for uniqueness
    Column("weight_grams", Integer, nullable=True),
    Column("status", String(20), nullable=False),  # active | inactive
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("merchant_id", "sku_code"),
    UniqueConstraint("product_id", "attributes_key"),
    CheckConstraint("status IN ('active','inactive')", name="status"),
)

sku_prices = Table(
    "sku_prices",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("sku_id", IdColumnType(), ForeignKey("skus.id", ondelete="CASCADE"), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("price_type", String(10), nullable=False),  # list | tier | member
    Column("member_level", String(20), nullable=False),  # "" unless price_type = member
    Column("min_quantity", Integer, nullable=False),  # 1 unless price_type = tier
    Column("amount_minor", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("sku_id", "currency", "price_type", "member_level", "min_quantity"),
    CheckConstraint("amount_minor >= 0", name="amount_non_negative"),
    CheckConstraint("min_quantity >= 1", name="min_quantity_positive"),
    CheckConstraint("price_type IN ('list','tier','member')", name="price_type"),
)


# -- search indexes that only one dialect has (mirrored in the migration) -------------
def _ddl(statement: str) -> DDL:
    return DDL(statement)  # type: ignore[no-untyped-call]


event.listen(
    metadata,
    "before_create",
    _ddl("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)
event.listen(
    products,
    "after_create",
    _ddl(
        "CREATE INDEX IF NOT EXISTS ix_products_search_text_trgm "
        "ON products USING gin (search_text gin_trgm_ops)"
    ).execute_if(dialect="postgresql"),
)
event.listen(
    products,
    "after_create",
    _ddl(
        "CREATE VIRTUAL TABLE IF NOT EXISTS products_fts USING fts5("
        "product_id UNINDEXED, search_text, tokenize='trigram')"
    ).execute_if(dialect="sqlite"),
)
