"""Tables of the parties area: merchants, shops, users, memberships, credentials."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from marketplace.db.metadata import metadata
from marketplace.db.types import BigIntPK, IdColumnType, JSONType, UTCDateTime

merchants = Table(
    "merchants",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("slug", String(100), nullable=False, unique=True),
    Column("kind", String(20), nullable=False),  # self_operated | third_party | supplier
    Column("status", String(20), nullable=False),  # onboarding .. approved .. suspended
    Column("legal_name", String(300), nullable=True),
    Column("contact_email", String(320), nullable=True),
    Column("contact_phone", String(40), nullable=True),
    Column("region", String(100), nullable=True),
    Column("city", String(100), nullable=True),
    Column("default_currency", String(3), nullable=False),
    Column("default_locale", String(10), nullable=False),
    Column("status_reason", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("approved_at", UTCDateTime, nullable=True),
    CheckConstraint("kind IN ('self_operated','third_party','supplier')", name="kind"),
    CheckConstraint(
        "status IN ('onboarding','pending_review','approved','rejected','suspended')",
        name="status",
    ),
)

merchant_status_history = Table(
    "merchant_status_history",
    metadata,
    Column("id", BigIntPK, primary_key=True, autoincrement=True),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=False, index=True),
    Column("from_status", String(20), nullable=True),
    Column("to_status", String(20), nullable=False),
    Column("actor_user_id", IdColumnType(), nullable=True),
    Column("reason", Text, nullable=True),
    Column("at", UTCDateTime, nullable=False),
)

shops = Table(
    "shops",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("slug", String(100), nullable=False, unique=True),
    Column("description", Text, nullable=True),
    Column("is_open", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),  # stored lower-cased
    Column("phone", String(40), nullable=True, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("locale", String(10), nullable=False),
    Column("member_level", String(20), nullable=False),  # regular | silver | gold | platinum
    Column("is_platform_admin", Boolean, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime, nullable=True),
)

merchant_members = Table(
    "merchant_members",
    metadata,
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), primary_key=True),
    Column("user_id", IdColumnType(), ForeignKey("users.id"), primary_key=True),
    Column("role", String(20), nullable=False),  # merchant_owner | merchant_staff
    Column("created_at", UTCDateTime, nullable=False),
    CheckConstraint("role IN ('merchant_owner','merchant_staff')", name="role"),
    Index("ix_merchant_members_user_id", "user_id"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("user_id", IdColumnType(), ForeignKey("users.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("family_id", String(40), nullable=False, index=True),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", IdColumnType(), primary_key=True),
    Column("merchant_id", IdColumnType(), ForeignKey("merchants.id"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("prefix", String(16), nullable=False, unique=True),
    Column("key_hash", String(64), nullable=False),
    Column("scopes", JSONType, nullable=False),
    Column("created_by", IdColumnType(), ForeignKey("users.id"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
    UniqueConstraint("merchant_id", "name"),
)
