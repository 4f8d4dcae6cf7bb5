"""Console: the merchant's products and SKUs (create, edit, prices, publish) and its stock
per warehouse (receive, adjust), through the catalog and inventory services the API's
routers use. Forms are htmx posts; a refusal is a fragment in the form's message area."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from marketplace.bootstrap import Marketplace
from marketplace.catalog import queries, services
from marketplace.catalog.domain.commands import (
    AddSku,
    ChangeProductStatus,
    CreateProduct,
    SetSkuPrices,
    TierInput,
    TranslationInput,
    UpdateProduct,
    UpdateSku,
)
from marketplace.inventory import queries as stock_queries
from marketplace.inventory import services as inventory
from marketplace.inventory.commands import AdjustStock, ReceiveStock
from marketplace.inventory.domain import AdjustmentReason, Operator
from marketplace.shared.errors import DomainError
from marketplace.shared.money import Money
from serving.web.console_paging import Pager, pager, text_key
from serving.web.console_scope import Console, ConsoleContext, done, page, refusal
from serving.web.frame import render

router = APIRouter(include_in_schema=False, tags=["web"])
LOCALES = ("zh", "en")
CURRENCIES = ("CNY", "USD", "EUR", "GBP", "BRL")
MAX_TEXT = 300
PER_PAGE = 50
STOCK_PER_PAGE = 100


# -- reading the forms ------------------------------------------------------------------------
@dataclass
class Problems:
    """What is wrong with a form, as message keys (with their values) per field."""

    items: list[tuple[str, str, dict[str, object]]] = field(default_factory=list)

    def add(self, name: str, key: str, **values: object) -> None:
        self.items.append((name, key, values))

    def __bool__(self) -> bool:
        return bool(self.items)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _translations(form: FormData, problems: Problems) -> dict[str, TranslationInput]:
    found: dict[str, TranslationInput] = {}
    for tag in LOCALES:
        title, description = _text(form, f"title_{tag}"), _text(form, f"description_{tag}")
        if len(title) > MAX_TEXT:
            problems.add(f"title_{tag}", "console.form.too_long", limit=MAX_TEXT)
        if title:
            found[tag] = TranslationInput(title, description or None)
    if not found:
        problems.add("title_zh", "console.form.title_required")
    return found


def _options(raw: str, problems: Problems) -> dict[str, str]:
    """``color=red, size=M`` (or ``:`` and ``;``) as the SKU's sales attributes."""
    found: dict[str, str] = {}
    for part in raw.replace(";", ",").replace("\n", ",").split(","):
        if not part.strip():
            continue
        name, sep, value = part.replace(":", "=", 1).partition("=")
        if not sep or not name.strip() or not value.strip():
            problems.add("options", "console.form.bad_option", part=part.strip())
            continue
        found[name.strip()] = value.strip()
    return found


def _price(raw: str, currency: str, name: str, problems: Problems) -> str | None:
    try:
        money = Money.of(raw, currency)
    except DomainError:
        problems.add(name, "console.form.bad_price", value=raw or "—")
        return None
    if money.amount <= 0:
        problems.add(name, "console.form.bad_price", value=raw)
        return None
    return str(money.amount)


def _tiers(raw: str, currency: str, problems: Problems) -> tuple[TierInput, ...]:
    """``10=90.00, 50=85.00``: from that many units on, that unit price."""
    tiers: list[TierInput] = []
    for part in raw.replace(";", ",").split(","):
        if not part.strip():
            continue
        qty, sep, amount = part.replace(":", "=", 1).partition("=")
        if not sep or not qty.strip().isdigit() or int(qty) < 2:
            problems.add("tiers", "console.form.bad_tier", part=part.strip())
            continue
        price = _price(amount.strip(), currency, "tiers", problems)
        if price is None:
            continue
        tiers.append(TierInput(int(qty), price))
    return tuple(tiers)


@dataclass(frozen=True)
class SkuForm:
    sku_code: str
    options: dict[str, str]
    currency: str
    list_price: str
    tiers: tuple[TierInput, ...]
    is_active: bool


