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

A page is one statement: the subtree, filters, sort and every locale's title come back
together (the titles as one JSON object per product). The category is looked up on its own
only when the page is empty or the query is refused, so that an unknown category is still
``category_not_found``, ahead of any other error. Statements are built once per *shape* of
query (which filters, which sort, how many terms) with every value a bound parameter, so
SQLAlchemy reuses their compiled SQL and psycopg prepares them.

On PostgreSQL a public category page in ``newest`` order reads every category of the
subtree newest first from ``ix_products_category_id_status_created_at_id`` (a ``LATERAL``
join limited to the page size) and merges them: a page costs at most limit+1 entries per
category, where scanning the whole catalogue newest first would walk past every product of
other categories.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    Float,
    Integer,
    Row,
    Select,
    String,
    Subquery,
    bindparam,
    cast,
    func,
    literal,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.sql.elements import ColumnElement

from marketplace.catalog.adapters.sql import (
    LIKE_ESCAPE,
    JsonObjectAgg,
    like_anywhere,
    like_prefix_sql,
)
from marketplace.catalog.adapters.tables import (
    categories,
    product_translations,
    products,
    skus,
)
from marketplace.catalog.domain.errors import InvalidCursorError
from marketplace.catalog.domain.locale import resolve_locale
from marketplace.catalog.queries.categories import category_path
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
    try:
        fingerprint = _fingerprint(query, terms)
        shape, params = _bind(conn.dialect.name, query, terms, sort, fingerprint, public=public)
        rows = conn.execute(_statement(shape), params).all()
    except Exception:
        _check_category(conn, query)  # an unknown category is reported first
        raise
    if not rows:
        _check_category(conn, query)
    page, more = rows[: query.limit], len(rows) > query.limit
    items = _items(page, query.locale, public=public)
    next_key = None
    if more and page:
        last = page[-1]
        next_key = {"sort": sort, "filters": fingerprint, "after": _key_of(last, sort)}
    return ProductPage(items, next_key)


def product_cards(
    conn: Connection, product_ids: Sequence[str], *, locale: str | None
) -> dict[str, dict[str, Any]]:
    """The public list items (title in ``locale``, lowest price...) of the given products
    that are on sale now, by id: what a shelf of recommended product ids shows, fresh
    (a recommender's copy of the catalogue may be minutes old)."""
    wanted = sorted(set(product_ids))
    if not wanted:
        return {}
    stmt = (
        select(*_COLUMNS)
        .join(merchants, merchants.c.id == products.c.merchant_id)
        .where(products.c.status == "listed", merchants.c.status == "approved",
               products.c.id.in_(wanted))
    )  # fmt: skip
    rows = conn.execute(_with_titles(stmt.subquery("page"), "newest")).all()
    return {item["id"]: item for item in _items(rows, locale, public=True)}


def product_titles(
    conn: Connection, product_ids: Sequence[str], *, locale: str | None
) -> dict[str, str]:
    """Each product's title in ``locale`` (else its default language), whatever its status:
    for pages listing rows of a merchant's own products (stock, suggestions)."""
    wanted = sorted(set(product_ids))
    if not wanted:
        return {}
    rows = conn.execute(
        select(products.c.id, products.c.default_locale).where(products.c.id.in_(wanted))
    ).tuples()
    defaults = {str(pid): str(default) for pid, default in rows}
    texts: dict[str, dict[str, str]] = {pid: {} for pid in defaults}
    t = product_translations.c
    for pid, loc, title in conn.execute(
        select(t.product_id, t.locale, t.title).where(t.product_id.in_(wanted))
    ).tuples():
        texts[pid][loc] = title
    served = {pid: resolve_locale(locale, texts[pid].keys(), default)
              for pid, default in defaults.items()}  # fmt: skip
    return {pid: texts[pid][loc] for pid, loc in served.items() if loc}


def sku_codes_of_products(
    conn: Connection, product_ids: Sequence[str]
) -> list[tuple[str, str, str]]:
    """``(sku_id, sku_code, product_id)`` of the products' SKUs, by product then code."""
    wanted = sorted(set(product_ids))
    if not wanted:
        return []
    rows = conn.execute(
        select(skus.c.id, skus.c.sku_code, skus.c.product_id)
        .where(skus.c.product_id.in_(wanted))
        .order_by(skus.c.product_id, skus.c.sku_code)
    ).tuples()
    return [(str(i), str(code), str(pid)) for i, code, pid in rows]


def _check_category(conn: Connection, query: ProductListQuery) -> None:
    if query.category_id:
        category_path(conn, query.category_id)  # raises category_not_found


@dataclass(frozen=True)
class _Shape:
    """What a page's statement depends on, apart from the values bound into it."""

    dialect: str
    public: bool
    sort: str
    category: bool
    brand: bool
    merchant: bool
    status: bool
    currency: bool
    min_price: bool
    max_price: bool
    attributes: tuple[str, ...]  # the names; the values are bound
    search: bool
    like_terms: int  # terms matched with LIKE (all on PostgreSQL, short ones on SQLite)
    fts: bool  # SQLite: the terms of 3 characters or more, matched by FTS5
    after: bool


