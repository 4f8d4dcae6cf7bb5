"""Product listings: filters, keyword search and keyset ("cursor") pagination.

Keyword search, one ``AND`` per whitespace-separated term:

* PostgreSQL: ``search_text LIKE '%term%'`` (both sides lower-cased, so it is ILIKE; served
  by the pg_trgm GIN index), relevance ``word_similarity(q, search_text)``. Relevance is
  computed for every match before the top of the page is taken: fine for tens of
  thousands of matches, a job for a search engine beyond that.
* SQLite: terms of 3 characters or more go to FTS5 (trigram tokenizer, substring match),
  shorter ones (Chinese two-character words such as 连衣) to ``LIKE``; relevance is bm25.

Pagination is keyset only (no OFFSET): each sort orders by a key and the id, and the next
page starts strictly after the last row's key. Rows inserted between pages therefore never
make a row appear twice. A page's ``next_key`` carries the sort and a fingerprint of the
filters; a key used with another sort or other filters is refused (``invalid_cursor``).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    Integer,
    Select,
    String,
    cast,
    func,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.sql.elements import ColumnElement

from marketplace.catalog.adapters.sql import LIKE_ESCAPE, like_anywhere
from marketplace.catalog.adapters.tables import product_translations, products
from marketplace.catalog.domain.errors import InvalidCursorError
from marketplace.catalog.domain.locale import resolve_locale
from marketplace.catalog.queries.categories import category_path, descendant_ids_query
from marketplace.parties.adapters.tables import merchants
from marketplace.shared.errors import ValidationError
from marketplace.shared.money import Money

SORTS = ("newest", "price_asc", "price_desc", "popularity", "relevance")
MAX_LIMIT = 100
MAX_TERMS = 8
MAX_ATTRIBUTE_FILTERS = 10
MAX_TERM_LENGTH = 64
FTS_MIN_TERM = 3
SCORE_SCALE = 1_000_000  # relevance as an integer, so that keys compare exactly


@dataclass(frozen=True)
class ProductListQuery:
    q: str | None = None
    category_id: str | None = None
    brand: str | None = None
    merchant_id: str | None = None
    min_price: str | None = None  # decimal strings in ``currency``
    max_price: str | None = None
    currency: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    status: str | None = None  # merchant listings only
    sort: str | None = None  # default: relevance with q, else newest
    after: Mapping[str, Any] | None = None  # a previous page's ``next_key``
    limit: int = 20
    locale: str | None = None


@dataclass(frozen=True)
class ProductPage:
    items: list[dict[str, Any]]
    next_key: dict[str, Any] | None


class InvalidListQueryError(ValidationError):
    code = "invalid_list_query"


def search_terms(q: str | None) -> list[str]:
    """Lower-cased, de-duplicated terms of a keyword query (NFKC, so full-width is folded)."""
    if not q:
        return []
    words = unicodedata.normalize("NFKC", q).lower().split()
    return list(dict.fromkeys(w[:MAX_TERM_LENGTH] for w in words))[:MAX_TERMS]


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def list_products(conn: Connection, query: ProductListQuery, *, public: bool = True) -> ProductPage:
    """One page of products. Publicly: listed products of approved merchants only."""
    if not 1 <= query.limit <= MAX_LIMIT:
        raise InvalidListQueryError(f"limit must be between 1 and {MAX_LIMIT}.")
    terms = search_terms(query.q)
    sort = query.sort or ("relevance" if terms else "newest")
    if sort not in SORTS:
        raise InvalidListQueryError(f"sort must be one of {', '.join(SORTS)}.")
    if sort == "relevance" and not terms:
        sort = "newest"
    stmt = select(
        products.c.id, products.c.merchant_id, products.c.shop_id, products.c.category_id,
        products.c.status, products.c.brand, products.c.default_locale,
        products.c.price_currency, products.c.min_price_minor, products.c.sales_count,
        products.c.version, products.c.created_at, products.c.updated_at,
    )  # fmt: skip
    if public:
        stmt = stmt.join(merchants, merchants.c.id == products.c.merchant_id).where(
            products.c.status == "listed", merchants.c.status == "approved"
        )
    stmt = _filter(conn, stmt, query)
    stmt, score = _search(conn, stmt, terms)
    keys = _sort_keys(sort, score)
    if sort in ("price_asc", "price_desc"):
        stmt = stmt.where(products.c.min_price_minor.is_not(None))
    fingerprint = _fingerprint(query, terms)
    if query.after is not None:
        stmt = stmt.where(_after(keys, _key_values(query.after, sort, fingerprint, keys)))
    direction = [k.desc() if descending else k.asc() for k, descending in keys]
    if score is not None:
        stmt = stmt.add_columns(score.label("score"))
    rows = conn.execute(stmt.order_by(*direction).limit(query.limit + 1)).all()
    page, more = rows[: query.limit], len(rows) > query.limit
    items = _items(conn, page, query.locale, public=public)
    next_key = None
    if more and page:
        last = page[-1]
        next_key = {"sort": sort, "filters": fingerprint, "after": _key_of(last, sort)}
    return ProductPage(items, next_key)


def _filter(conn: Connection, stmt: Select[Any], query: ProductListQuery) -> Select[Any]:
    if query.category_id:
        path = category_path(conn, query.category_id)
        stmt = stmt.where(products.c.category_id.in_(descendant_ids_query(path)))
    if query.brand:
        stmt = stmt.where(func.lower(products.c.brand) == " ".join(query.brand.split()).lower())
    if query.merchant_id:
        stmt = stmt.where(products.c.merchant_id == query.merchant_id)
    if query.status:
        stmt = stmt.where(products.c.status == query.status)
    if query.currency or query.min_price is not None or query.max_price is not None:
        if not query.currency:
            raise InvalidListQueryError("A price filter needs a currency.")
        currency = query.currency.strip().upper()
        stmt = stmt.where(products.c.price_currency == currency)
        if query.min_price is not None:
            stmt = stmt.where(
                products.c.min_price_minor >= Money.of(query.min_price, currency).minor
            )
        if query.max_price is not None:
            stmt = stmt.where(
                products.c.min_price_minor <= Money.of(query.max_price, currency).minor
            )
    if len(query.attributes) > MAX_ATTRIBUTE_FILTERS:
        raise InvalidListQueryError(f"At most {MAX_ATTRIBUTE_FILTERS} attribute filters.")
    for name, value in query.attributes.items():
        if not name or any(ch in name for ch in '"\\'):
            raise InvalidListQueryError(f"{name!r} cannot be filtered on.")
        stmt = stmt.where(products.c.attributes[name].as_string() == value)
    return stmt


def _search(
    conn: Connection, stmt: Select[Any], terms: list[str]
) -> tuple[Select[Any], ColumnElement[Any] | None]:
    """Restrict to rows matching every term; return the relevance score expression."""
    if not terms:
        return stmt, None
    if conn.dialect.name == "postgresql":
        for term in terms:
            # search_text and terms are both lower-cased already: LIKE is ILIKE here, and
            # about three times cheaper per row; the pg_trgm GIN index serves both.
            stmt = stmt.where(products.c.search_text.like(like_anywhere(term), escape=LIKE_ESCAPE))
        similarity = func.word_similarity(literal(" ".join(terms), String), products.c.search_text)
        return stmt, cast(similarity * SCORE_SCALE, Integer)
    long_terms = [t for t in terms if len(t) >= FTS_MIN_TERM]
    for term in terms:
        if len(term) < FTS_MIN_TERM:
            stmt = stmt.where(products.c.search_text.like(like_anywhere(term), escape=LIKE_ESCAPE))
    if not long_terms:
        return stmt, literal(0, Integer)
    fts = (
        text(
            "SELECT product_id, bm25(products_fts) AS rank FROM products_fts "
            "WHERE products_fts MATCH :fts_match"
        )
        .bindparams(fts_match=" AND ".join(_fts_phrase(t) for t in long_terms))
        .columns(product_id=String, rank=Float)
        .subquery("fts")
    )
    stmt = stmt.join(fts, fts.c.product_id == products.c.id)
    return stmt, cast(-fts.c.rank * SCORE_SCALE, Integer)


def _sort_keys(
    sort: str, score: ColumnElement[Any] | None
) -> list[tuple[ColumnElement[Any], bool]]:
    """(expression, descending) pairs; the id always breaks ties."""
    if sort == "relevance" and score is not None:
        return [(score, True), (products.c.id, True)]
    if sort == "price_asc":
        return [(products.c.min_price_minor, False), (products.c.id, False)]
    if sort == "price_desc":
        return [(products.c.min_price_minor, True), (products.c.id, True)]
    if sort == "popularity":
        return [(products.c.sales_count, True), (products.c.id, True)]
    return [(products.c.created_at, True), (products.c.id, True)]


def _key_of(row: Any, sort: str) -> list[Any]:
    if sort == "relevance":
        return [int(row.score), row.id]
    if sort in ("price_asc", "price_desc"):
        return [row.min_price_minor, row.id]
    if sort == "popularity":
        return [int(row.sales_count), row.id]
    return [row.created_at.isoformat(), row.id]


def _key_values(
    after: Mapping[str, Any],
    sort: str,
    fingerprint: str,
    keys: Sequence[tuple[ColumnElement[Any], bool]],
) -> list[Any]:
    """Check a previous page's key against this query and parse its values."""
    if not isinstance(after, Mapping):
        raise InvalidCursorError()
    values = after.get("after")
    if (
        after.get("sort") != sort
        or after.get("filters") != fingerprint
        or not isinstance(values, list)
        or len(values) != len(keys)
        or not isinstance(values[-1], str)
    ):
        raise InvalidCursorError()
    first = values[0]
    if sort == "newest":
        try:
            return [datetime.fromisoformat(first), values[1]]
        except (TypeError, ValueError):
            raise InvalidCursorError() from None
    if isinstance(first, bool) or not isinstance(first, int):
        raise InvalidCursorError()
    return values