def _sku_form(form: FormData, problems: Problems) -> SkuForm | None:
    code = _text(form, "sku_code")
    if not code or len(code) > 100:
        problems.add("sku_code", "console.form.sku_code_required")
    currency = _text(form, "currency") or "CNY"
    if currency not in CURRENCIES:
        problems.add("currency", "console.form.bad_currency")
        currency = "CNY"
    options = _options(_text(form, "options"), problems)
    price = _price(_text(form, "list_price"), currency, "list_price", problems)
    tiers = _tiers(_text(form, "tiers"), currency, problems)
    if problems or price is None:
        return None
    return SkuForm(code, options, currency, price, tiers, form.get("is_active", "on") == "on")


def _invalid(c: ConsoleContext, problems: Problems) -> HTMLResponse:
    lines = [(name, c.t(key, **values)) for name, key, values in problems.items]
    return render(c.page, "console/_problems.html", {"problems": lines}, status_code=422)


# -- products -----------------------------------------------------------------------------------
def _categories(container: Marketplace, locale: str) -> list[tuple[str, str]]:
    """(id, name with its parents' indent) of every active category, tree order."""
    with queries.read_connection(container.engine) as conn:
        tree = queries.category_tree(conn, locale=locale)
    flat: list[tuple[str, str]] = []

    def walk(nodes: list[dict[str, Any]], depth: int) -> None:
        for node in nodes:
            flat.append((node["id"], "\u00a0\u00a0" * depth + node["name"]))
            walk(node["children"], depth + 1)

    walk(tree, 0)
    return flat


def _products(
    c: ConsoleContext, status: str | None, at: Pager
) -> tuple[list[dict[str, Any]], Pager]:
    query = queries.ProductListQuery(
        merchant_id=c.merchant_id, status=status, sort="newest", after=at.after, limit=at.per,
        locale=c.page.locale,
    )  # fmt: skip
    with queries.read_connection(c.page.container.engine) as conn:
        found = queries.list_products(conn, query, public=False)
    return found.items, at.following(found.next_key, f"{c.base}/products", status=status)


@router.get("/merchant/{merchant_id}/products", response_class=HTMLResponse)
async def products_page(c: Console, status: str | None = None) -> HTMLResponse:
    status = status if status in ("draft", "listed", "delisted") else None
    at = pager(c.page.request, PER_PAGE)
    items, at = await run_in_threadpool(_products, c, status, at)
    return page(c, "console/products.html", "products",
                {"products": items, "status": status, "pager": at})  # fmt: skip


@router.get("/merchant/{merchant_id}/products/new", response_class=HTMLResponse)
async def new_product_page(c: Console) -> HTMLResponse:
    categories = await run_in_threadpool(_categories, c.page.container, c.page.locale)
    return page(c, "console/product_new.html", "products", {"categories": categories})


def _create(c: ConsoleContext, fields: CreateProduct, sku: SkuForm) -> str:
    container = c.page.container
    product = services.create_product(fields, uow=container.uow(), cache=container.cache)
    added = services.add_sku(
        AddSku(c.merchant_id, product.id, sku.sku_code, sales_attributes=sku.options),
        uow=container.uow(), cache=container.cache,
    )  # fmt: skip
    _set_prices(c, added.id, sku)
    return product.id


def _set_prices(c: ConsoleContext, sku_id: str, sku: SkuForm) -> None:
    container = c.page.container
    cmd = SetSkuPrices(c.merchant_id, sku_id, currency=sku.currency, list_price=sku.list_price,
                       tiers=sku.tiers)  # fmt: skip
    services.set_sku_prices(cmd, uow=container.uow(), cache=container.cache)


