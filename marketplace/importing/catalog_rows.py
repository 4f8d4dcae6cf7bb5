"""Rows of the catalog tables for category and product records, as the catalog services
write them. The derived product columns (search text, display price) come from the
catalog's own domain objects, so they cannot drift from what the services compute."""

from __future__ import annotations

from typing import Any

from marketplace.catalog.domain import (
    PriceSet,
    Product,
    ProductStatus,
    Sku,
    SkuStatus,
    TierPrice,
    Translation,
    attributes_key,
)
from marketplace.importing.records import CategoryRecord, PriceRecord, ProductRecord
from marketplace.shared.money import Money

Row = dict[str, Any]


def category_row(rec: CategoryRecord, parent: tuple[str, int] | None) -> Row:
    """``parent``: the parent's (path, depth), None for a root."""
    path, depth = (parent[0], parent[1] + 1) if parent else ("/", 0)
    return {
        "id": rec.id, "parent_id": rec.parent_id, "slug": rec.slug, "names": dict(rec.names),
        "path": f"{path}{rec.id}/", "depth": depth, "position": rec.position,
        "is_active": True, "created_at": rec.created_at, "updated_at": rec.created_at,
    }  # fmt: skip


def _price_set(price: PriceRecord) -> PriceSet:
    tiers = [TierPrice(q, Money.of(a, price.currency)) for q, a in price.tiers]
    return PriceSet.create(Money.of(price.list_price, price.currency), tiers)


def _product(rec: ProductRecord) -> Product:
    at = rec.created_at
    skus = [
        Sku(id=s.id, product_id=rec.id, merchant_id=rec.merchant_id, sku_code=s.sku_code,
            barcode=s.barcode, sales_attributes=dict(s.sales_attributes),
            attributes_key=attributes_key(s.sales_attributes), weight_grams=s.weight_grams,
            status=SkuStatus.ACTIVE, created_at=at, updated_at=at,
            prices={p.currency: _price_set(p) for p in s.prices})
        for s in rec.skus
    ]  # fmt: skip
    translations = {
        tag: Translation.create(title, rec.descriptions.get(tag))
        for tag, title in rec.titles.items()
    }
    return Product(
        id=rec.id, merchant_id=rec.merchant_id, shop_id=rec.shop_id, category_id=rec.category_id,
        status=ProductStatus.LISTED if rec.is_listed else ProductStatus.DRAFT, brand=rec.brand,
        attributes=dict(rec.attributes), default_locale=rec.default_locale,
        translations=translations, created_at=at, updated_at=at,
        listed_at=at if rec.is_listed else None, skus=skus,
    )  # fmt: skip


def product_rows(rec: ProductRecord) -> dict[str, list[Row]]:
    """products, product_translations, skus and sku_prices rows of one product."""
    product, at = _product(rec), rec.created_at
    price = product.display_price(rec.price_currency)
    # The services bump the version on create, on each SKU, on each price set and on listing.
    version = 1 + len(rec.skus) + sum(len(s.prices) for s in rec.skus) + int(rec.is_listed)
    row = {
        "id": product.id, "merchant_id": product.merchant_id, "shop_id": product.shop_id,
        "category_id": product.category_id, "status": product.status.value,
        "brand": product.brand, "attributes": product.attributes,
        "default_locale": product.default_locale, "search_text": product.search_text(),
        "price_currency": price.currency.code if price else None,
        "min_price_minor": price.minor if price else None, "sales_count": 0,
        "version": version, "created_at": at, "updated_at": at, "listed_at": product.listed_at,
    }  # fmt: skip
    translations = [
        {"product_id": product.id, "locale": tag, "title": t.title, "description": t.description}
        for tag, t in product.translations.items()
    ]
    sku_rows = [
        {"id": s.id, "product_id": product.id, "merchant_id": product.merchant_id,
         "sku_code": s.sku_code, "barcode": s.barcode, "sales_attributes": s.sales_attributes,
         "attributes_key": s.attributes_key, "weight_grams": s.weight_grams,
         "status": s.status.value, "created_at": at, "updated_at": at}
        for s in product.skus
    ]  # fmt: skip
    prices = [
        {"sku_id": s.id, "currency": code, "price_type": kind, "member_level": "",
         "min_quantity": qty, "amount_minor": amount.minor, "updated_at": at}
        for s in product.skus
        for code, ps in s.prices.items()
        for kind, qty, amount in [("list", 1, ps.list_price)]
        + [("tier", t.min_quantity, t.amount) for t in ps.tiers]
    ]  # fmt: skip
    return {
        "products": [row],
        "product_translations": translations,
        "skus": sku_rows,
        "sku_prices": prices,
    }