def _after(keys: Sequence[tuple[ColumnElement[Any], bool]], values: list[Any]) -> Any:
    """Rows strictly after ``values`` in the sort order (both keys share a direction)."""
    left = tuple_(*(k for k, _ in keys))
    right = tuple_(*(literal(v, k.type) for (k, _), v in zip(keys, values, strict=True)))
    return left < right if keys[0][1] else left > right


def _fingerprint(query: ProductListQuery, terms: list[str]) -> str:
    """A short digest of what selects the rows, so that a key cannot be replayed elsewhere."""
    parts = [
        terms, query.category_id, query.brand, query.merchant_id, query.min_price,
        query.max_price, query.currency, sorted(query.attributes.items()), query.status,
    ]  # fmt: skip
    raw = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _items(
    conn: Connection, rows: Sequence[Any], locale: str | None, *, public: bool
) -> list[dict[str, Any]]:
    ids = [r.id for r in rows]
    titles: dict[str, dict[str, str]] = {i: {} for i in ids}
    if ids:
        for t in conn.execute(
            select(
                product_translations.c.product_id,
                product_translations.c.locale,
                product_translations.c.title,
            ).where(product_translations.c.product_id.in_(ids))
        ):
            titles[t.product_id][t.locale] = t.title
    items = []
    for row in rows:
        served = resolve_locale(locale, titles[row.id].keys(), row.default_locale)
        price = (
            Money.from_minor(int(row.min_price_minor), row.price_currency).to_dict()
            if row.min_price_minor is not None and row.price_currency
            else None
        )
        item = {
            "id": row.id,
            "title": titles[row.id][served] if served else "",
            "locale": served,
            "brand": row.brand,
            "category_id": row.category_id,
            "merchant_id": row.merchant_id,
            "shop_id": row.shop_id,
            "price": price,
            "sales_count": int(row.sales_count),
            "created_at": row.created_at,
        }
        if not public:
            item.update(status=row.status, version=int(row.version), updated_at=row.updated_at)
        items.append(item)
    return items
