"""Use cases of products, SKUs and prices. Each opens the unit of work, changes the
product aggregate (locked) through its repository, commits, and drops the cached product
page after the commit."""

from __future__ import annotations

from marketplace.catalog.cache import invalidate_product, invalidate_products
from marketplace.catalog.domain import (
    MemberPrice,
    PriceSet,
    Product,
    ProductStatus,
    Sku,
    SkuStatus,
    TierPrice,
    attributes_key,
)
from marketplace.catalog.domain.commands import (
    UNSET,
    AddSku,
    ChangeProductStatus,
    CreateProduct,
    SetSkuPrices,
    TranslationInput,
    UpdateProduct,
    UpdateSku,
)
from marketplace.catalog.domain.errors import (
    CategoryInactiveError,
    InvalidAttributesError,
    MerchantNotFoundError,
    ProductNotFoundError,
    ProductVersionConflictError,
    SkuCodeTakenError,
    SkuNotFoundError,
    UnknownCategoryError,
    UnknownShopError,
)
from marketplace.catalog.domain.events import PriceSource, price_changed, product_updated
from marketplace.catalog.domain.locale import normalize_locale
from marketplace.catalog.domain.pricing import parse_member_level
from marketplace.catalog.domain.products import (
    MAX_BRAND,
    Translation,
    clean_attributes,
    clean_sku_code,
    clean_weight,
    validate_barcode,
)
from marketplace.catalog.ports import CatalogUnitOfWork, MerchantView
from marketplace.shared.currency import get_currency
from marketplace.shared.ids import new_id
from marketplace.shared.money import Money
from marketplace.shared.ports import Cache


def create_product(cmd: CreateProduct, *, uow: CatalogUnitOfWork, cache: Cache) -> Product:
    """Create a draft product for a merchant (SKUs and prices are added afterwards)."""
    attributes = clean_attributes(cmd.attributes)
    translations = _translations(cmd.translations)
    with uow:
        merchant = _merchant(uow, cmd.merchant_id)
        _check_category(uow, cmd.category_id)
        now = uow.clock.now()
        product = Product(
            id=new_id("prod"),
            merchant_id=merchant.id,
            shop_id=_shop(uow, merchant.id, cmd.shop_id, default_first=True),
            category_id=cmd.category_id,
            status=ProductStatus.DRAFT,
            brand=_brand(cmd.brand),
            attributes=attributes,
            default_locale=normalize_locale(cmd.default_locale or merchant.default_locale),
            translations=translations,
            created_at=now,
            updated_at=now,
        )
        uow.products.add(product, price_currency=merchant.default_currency)
        _invalidate_after_commit(uow, cache, product.id)
        uow.commit()
    return product


def update_product(cmd: UpdateProduct, *, uow: CatalogUnitOfWork, cache: Cache) -> Product:
    """Change a product's details; translations are upserted per locale."""
    with uow:
        merchant, product = _own_product(uow, cmd.merchant_id, cmd.product_id)
        if cmd.expected_version is not None and cmd.expected_version != product.version:
            raise ProductVersionConflictError(product.id, cmd.expected_version, product.version)
        if cmd.category_id is not UNSET and cmd.category_id != product.category_id:
            _check_category(uow, cmd.category_id)
            product.category_id = cmd.category_id
        if cmd.shop_id is not UNSET:
            product.shop_id = _shop(uow, merchant.id, cmd.shop_id, default_first=False)
        if cmd.brand is not UNSET:
            product.brand = _brand(cmd.brand)
        if cmd.attributes is not UNSET:
            product.attributes = clean_attributes(cmd.attributes)
        if cmd.default_locale is not UNSET:
            product.default_locale = normalize_locale(cmd.default_locale)
        if cmd.translations is not UNSET:
            product.translations = {**product.translations, **_translations(cmd.translations)}
        product.updated_at = uow.clock.now()
        uow.products.save(product, price_currency=merchant.default_currency)
        uow.outbox.add(product_updated(product, now=uow.clock.now()))
        _invalidate_after_commit(uow, cache, product.id)
        uow.commit()
    return product


def list_product(cmd: ChangeProductStatus, *, uow: CatalogUnitOfWork, cache: Cache) -> Product:
    """Put a product on sale (draft or delisted -> listed)."""
    with uow:
        merchant, product = _own_product(uow, cmd.merchant_id, cmd.product_id)
        product.list_for_sale(merchant_status=merchant.status, now=uow.clock.now())
        uow.products.save(product, price_currency=merchant.default_currency)
        uow.outbox.add(product_updated(product, now=uow.clock.now()))
        _invalidate_after_commit(uow, cache, product.id)
        uow.commit()
    return product