@router.post("/merchant/{merchant_id}/products", response_class=HTMLResponse)
async def create_product(c: Console) -> Response:
    form = await c.page.request.form()
    problems = Problems()
    translations = _translations(form, problems)
    category = _text(form, "category_id")
    if not category:
        problems.add("category_id", "console.form.category_required")
    sku = _sku_form(form, problems)
    if problems or sku is None:
        return _invalid(c, problems)
    cmd = CreateProduct(merchant_id=c.merchant_id, category_id=category,
                        translations=translations, brand=_text(form, "brand") or None)  # fmt: skip
    try:
        product_id = await run_in_threadpool(_create, c, cmd, sku)
    except DomainError as exc:
        return refusal(c, exc)
    return done(c, f"/products/{product_id}", "created")


def _product(c: ConsoleContext, product_id: str) -> dict[str, Any]:
    with queries.read_connection(c.page.container.engine) as conn:
        return queries.merchant_product_detail(conn, c.merchant_id, product_id,
                                               locale=c.page.locale)  # fmt: skip


@router.get("/merchant/{merchant_id}/products/{product_id}", response_class=HTMLResponse)
async def product_page(c: Console, product_id: str) -> HTMLResponse:
    product = await run_in_threadpool(_product, c, product_id)
    categories = await run_in_threadpool(_categories, c.page.container, c.page.locale)
    return page(c, "console/product_edit.html", "products",
                {"product": product, "categories": categories})  # fmt: skip


async def _run(c: ConsoleContext, work: Callable[[], object], path: str, what: str) -> Response:
    try:
        await run_in_threadpool(work)
    except DomainError as exc:
        return refusal(c, exc)
    return done(c, path, what)


@router.post("/merchant/{merchant_id}/products/{product_id}", response_class=HTMLResponse)
async def update_product(c: Console, product_id: str) -> Response:
    form = await c.page.request.form()
    problems = Problems()
    translations = _translations(form, problems)
    category = _text(form, "category_id")
    if not category:
        problems.add("category_id", "console.form.category_required")
    version = _text(form, "version")
    if problems:
        return _invalid(c, problems)
    cmd = UpdateProduct(
        c.merchant_id, product_id, category_id=category, translations=translations,
        brand=_text(form, "brand") or None,
        expected_version=int(version) if version.isdigit() else None,
    )  # fmt: skip
    container = c.page.container

    def work() -> object:
        return services.update_product(cmd, uow=container.uow(), cache=container.cache)

    return await _run(c, work, f"/products/{product_id}", "saved")


@router.post("/merchant/{merchant_id}/products/{product_id}/list", response_class=HTMLResponse)
async def list_product(c: Console, product_id: str) -> Response:
    return await _change_status(c, product_id, services.list_product, "listed")


@router.post("/merchant/{merchant_id}/products/{product_id}/delist",
             response_class=HTMLResponse)  # fmt: skip
async def delist_product(c: Console, product_id: str) -> Response:
    return await _change_status(c, product_id, services.delist_product, "delisted")


async def _change_status(c: ConsoleContext, product_id: str, change: Callable[..., object],
                         what: str) -> Response:  # fmt: skip
    container = c.page.container
    cmd = ChangeProductStatus(c.merchant_id, product_id)

    def work() -> object:
        return change(cmd, uow=container.uow(), cache=container.cache)

    return await _run(c, work, f"/products/{product_id}", what)


@router.post("/merchant/{merchant_id}/products/{product_id}/skus", response_class=HTMLResponse)
async def add_sku(c: Console, product_id: str) -> Response:
    form = await c.page.request.form()
    problems = Problems()
    sku = _sku_form(form, problems)
    if problems or sku is None:
        return _invalid(c, problems)
    container = c.page.container

    def work() -> object:
        added = services.add_sku(
            AddSku(c.merchant_id, product_id, sku.sku_code, sales_attributes=sku.options),
            uow=container.uow(), cache=container.cache,
        )  # fmt: skip
        _set_prices(c, added.id, sku)
        return added

    return await _run(c, work, f"/products/{product_id}", "sku_added")


