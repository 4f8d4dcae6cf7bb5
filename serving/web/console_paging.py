"""Paging of the console's lists over the queries' keyset keys.

``?cursor=`` is the key of the page shown (the API's opaque cursor, see
``serving.api.pagination``), ``?back=`` the keys of the pages between the first and this one,
dot-separated, so that "Previous" needs no backwards query; ``?per=`` the rows per page.
The lists' filters stay in the links; changing a filter starts again at the first page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from serving.api.pagination import MAX_CURSOR_LENGTH, decode_cursor, encode_cursor, invalid_cursor

MAX_PER_PAGE = 100
MAX_BACK = 40  # pages remembered for "Previous"; past that it goes back to the first


@dataclass(frozen=True)
class Pager:
    """Where a list is: its page's key, the keys before it and the next page's key."""

    per: int
    cursor: str | None = None
    back: tuple[str, ...] = ()
    per_given: bool = False
    next_cursor: str | None = None
    path: str = ""
    params: tuple[tuple[str, str], ...] = ()  # the list's filters

    @property
    def after(self) -> dict[str, Any] | None:
        """The query's key for this page (400 ``invalid_cursor`` if it does not decode)."""
        return decode_cursor(self.cursor)

    @property
    def number(self) -> int:
        return len(self.back) + 2 if self.cursor else 1

    def following(self, key: Mapping[str, Any] | None, path: str, **params: str | None) -> Pager:
        """This page, knowing the next page's key and the list's address and filters (a
        filter given as None is left out of the links; "" stays, meaning "any")."""
        kept = tuple((k, v) for k, v in params.items() if v is not None)
        return replace(self, next_cursor=encode_cursor(key), path=path, params=kept)

    @property
    def next_url(self) -> str | None:
        if self.next_cursor is None:
            return None
        back = (*self.back, self.cursor) if self.cursor else ()
        return self._url(self.next_cursor, back[-MAX_BACK:])

    @property
    def prev_url(self) -> str | None:
        if not self.cursor:
            return None
        if not self.back:
            return self._url(None, ())
        return self._url(self.back[-1], self.back[:-1])

    def _url(self, cursor: str | None, back: tuple[str, ...]) -> str:
        query: list[tuple[str, str]] = list(self.params)
        if self.per_given:
            query.append(("per", str(self.per)))
        if cursor:
            query.append(("cursor", cursor))
        if back:
            query.append(("back", ".".join(back)))
        return f"{self.path}?{urlencode(query)}" if query else self.path


def pager(request: Request, per_page: int) -> Pager:
    """The page the request asks for (``per_page`` rows unless ``?per=`` says otherwise)."""
    query = request.query_params
    cursor = query.get("cursor") or None
    raw_per = query.get("per", "")
    per = int(raw_per) if raw_per.isdigit() else per_page
    per = max(1, min(per, MAX_PER_PAGE))
    back = tuple(k for k in query.get("back", "").split(".") if k) if cursor else ()
    if any(len(k) > MAX_CURSOR_LENGTH for k in (cursor or "", *back)):
        raise invalid_cursor("The cursor is too long.")
    return Pager(per, cursor, back[-MAX_BACK:], raw_per.isdigit())


def text_key(after: Mapping[str, Any] | None, *names: str) -> tuple[str, ...] | None:
    """A key of text values (``names`` in order) from a decoded cursor, or None."""
    if after is None:
        return None
    values = tuple(after.get(n) for n in names)
    if not all(isinstance(v, str) and v for v in values):
        raise invalid_cursor()
    return tuple(str(v) for v in values)