def delist_product(cmd: ChangeProductStatus, *, uow: CatalogUnitOfWork, cache: Cache) -> Product:
    """Take a product off sale (listed -> delisted)."""
    with uow:
        merchant, product = _own_product(uow, cmd.merchant_id, cmd.product_id)
        product.delist(now=uow.clock.now())
        uow.products.save(product, price_currency=merchant.default_currency)
        uow.outbox.add(product_updated(product, now=uow.clock.now()))
        _invalidate_after_commit(uow, cache, product.id)
        uow.commit()
    return product


def invalidate_merchant_catalog(merchant_id: str, *, uow: CatalogUnitOfWork, cache: Cache) -> None:
    """Drop the cached details of every product of a merchant once ``uow`` commits.

    For the merchant lifecycle (suspension): call it inside the unit of work that changes
    the merchant's status, before its commit.
    """
    product_ids = uow.products.product_ids_of_merchant(merchant_id)
    uow.on_commit(lambda: invalidate_products(cache, product_ids))


# -- SKUs and prices -------------------------------------------------------------------------


def add_sku(cmd: AddSku, *, uow: CatalogUnitOfWork, cache: Cache) -> Sku:
    """Add a SKU (one combination of sales attributes) to a product."""
    sales_attributes = clean_attributes(cmd.sales_attributes, limit=5)
    key = attributes_key(sales_attributes)
    sku_code = clean_sku_code(cmd.sku_code)
    barcode = validate_barcode(cmd.barcode) if cmd.barcode else None
    weight = clean_weight(cmd.weight_grams)
    with uow:
        merchant, product = _own_product(uow, cmd.merchant_id, cmd.product_id)
        if uow.products.sku_code_taken(merchant.id, sku_code):
            raise SkuCodeTakenError(sku_code)
        now = uow.clock.now()
        sku = Sku(
            id=new_id("sku"),
            product_id=product.id,
            merchant_id=merchant.id,
            sku_code=sku_code,
            barcode=barcode,
            sales_attributes=sales_attributes,
            attributes_key=key,
            weight_grams=weight,
            status=SkuStatus.ACTIVE if cmd.is_active else SkuStatus.INACTIVE,
            created_at=now,
            updated_at=now,
        )
        product.add_sku(sku)
        uow.products.add_sku(sku)
        product.updated_at = now
        uow.products.save(product, price_currency=merchant.default_currency)
        uow.outbox.add(product_updated(product, now=uow.clock.now()))
        _invalidate_after_commit(uow, cache, product.id)
        uow.commit()
    return sku


def update_sku(cmd: UpdateSku, *, uow: CatalogUnitOfWork, cache: Cache) -> Sku:
    """Change a SKU's code, barcode, weight, sales attributes or status."""
    with uow:
        merchant, product = _own_sku_product(uow, cmd.merchant_id, cmd.sku_id)
        sku = product.sku(cmd.sku_id)
        if cmd.sku_code is not UNSET:
            sku.sku_code = clean_sku_code(cmd.sku_code)
            if uow.products.sku_code_taken(merchant.id, sku.sku_code, except_sku_id=sku.id):
                raise SkuCodeTakenError(sku.sku_code)
        if cmd.sales_attributes is not UNSET:
            sku.sales_attributes = clean_attributes(cmd.sales_attributes, limit=5)
            sku.attributes_key = attributes_key(sku.sales_attributes)
            product.ensure_attributes_free(sku.attributes_key, except_sku_id=sku.id)
        if cmd.barcode is not UNSET:
            sku.barcode = validate_barcode(cmd.barcode) if cmd.barcode else None
        if cmd.weight_grams is not UNSET:
            sku.weight_grams = clean_weight(cmd.weight_grams)
        if cmd.is_active is not UNSET:
            sku.status = SkuStatus.ACTIVE if cmd.is_active else SkuStatus.INACTIVE
            product.ensure_still_sellable()
        sku.updated_at = product.updated_at = uow.clock.now()
        uow.products.update_sku(sku)
        uow.products.save(product, price_currency=merchant.default_currency)
        uow.outbox.add(product_updated(product, now=uow.clock.now()))
        _invalidate_after_commit(uow, cache, product.id)
        uow.commit()
    return sku