def _bind(
    dialect: str,
    query: ProductListQuery,
    terms: list[str],
    sort: str,
    fingerprint: str,
    *,
    public: bool,
) -> tuple[_Shape, dict[str, Any]]:
    """Check the query's filters and cursor; the statement's shape and parameter values."""
    params: dict[str, Any] = {"limit": query.limit + 1}
    if query.category_id:
        params["category_id"] = query.category_id
    if query.brand:
        params["brand"] = " ".join(query.brand.split()).lower()
    if query.merchant_id:
        params["merchant_id"] = query.merchant_id
    if query.status:
        params["status"] = query.status
    if query.currency or query.min_price is not None or query.max_price is not None:
        if not query.currency:
            raise InvalidListQueryError("A price filter needs a currency.")
        currency = params["currency"] = query.currency.strip().upper()
        if query.min_price is not None:
            params["min_minor"] = Money.of(query.min_price, currency).minor
        if query.max_price is not None:
            params["max_minor"] = Money.of(query.max_price, currency).minor
    if len(query.attributes) > MAX_ATTRIBUTE_FILTERS:
        raise InvalidListQueryError(f"At most {MAX_ATTRIBUTE_FILTERS} attribute filters.")
    for i, (name, value) in enumerate(query.attributes.items()):
        if not name or any(ch in name for ch in '"\\'):
            raise InvalidListQueryError(f"{name!r} cannot be filtered on.")
        params[f"attr_{i}"] = value
    postgres = dialect == "postgresql"
    like_terms = terms if postgres else [t for t in terms if len(t) < FTS_MIN_TERM]
    fts_terms = [] if postgres else [t for t in terms if len(t) >= FTS_MIN_TERM]
    for i, term in enumerate(like_terms):
        params[f"term_{i}"] = like_anywhere(term)
    if postgres and terms:
        params["search_query"] = " ".join(terms)
    if fts_terms:
        params["fts_match"] = " AND ".join(_fts_phrase(t) for t in fts_terms)
    if query.after is not None:
        params["after_key"], params["after_id"] = _key_values(query.after, sort, fingerprint)
    shape = _Shape(
        dialect=dialect, public=public, sort=sort, category=bool(query.category_id),
        brand=bool(query.brand), merchant=bool(query.merchant_id), status=bool(query.status),
        currency="currency" in params, min_price="min_minor" in params,
        max_price="max_minor" in params, attributes=tuple(query.attributes),
        search=bool(terms), like_terms=len(like_terms), fts=bool(fts_terms),
        after=query.after is not None,
    )  # fmt: skip
    return shape, params


_COLUMNS = (
    products.c.id, products.c.merchant_id, products.c.shop_id, products.c.category_id,
    products.c.brand, products.c.default_locale, products.c.price_currency,
    products.c.min_price_minor, products.c.sales_count, products.c.created_at,
)  # fmt: skip
_MERCHANT_COLUMNS = (products.c.status, products.c.version, products.c.updated_at)
_KEY_COLUMN = {
    "newest": "created_at",
    "price_asc": "min_price_minor",
    "price_desc": "min_price_minor",
    "popularity": "sales_count",
    "relevance": "score",
}
_root = categories.alias("root")
# The LIKE pattern of the paths in the requested category's subtree: its own path, then %.
_SUBTREE_PATTERN = (
    select(like_prefix_sql(_root.c.path))
    .where(_root.c.id == bindparam("category_id"))
    .scalar_subquery()
)


@lru_cache(maxsize=256)
def _statement(shape: _Shape) -> Select[Any]:
    """The statement of a page for one shape of query (see the module docstring)."""
    stmt = select(*_COLUMNS) if shape.public else select(*_COLUMNS, *_MERCHANT_COLUMNS)
    if shape.public:
        stmt = stmt.join(merchants, merchants.c.id == products.c.merchant_id).where(
            products.c.status == "listed", merchants.c.status == "approved"
        )
    stmt = _filter(stmt, shape)
    stmt, score = _search(stmt, shape)
    keys = _sort_keys(shape.sort, score)
    if shape.sort in ("price_asc", "price_desc"):
        stmt = stmt.where(products.c.min_price_minor.is_not(None))
    if shape.after:
        stmt = stmt.where(_after(keys))
    if score is not None:
        stmt = stmt.add_columns(score.label("score"))
    stmt = stmt.order_by(*(k.desc() if descending else k.asc() for k, descending in keys))
    limit = bindparam("limit", type_=Integer)
    per_category = shape.dialect == "postgresql" and shape.public and shape.sort == "newest"
    if shape.category and per_category and not shape.search:
        page = _newest_per_category(stmt, limit)
    elif shape.category:
        subtree = select(categories.c.id).where(
            categories.c.path.like(_SUBTREE_PATTERN, escape=LIKE_ESCAPE)
        )
        page = stmt.where(products.c.category_id.in_(subtree)).limit(limit)
    else:
        page = stmt.limit(limit)
    return _with_titles(page.subquery("page"), shape.sort)


