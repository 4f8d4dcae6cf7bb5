"""The product repository: a product with its translations, SKUs and price sets is one
aggregate; ``search_text`` (and SQLite's FTS5 row) is rewritten on every save."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from marketplace.catalog.adapters.tables import (
    product_translations,
    products,
    sku_prices,
    skus,
)
from marketplace.catalog.domain import (
    MemberLevel,
    MemberPrice,
    PriceSet,
    Product,
    ProductStatus,
    Sku,
    SkuStatus,
    TierPrice,
    Translation,
)
from marketplace.catalog.domain.errors import (
    DuplicateSkuAttributesError,
    ProductVersionConflictError,
    SkuCodeTakenError,
)
from marketplace.shared.currency import get_currency
from marketplace.shared.money import Money


def _price_sets(rows: Iterable[Row[Any]]) -> dict[str, dict[str, PriceSet]]:
    """Price rows grouped into ``{sku_id: {currency: PriceSet}}`` (first currency first)."""
    grouped: dict[str, dict[str, list[Row[Any]]]] = defaultdict(dict)
    for row in rows:
        grouped[row.sku_id].setdefault(row.currency, []).append(row)
    result: dict[str, dict[str, PriceSet]] = {}
    for sku_id, by_currency in grouped.items():
        result[sku_id] = {c: price_set_from_rows(c, rs) for c, rs in by_currency.items()}
    return result


def price_set_from_rows(currency_code: str, rows: Iterable[Any]) -> PriceSet:
    """Build a PriceSet from ``sku_prices`` rows of one SKU and currency (no re-validation:
    what is stored was validated on the way in). A row is anything with ``price_type``,
    ``member_level``, ``min_quantity`` and ``amount_minor``."""
    currency = get_currency(currency_code)
    list_price = Money.zero(currency)
    tiers: list[TierPrice] = []
    members: list[MemberPrice] = []
    for row in rows:
        amount = Money.from_minor(int(row.amount_minor), currency)
        if row.price_type == "list":
            list_price = amount
        elif row.price_type == "tier":
            tiers.append(TierPrice(int(row.min_quantity), amount))
        else:
            members.append(MemberPrice(MemberLevel(row.member_level), amount))
    return PriceSet(
        currency=currency,
        list_price=list_price,
        tiers=tuple(sorted(tiers, key=lambda t: t.min_quantity)),
        member_prices=tuple(sorted(members, key=lambda m: m.level.rank)),
    )


def _sku(row: Row[Any], prices: dict[str, PriceSet]) -> Sku:
    return Sku(
        id=row.id,
        product_id=row.product_id,
        merchant_id=row.merchant_id,
        sku_code=row.sku_code,
        barcode=row.barcode,
        sales_attributes=dict(row.sales_attributes),
        attributes_key=row.attributes_key,
        weight_grams=row.weight_grams,
        status=SkuStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        prices=prices,
    )


def _sku_values(sku: Sku) -> dict[str, Any]:
    return {
        "sku_code": sku.sku_code,
        "barcode": sku.barcode,
        "sales_attributes": sku.sales_attributes,
        "attributes_key": sku.attributes_key,
        "weight_grams": sku.weight_grams,
        "status": sku.status.value,
        "updated_at": sku.updated_at,
    }


def _raise_for_sku_integrity(exc: IntegrityError, sku: Sku) -> None:
    message = str(exc.orig)
    if "sku_code" in message:
        raise SkuCodeTakenError(sku.sku_code) from exc
    if "attributes_key" in message:
        raise DuplicateSkuAttributesError(sku.attributes_key) from exc
    raise exc


class SqlProductRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- reading the aggregate ---------------------------------------------------------------
    def get(self, product_id: str, *, for_update: bool = False) -> Product | None:
        query = select(products).where(products.c.id == product_id)
        if for_update:
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        if row is None:
            return None
        translations = {
            t.locale: Translation(t.title, t.description)
            for t in self.conn.execute(
                select(product_translations).where(product_translations.c.product_id == product_id)
            )
        }
        sku_rows = list(
            self.conn.execute(
                select(skus)
                .where(skus.c.product_id == product_id)
                .order_by(skus.c.created_at, skus.c.id)
            )
        )
        price_rows = self.conn.execute(
            select(sku_prices)
            .where(sku_prices.c.sku_id.in_([s.id for s in sku_rows]))
            .order_by(sku_prices.c.id)
        )
        prices = _price_sets(price_rows) if sku_rows else {}
        return Product(
            id=row.id,
            merchant_id=row.merchant_id,
            shop_id=row.shop_id,
            category_id=row.category_id,
            status=ProductStatus(row.status),
            brand=row.brand,
            attributes=dict(row.attributes),
            default_locale=row.default_locale,
            translations=translations,
            created_at=row.created_at,
            updated_at=row.updated_at,
            listed_at=row.listed_at,
            skus=[_sku(s, prices.get(s.id, {})) for s in sku_rows],
            sales_count=int(row.sales_count),
            version=int(row.version),
        )

    def get_by_sku(self, sku_id: str, *, for_update: bool = False) -> Product | None:
        product_id = self.conn.execute(
            select(skus.c.product_id).where(skus.c.id == sku_id)
        ).scalar_one_or_none()
        return self.get(product_id, for_update=for_update) if product_id else None

    def product_ids_of_merchant(self, merchant_id: str) -> list[str]:
        query = select(products.c.id).where(products.c.merchant_id == merchant_id)
        return list(self.conn.execute(query).scalars())

    def sku_code_taken(
        self, merchant_id: str, sku_code: str, *, except_sku_id: str | None = None
    ) -> bool:
        query = select(skus.c.id).where(
            and_(skus.c.merchant_id == merchant_id, skus.c.sku_code == sku_code)
        )
        if except_sku_id:
            query = query.where(skus.c.id != except_sku_id)
        return self.conn.execute(query.limit(1)).first() is not None

    # -- writing -------------------------------------------------------------------------------
    def _derived(self, product: Product, price_currency: str) -> dict[str, Any]:
        price = product.display_price(price_currency)
        return {
            "search_text": product.search_text(),
            "price_currency": price.currency.code if price else None,
            "min_price_minor": price.minor if price else None,
        }

    def _product_values(self, product: Product) -> dict[str, Any]:
        return {
            "shop_id": product.shop_id,
            "category_id": product.category_id,
            "status": product.status.value,
            "brand": product.brand,
            "attributes": product.attributes,
            "default_locale": product.default_locale,
            "updated_at": product.updated_at,
            "listed_at": product.listed_at,
        }

    def add(self, product: Product, *, price_currency: str) -> None:
        derived = self._derived(product, price_currency)
        self.conn.execute(
            insert(products).values(
                id=product.id,
                merchant_id=product.merchant_id,
                sales_count=product.sales_count,
                version=product.version,
                created_at=product.created_at,
                **self._product_values(product),
                **derived,
            )
        )
        self._write_translations(product)
        self._sync_fts(product.id, derived["search_text"], is_new=True)

    def save(self, product: Product, *, price_currency: str) -> None:
        """Write the product row and translations; bump ``version`` (optimistic check)."""
        derived = self._derived(product, price_currency)
        result = self.conn.execute(
            update(products)
            .where(products.c.id == product.id, products.c.version == product.version)
            .values(version=products.c.version + 1, **self._product_values(product), **derived)
        )
        if result.rowcount != 1:
            current = self.conn.execute(
                select(products.c.version).where(products.c.id == product.id)
            ).scalar_one()
            raise ProductVersionConflictError(product.id, product.version, int(current))
        product.version += 1
        self.conn.execute(
            delete(product_translations).where(product_translations.c.product_id == product.id)
        )
        self._write_translations(product)
        self._sync_fts(product.id, derived["search_text"], is_new=False)

    def _write_translations(self, product: Product) -> None:
        if product.translations:
            self.conn.execute(
                insert(product_translations),
                [
                    {"product_id": product.id, "locale": tag, "title": t.title,
                     "description": t.description}
                    for tag, t in product.translations.items()
                ],
            )  # fmt: skip

    def _sync_fts(self, product_id: str, search_text: str, *, is_new: bool) -> None:
        """SQLite's FTS5 table follows ``products.search_text`` in the same transaction."""
        if self.conn.dialect.name != "sqlite":
            return
        if not is_new:
            self.conn.execute(
                text("DELETE FROM products_fts WHERE product_id = :id"), {"id": product_id}
            )
        self.conn.execute(
            text("INSERT INTO products_fts (product_id, search_text) VALUES (:id, :text)"),
            {"id": product_id, "text": search_text},
        )

    def add_sku(self, sku: Sku) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    insert(skus).values(
                        id=sku.id,
                        product_id=sku.product_id,
                        merchant_id=sku.merchant_id,
                        created_at=sku.created_at,
                        **_sku_values(sku),
                    )
                )
        except IntegrityError as exc:
            _raise_for_sku_integrity(exc, sku)

    def update_sku(self, sku: Sku) -> None:
        try:
            with self.conn.begin_nested():
                self.conn.execute(
                    update(skus).where(skus.c.id == sku.id).values(**_sku_values(sku))
                )
        except IntegrityError as exc:
            _raise_for_sku_integrity(exc, sku)

    def replace_prices(self, sku_id: str, prices: PriceSet, *, now: datetime) -> None:
        """The SKU's prices in ``prices.currency`` become exactly ``prices``."""
        code = prices.currency.code
        self.conn.execute(
            delete(sku_prices).where(sku_prices.c.sku_id == sku_id, sku_prices.c.currency == code)
        )
        rows = [("list", "", 1, prices.list_price)]
        rows += [("tier", "", t.min_quantity, t.amount) for t in prices.tiers]
        rows += [("member", m.level.value, 1, m.amount) for m in prices.member_prices]
        self.conn.execute(
            insert(sku_prices),
            [
                {"sku_id": sku_id, "currency": code, "price_type": kind, "member_level": level,
                 "min_quantity": qty, "amount_minor": amount.minor, "updated_at": now}
                for kind, level, qty, amount in rows
            ],
        )  # fmt: skip