def set_sku_prices(cmd: SetSkuPrices, *, uow: CatalogUnitOfWork, cache: Cache) -> PriceSet:
    """Replace a SKU's list, tier and member prices in one currency, all at once."""
    currency = get_currency(cmd.currency)
    prices = PriceSet.create(
        Money.of(cmd.list_price, currency),
        [TierPrice(t.min_quantity, Money.of(t.amount, currency)) for t in cmd.tiers],
        [MemberPrice(parse_member_level(m.level), Money.of(m.amount, currency))
         for m in cmd.member_prices],
    )  # fmt: skip
    with uow:
        replace_sku_prices(cmd.merchant_id, cmd.sku_id, prices, uow=uow, cache=cache)
        uow.commit()
    return prices


def replace_sku_prices(
    merchant_id: str, sku_id: str, prices: PriceSet, *, uow: CatalogUnitOfWork, cache: Cache,
    source: PriceSource | None = None,
) -> PriceSet | None:  # fmt: skip
    """What ``set_sku_prices`` does inside its unit of work, for use cases that change
    prices as part of their own transaction (accepting a price suggestion): lock the
    merchant's product, make ``prices`` the SKU's prices in their currency, record
    ``price.changed`` (with ``source``, None for a manual change) and drop the cached page
    after the commit. The caller opens and commits ``uow``. Returns the replaced set (None
    when the SKU had no price in that currency)."""
    merchant, product = _own_sku_product(uow, merchant_id, sku_id)
    sku = product.sku(sku_id)
    previous = sku.prices.get(prices.currency.code)
    sku.prices[prices.currency.code] = prices
    now = uow.clock.now()
    uow.products.replace_prices(sku.id, prices, now=now)
    product.updated_at = now
    uow.products.save(product, price_currency=merchant.default_currency)
    uow.outbox.add(price_changed(sku, prices, previous, now=now, source=source))
    _invalidate_after_commit(uow, cache, product.id)
    return previous


# -- helpers -------------------------------------------------------------------------------


def _invalidate_after_commit(uow: CatalogUnitOfWork, cache: Cache, product_id: str) -> None:
    uow.on_commit(lambda: invalidate_product(cache, product_id))


def _merchant(uow: CatalogUnitOfWork, merchant_id: str) -> MerchantView:
    merchant = uow.merchants.get(merchant_id)
    if merchant is None:
        raise MerchantNotFoundError(merchant_id)
    return merchant


def _own_product(
    uow: CatalogUnitOfWork, merchant_id: str, product_id: str
) -> tuple[MerchantView, Product]:
    """The merchant's product, locked; another merchant's product is simply not found."""
    product = uow.products.get(product_id, for_update=True)
    if product is None or product.merchant_id != merchant_id:
        raise ProductNotFoundError(product_id)
    return _merchant(uow, merchant_id), product


def _own_sku_product(
    uow: CatalogUnitOfWork, merchant_id: str, sku_id: str
) -> tuple[MerchantView, Product]:
    product = uow.products.get_by_sku(sku_id, for_update=True)
    if product is None or product.merchant_id != merchant_id:
        raise SkuNotFoundError(sku_id)
    return _merchant(uow, merchant_id), product


def _check_category(uow: CatalogUnitOfWork, category_id: str) -> None:
    category = uow.categories.get(category_id)
    if category is None:
        raise UnknownCategoryError(category_id)
    if not category.is_active:
        raise CategoryInactiveError(category_id)


def _shop(
    uow: CatalogUnitOfWork, merchant_id: str, shop_id: str | None, *, default_first: bool
) -> str | None:
    shop_ids = [shop.id for shop in uow.shops.list_for_merchant(merchant_id)]
    if shop_id is None:
        return shop_ids[0] if default_first and shop_ids else None
    if shop_id not in shop_ids:
        raise UnknownShopError(shop_id)
    return shop_id


def _brand(brand: str | None) -> str | None:
    cleaned = " ".join((brand or "").split())
    if len(cleaned) > MAX_BRAND:
        raise InvalidAttributesError(f"A brand is at most {MAX_BRAND} characters.")
    return cleaned or None


def _translations(inputs: dict[str, TranslationInput]) -> dict[str, Translation]:
    return {
        normalize_locale(tag): Translation.create(t.title, t.description)
        for tag, t in inputs.items()
    }