def _newest_per_category(stmt: Select[Any], limit: Any) -> Select[Any]:
    """The newest ``limit`` of each category in the subtree (``LATERAL``), merged."""
    cat = categories.alias("c")
    newest = stmt.where(products.c.category_id == cat.c.id).limit(limit).lateral("p")
    return (
        select(newest)
        .select_from(cat.join(newest, true()))
        .where(cat.c.path.like(_SUBTREE_PATTERN, escape=LIKE_ESCAPE))
        .order_by(newest.c.created_at.desc(), newest.c.id.desc())
        .limit(limit)
    )


def _with_titles(page: Subquery, sort: str) -> Select[Any]:
    """The page's rows, each with its product's titles as ``{locale: title}``."""
    titles = select(JsonObjectAgg(product_translations.c.locale, product_translations.c.title))
    titles = titles.where(product_translations.c.product_id == page.c.id)
    key, ident = page.c[_KEY_COLUMN[sort]], page.c.id
    order = [key.asc(), ident.asc()] if sort == "price_asc" else [key.desc(), ident.desc()]
    return select(page, titles.scalar_subquery().label("titles")).order_by(*order)


def _filter(stmt: Select[Any], shape: _Shape) -> Select[Any]:
    if shape.brand:
        stmt = stmt.where(func.lower(products.c.brand) == bindparam("brand"))
    if shape.merchant:
        stmt = stmt.where(products.c.merchant_id == bindparam("merchant_id"))
    if shape.status:
        stmt = stmt.where(products.c.status == bindparam("status"))
    if shape.currency:
        stmt = stmt.where(products.c.price_currency == bindparam("currency"))
    if shape.min_price:
        stmt = stmt.where(products.c.min_price_minor >= bindparam("min_minor"))
    if shape.max_price:
        stmt = stmt.where(products.c.min_price_minor <= bindparam("max_minor"))
    for i, name in enumerate(shape.attributes):
        stmt = stmt.where(products.c.attributes[name].as_string() == bindparam(f"attr_{i}"))
    return stmt


def _search(stmt: Select[Any], shape: _Shape) -> tuple[Select[Any], ColumnElement[Any] | None]:
    """Restrict to rows matching every term; return the relevance score expression."""
    if not shape.search:
        return stmt, None
    for i in range(shape.like_terms):
        # search_text and terms are both lower-cased already: LIKE is ILIKE here, and
        # about three times cheaper per row; the pg_trgm GIN index serves both.
        stmt = stmt.where(products.c.search_text.like(bindparam(f"term_{i}"), escape=LIKE_ESCAPE))
    if shape.dialect == "postgresql":
        query = bindparam("search_query", type_=String)
        similarity = func.word_similarity(query, products.c.search_text)
        return stmt, cast(similarity * SCORE_SCALE, Integer)
    if not shape.fts:
        return stmt, literal(0, Integer)
    fts = (
        text(
            "SELECT product_id, bm25(products_fts) AS rank FROM products_fts "
            "WHERE products_fts MATCH :fts_match"
        )
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


def _key_values(after: Mapping[str, Any], sort: str, fingerprint: str) -> list[Any]:
    """Check a previous page's key against this query and parse its values."""
    if not isinstance(after, Mapping):
        raise InvalidCursorError()
    values = after.get("after")
    if (
        after.get("sort") != sort
        or after.get("filters") != fingerprint
        or not isinstance(values, list)
        or len(values) != 2
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


def _after(keys: Sequence[tuple[ColumnElement[Any], bool]]) -> Any:
    """Rows strictly after the bound key in the sort order (both keys share a direction)."""
    (key, descending), (ident, _) = keys
    left = tuple_(key, ident)
    right = tuple_(bindparam("after_key", type_=key.type), bindparam("after_id", type_=ident.type))
    return left < right if descending else left > right


def _fingerprint(query: ProductListQuery, terms: list[str]) -> str:
    """A short digest of what selects the rows, so that a key cannot be replayed elsewhere."""
    parts = [
        terms, query.category_id, query.brand, query.merchant_id, query.min_price,
        query.max_price, query.currency, sorted(query.attributes.items()), query.status,
    ]  # fmt: skip
    raw = json.dumps(parts, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _items(rows: Sequence[Row[Any]], locale: str | None, *, public: bool) -> list[dict[str, Any]]:
    items = []
    for row in rows:
        r = row._mapping  # a fifth of the cost of attribute access, twelve times per row
        titles = r["titles"] or {}
        served = resolve_locale(locale, titles.keys(), r["default_locale"])
        minor, currency = r["min_price_minor"], r["price_currency"]
        price = (
            Money.from_minor(int(minor), currency).to_dict()
            if minor is not None and currency
            else None
        )
        item = {
            "id": r["id"],
            "title": titles[served] if served else "",
            "locale": served,
            "brand": r["brand"],
            "category_id": r["category_id"],
            "merchant_id": r["merchant_id"],
            "shop_id": r["shop_id"],
            "price": price,
            "sales_count": int(r["sales_count"]),
            "created_at": r["created_at"],
        }
        if not public:
            item.update(status=r["status"], version=int(r["version"]), updated_at=r["updated_at"])
        items.append(item)
    return items
