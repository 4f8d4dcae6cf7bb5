"""What the catalog's routers share: locale and paging parameters, JSON answers."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import Header, Query, Response

from marketplace.bootstrap import Marketplace
from marketplace.catalog import queries
from marketplace.catalog.domain.errors import InvalidCursorError
from marketplace.catalog.domain.locale import normalize_locale, parse_accept_language
from serving.api.errors import ApiError
from serving.api.pagination import encode_cursor

Responses = dict[int | str, dict[str, Any]]
JSON = "application/json"
ORJSON_OPTIONS = orjson.OPT_UTC_Z  # datetimes as ...Z, like pydantic

LocaleParam = Annotated[
    str | None,
    Query(
        max_length=35,
        description="Locale such as zh, en or zh-CN; else Accept-Language; see the fallback rule",
    ),
]
AcceptLanguage = Annotated[str | None, Header(include_in_schema=False)]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size")]
Cursor = Annotated[str | None, Query(max_length=2048, description="next_cursor of the last page")]


def requested_locale(locale: str | None, accept_language: str | None) -> str | None:
    """The ``locale`` parameter, else the caller's preferred Accept-Language tag."""
    if locale:
        return normalize_locale(locale)
    return parse_accept_language(accept_language)


def json_response(payload: Any, status_code: int = 200) -> Response:
    """Serialise once with orjson (read models are plain dicts already)."""
    return Response(orjson.dumps(payload, option=ORJSON_OPTIONS), status_code, media_type=JSON)


def product_page(
    container: Marketplace, query: queries.ProductListQuery, *, public: bool
) -> dict[str, Any]:
    """One page of a product listing as ``{items, next_cursor}``."""
    try:
        with queries.read_connection(container.engine) as conn:
            page = queries.list_products(conn, query, public=public)
    except InvalidCursorError as exc:
        raise ApiError(400, "invalid_cursor", exc.message) from exc
    return {"items": page.items, "next_cursor": encode_cursor(page.next_key)}
