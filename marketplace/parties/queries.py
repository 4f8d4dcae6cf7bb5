"""Read side of the parties area: plain queries for access checks, lists and profiles."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, and_, select

from marketplace.parties.adapters.tables import merchant_members, merchants, shops, users


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    # Read-only: on SQLite this takes no write lock (see marketplace.db.engine).
    with engine.connect().execution_options(agora_readonly=True) as conn:
        yield conn


@dataclass(frozen=True)
class MerchantAccess:
    """Whether a merchant exists, and the caller's role in it (None: not a member)."""

    merchant_id: str
    status: str
    member_role: str | None


def merchant_access(engine: Engine, merchant_id: str, user_id: str | None) -> MerchantAccess | None:
    """One primary-key lookup joined to the membership row of ``user_id``."""
    m, mm = merchants, merchant_members
    join = m.outerjoin(mm, and_(mm.c.merchant_id == m.c.id, mm.c.user_id == (user_id or "")))
    query = select(m.c.id, m.c.status, mm.c.role).select_from(join).where(m.c.id == merchant_id)
    with _reading(engine) as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    return MerchantAccess(merchant_id=row[0], status=row[1], member_role=row[2])


@dataclass(frozen=True)
class MembershipView:
    merchant_id: str
    merchant_name: str
    merchant_status: str
    role: str


def memberships_of(engine: Engine, user_id: str) -> list[MembershipView]:
    m, mm = merchants, merchant_members
    query = (
        select(m.c.id, m.c.name, m.c.status, mm.c.role)
        .select_from(mm.join(m, m.c.id == mm.c.merchant_id))
        .where(mm.c.user_id == user_id)
        .order_by(mm.c.created_at, m.c.id)
    )
    with _reading(engine) as conn:
        return [MembershipView(*row) for row in conn.execute(query)]


@dataclass(frozen=True)
class MemberView:
    user_id: str
    email: str
    display_name: str
    role: str
    joined_at: datetime


def members_of(engine: Engine, merchant_id: str) -> list[MemberView]:
    u, mm = users, merchant_members
    query = (
        select(u.c.id, u.c.email, u.c.display_name, mm.c.role, mm.c.created_at)
        .select_from(mm.join(u, u.c.id == mm.c.user_id))
        .where(mm.c.merchant_id == merchant_id)
        .order_by(mm.c.created_at, u.c.id)
    )
    with _reading(engine) as conn:
        return [MemberView(*row) for row in conn.execute(query)]


@dataclass(frozen=True)
class MerchantSummary:
    id: str
    name: str
    slug: str
    kind: str
    status: str
    status_reason: str | None
    created_at: datetime
    approved_at: datetime | None


def list_merchants(
    engine: Engine, *, status: str | None = None, after_id: str | None = None, limit: int = 50
) -> tuple[Sequence[MerchantSummary], str | None]:
    """A page of merchants in id (= creation) order, and the last id when more follow."""
    m = merchants
    query = select(
        m.c.id, m.c.name, m.c.slug, m.c.kind, m.c.status, m.c.status_reason,
        m.c.created_at, m.c.approved_at,
    )  # fmt: skip
    if status is not None:
        query = query.where(m.c.status == status)
    if after_id is not None:
        query = query.where(m.c.id > after_id)
    query = query.order_by(m.c.id).limit(limit + 1)
    with _reading(engine) as conn:
        rows = [MerchantSummary(*row) for row in conn.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


@dataclass(frozen=True)
class PublicShop:
    id: str
    slug: str
    name: str
    description: str | None
    is_open: bool
    merchant_id: str
    merchant_name: str
    merchant_kind: str


def public_shop(engine: Engine, slug: str) -> PublicShop | None:
    """A shop as buyers see it; shops of merchants that are not approved do not exist."""
    s, m = shops, merchants
    query = (
        select(s.c.id, s.c.slug, s.c.name, s.c.description, s.c.is_open)
        .add_columns(m.c.id, m.c.name, m.c.kind)
        .select_from(s.join(m, m.c.id == s.c.merchant_id))
        .where(s.c.slug == slug, m.c.status == "approved")
    )
    with _reading(engine) as conn:
        row = conn.execute(query).first()
    return PublicShop(*row) if row else None
