"""SQL helpers shared by the catalog's repositories and queries."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

LIKE_ESCAPE = "!"


def like_prefix(prefix: str) -> str:
    """A LIKE pattern matching strings that start with ``prefix`` (wildcards escaped)."""
    return like_escape(prefix) + "%"


def like_anywhere(term: str) -> str:
    """A LIKE pattern matching strings that contain ``term`` (wildcards escaped)."""
    return f"%{like_escape(term)}%"


def like_escape(text: str) -> str:
    for ch in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(ch, LIKE_ESCAPE + ch)
    return text


def like_prefix_sql(expr: Any) -> Any:
    """``like_prefix`` done by the database, for a prefix that is a column or subquery."""
    for ch in (LIKE_ESCAPE, "%", "_"):
        expr = func.replace(expr, ch, LIKE_ESCAPE + ch, type_=String)
    return expr + "%"


class JsonObjectAgg(FunctionElement[Any]):
    """``{key: value, ...}`` over a group's rows, as JSON (NULL for no rows)."""

    type = JSON()
    name = "json_object_agg"
    inherit_cache = True


@compiles(JsonObjectAgg)
def _json_object_agg(element: JsonObjectAgg, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object_agg({compiler.process(element.clauses, **kw)})"


@compiles(JsonObjectAgg, "sqlite")
def _json_group_object(element: JsonObjectAgg, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_object({compiler.process(element.clauses, **kw)})"