@router.post("/merchant/{merchant_id}/skus/{sku_id}", response_class=HTMLResponse)
async def update_sku(c: Console, sku_id: str) -> Response:
    form = await c.page.request.form()
    problems = Problems()
    sku = _sku_form(form, problems)
    product_id = _text(form, "product_id")
    if problems or sku is None:
        return _invalid(c, problems)
    container = c.page.container

    def work() -> object:
        cmd = UpdateSku(c.merchant_id, sku_id, sku_code=sku.sku_code,
                        sales_attributes=sku.options, is_active=sku.is_active)  # fmt: skip
        services.update_sku(cmd, uow=container.uow(), cache=container.cache)
        _set_prices(c, sku_id, sku)
        return None

    return await _run(c, work, f"/products/{product_id}", "saved")


# -- stock --------------------------------------------------------------------------------------
def _stock(c: ConsoleContext, at: Pager) -> dict[str, Any]:
    engine = c.page.container.engine
    key = text_key(at.after, "sku_id", "warehouse_id")
    levels = stock_queries.list_stock(engine, merchant_id=c.merchant_id, limit=at.per,
                                      after=(key[0], key[1]) if key else None)  # fmt: skip
    last = levels.items[-1] if levels.has_more else None
    following = {"sku_id": last.sku_id, "warehouse_id": last.warehouse_id} if last else None
    houses = stock_queries.list_warehouses(engine, merchant_id=c.merchant_id, limit=100)
    query = queries.ProductListQuery(merchant_id=c.merchant_id, sort="newest", limit=100,
                                     locale=c.page.locale)  # fmt: skip
    with queries.read_connection(engine) as conn:
        products = queries.list_products(conn, query, public=False).items
        named = {p["id"]: p["title"] for p in products}
        codes = queries.sku_codes_of_products(conn, list(named))
        skus = [(sku_id, f"{code} · {named[pid]}") for sku_id, code, pid in codes]
        titles = queries.product_titles(conn, [lv.product_id for lv in levels.items],
                                        locale=c.page.locale)  # fmt: skip
    return {"levels": levels.items, "warehouses": houses.items, "skus": skus, "titles": titles,
            "reasons": [r.value for r in AdjustmentReason],
            "pager": at.following(following, f"{c.base}/stock")}  # fmt: skip


@router.get("/merchant/{merchant_id}/stock", response_class=HTMLResponse)
async def stock_page(c: Console) -> HTMLResponse:
    at = pager(c.page.request, STOCK_PER_PAGE)
    return page(c, "console/stock.html", "stock", await run_in_threadpool(_stock, c, at))


def _quantity(form: FormData, name: str, problems: Problems, *, signed: bool = False) -> int:
    raw = _text(form, name)
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value == 0 or (value < 0 and not signed) or abs(value) > 1_000_000:
        problems.add(name, "console.form.bad_quantity", value=raw or "—")
    return value


@router.post("/merchant/{merchant_id}/stock/{kind}", response_class=HTMLResponse)
async def change_stock(c: Console, kind: str) -> Response:
    if kind not in ("receive", "adjust"):
        return refusal(c, "unknown_action", status_code=404)
    form = await c.page.request.form()
    problems = Problems()
    sku_id, warehouse_id = _text(form, "sku_id"), _text(form, "warehouse_id")
    if not sku_id or not warehouse_id:
        problems.add("sku_id", "console.form.sku_and_warehouse")
    quantity = _quantity(form, "quantity", problems, signed=kind == "adjust")
    reason = _text(form, "reason") or "correction"
    if kind == "adjust" and reason not in {r.value for r in AdjustmentReason}:
        problems.add("reason", "console.form.bad_reason")
    if problems:
        return _invalid(c, problems)
    operator, uow = Operator.merchant(c.merchant_id, c.actor), c.page.container.uow

    def work() -> object:
        if kind == "receive":
            return inventory.receive_stock(ReceiveStock(operator, sku_id, warehouse_id, quantity),
                                           uow=uow())  # fmt: skip
        cmd = AdjustStock(operator, sku_id, warehouse_id, AdjustmentReason(reason), delta=quantity)
        return inventory.adjust_stock(cmd, uow=uow())

    return await _run(c, work, "/stock", "received" if kind == "receive" else "adjusted")
