"""The home page: what this Agora instance holds, and where to go next."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from marketplace.bootstrap import Marketplace
from marketplace.catalog import queries

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


def _home_data(container: Marketplace, locale: str, category_id: str | None) -> dict[str, Any]:
    with queries.read_connection(container.engine) as conn:
        tree = queries.category_tree(conn, locale=locale)
        page = queries.list_products(
            conn,
            queries.ProductListQuery(category_id=category_id, limit=24, locale=locale),
            public=True,
        )
    return {"tree": tree, "products": page.items}


@router.get("/", response_class=HTMLResponse)
async def home(
    request: Request,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
    category: Annotated[str | None, Query(max_length=64)] = None,
) -> HTMLResponse:
    container: Marketplace = request.app.state.marketplace
    data = await run_in_threadpool(_home_data, container, lang, category)
    context = {"lang": lang, "category": category, **data}
    return templates.TemplateResponse(request, "home.html", context)
