"""Products, SKUs and prices through the services and repositories, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from marketplace.catalog import queries, services
from marketplace.catalog.adapters.tables import product_translations, products, sku_prices, skus
from marketplace.catalog.domain.commands import (
    AddSku,
    ChangeProductStatus,
    CreateProduct,
    MemberPriceInput,
    SetSkuPrices,
    TierInput,
    TranslationInput,
    UpdateCategory,
    UpdateProduct,
    UpdateSku,
)
from marketplace.catalog.domain.errors import (
    CategoryInactiveError,
    DuplicateSkuAttributesError,
    IllegalProductTransitionError,
    InvalidBarcodeError,
    InvalidTierPricesError,
    ListedProductNeedsSkuError,
    MerchantNotApprovedError,
    ProductIncompleteError,
    ProductNotFoundError,
    ProductVersionConflictError,
    SkuCodeTakenError,
    SkuNotFoundError,
    UnknownShopError,
)
from marketplace.shared.clock import FixedClock
from tests.integration.catalog_seed import Catalog, insert_merchant, set_merchant_status


@pytest.fixture
def catalog(any_engine: Engine, clock: FixedClock) -> Catalog:
    return Catalog(any_engine, clock)


@pytest.fixture
def merchant(any_engine: Engine, clock: FixedClock) -> str:
    return insert_merchant(any_engine, clock)[0]


@pytest.fixture
def category(catalog: Catalog) -> str:
    return catalog.category("Dresses", zh="连衣裙")


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    with engine.connect() as conn:
        return {
            t.name: sorted(map(tuple, conn.execute(select(t))), key=repr)
            for t in (products, product_translations, skus, sku_prices)
        }


def product_row(engine: Engine, product_id: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(products).where(products.c.id == product_id)).one()


def test_create_product_and_translations(
    catalog: Catalog, merchant: str, category: str, any_engine: Engine
) -> None:
    product = services.create_product(
        CreateProduct(
            merchant_id=merchant,
            category_id=category,
            brand=" Acme ",
            attributes={"material": "Cotton"},
            translations={
                "zh-cn": TranslationInput("夏季连衣裙", "纯棉"),
                "en": TranslationInput("Summer Dress"),
            },
        ),
        uow=catalog.uow(),
        cache=catalog.cache,
    )
    assert product.status.value == "draft"
    assert product.default_locale == "zh"  # the merchant's
    assert product.shop_id is not None  # the merchant's first shop
    assert set(product.translations) == {"zh-CN", "en"}
    row = product_row(any_engine, product.id)
    assert row.brand == "Acme"
    assert row.version == 1
    assert "夏季连衣裙" in row.search_text
    assert "summer dress" in row.search_text
    assert "cotton" in row.search_text
    assert row.min_price_minor is None


def test_refusals_on_create(
    catalog: Catalog, merchant: str, category: str, any_engine: Engine
) -> None:
    before = snapshot(any_engine)
    with pytest.raises(UnknownShopError):
        services.create_product(
            CreateProduct(merchant, category, {"en": TranslationInput("x")}, shop_id="shop_x"),
            uow=catalog.uow(),
            cache=catalog.cache,
        )
    services.update_category(UpdateCategory(category, is_active=False), uow=catalog.uow())
    with pytest.raises(CategoryInactiveError):
        catalog.product(merchant, category, titles={"en": "x"})
    assert snapshot(any_engine) == before


def test_skus_codes_attributes_and_barcodes(
    catalog: Catalog, merchant: str, category: str, any_engine: Engine, clock: FixedClock
) -> None:
    pid = catalog.product(merchant, category, titles={"en": "Dress"}, skus=(), listed=False)
    sku = services.add_sku(
        AddSku(
            merchant,
            pid,
            "DRESS-RED-M",
            {"colour": "Red", "size": "M"},
            barcode="4006381333931",
            weight_grams=250,
        ),
        uow=catalog.uow(),
        cache=catalog.cache,
    )
    assert sku.attributes_key == '{"colour":"red","size":"m"}'
    before = snapshot(any_engine)
    with pytest.raises(DuplicateSkuAttributesError):
        services.add_sku(
            AddSku(merchant, pid, "OTHER", {"SIZE": "m", "colour": "RED"}),
            uow=catalog.uow(),
            cache=catalog.cache,
        )
    with pytest.raises(SkuCodeTakenError):
        services.add_sku(
            AddSku(merchant, pid, "DRESS-RED-M", {"colour": "blue"}),
            uow=catalog.uow(),
            cache=catalog.cache,
        )
    with pytest.raises(InvalidBarcodeError):
        services.add_sku(
            AddSku(merchant, pid, "X", {"colour": "blue"}, barcode="4006381333932"),
            uow=catalog.uow(),
            cache=catalog.cache,
        )
    assert snapshot(any_engine) == before
    # Another merchant may use the same code.
    other = insert_merchant(any_engine, clock)[0]
    other_pid = catalog.product(other, category, titles={"en": "Other"}, skus=(), listed=False)
    services.add_sku(
        AddSku(other, other_pid, "DRESS-RED-M"), uow=catalog.uow(), cache=catalog.cache
    )
    # Updating into a clash is refused too; a clean update works.
    blue = catalog.sku(merchant, pid, {"colour": "blue", "size": "M"}, None)
    with pytest.raises(DuplicateSkuAttributesError):
        services.update_sku(
            UpdateSku(merchant, blue, sales_attributes={"colour": "red", "size": "M"}),
            uow=catalog.uow(),
            cache=catalog.cache,
        )
    updated = services.update_sku(
        UpdateSku(merchant, blue, sku_code="DRESS-BLUE-M", barcode=None, weight_grams=240),
        uow=catalog.uow(),
        cache=catalog.cache,
    )
    assert (updated.sku_code, updated.weight_grams) == ("DRESS-BLUE-M", 240)


def test_prices_replace_per_currency_and_keep_the_display_price(
    catalog: Catalog, merchant: str, category: str, any_engine: Engine
) -> None:
    pid = catalog.product(merchant, category, titles={"en": "Dress"}, skus=(), listed=False)
    red = catalog.sku(merchant, pid, {"colour": "red"}, "199.00")
    blue = catalog.sku(merchant, pid, {"colour": "blue"}, None)
    services.set_sku_prices(
        SetSkuPrices(merchant, blue, "USD", "30.00"), uow=catalog.uow(), cache=catalog.cache
    )
    assert product_row(any_engine, pid).min_price_minor == 19900  # CNY: merchant currency
    services.set_sku_prices(
        SetSkuPrices(
            merchant,
            red,
            "CNY",
            "179.00",
            tiers=(TierInput(10, "169.00"), TierInput(50, "159.00")),
            member_prices=(MemberPriceInput("gold", "175.00"),),
        ),
        uow=catalog.uow(),
        cache=catalog.cache,
    )
    row = product_row(any_engine, pid)
    assert (row.price_currency, row.min_price_minor) == ("CNY", 17900)
    # Replacing drops the old tiers; a bad set changes nothing at all.
    services.set_sku_prices(
        SetSkuPrices(merchant, red, "CNY", "189.00", tiers=(TierInput(5, "180.00"),)),
        uow=catalog.uow(),
        cache=catalog.cache,
    )
    before = snapshot(any_engine)
    with pytest.raises(InvalidTierPricesError):
        services.set_sku_prices(
            SetSkuPrices(merchant, red, "CNY", "100.00", tiers=(TierInput(5, "120.00"),)),
            uow=catalog.uow(),
            cache=catalog.cache,
        )
    assert snapshot(any_engine) == before
    with any_engine.connect() as conn:
        red_rows = conn.execute(
            select(
                sku_prices.c.currency,
                sku_prices.c.price_type,
                sku_prices.c.min_quantity,
                sku_prices.c.amount_minor,
            ).where(sku_prices.c.sku_id == red)
        ).all()
    assert sorted(map(tuple, red_rows)) == [("CNY", "list", 1, 18900), ("CNY", "tier", 5, 18000)]


def test_status_flow_and_guards(
    catalog: Catalog, merchant: str, category: str, any_engine: Engine, clock: FixedClock
) -> None:
    pid = catalog.product(merchant, category, titles={"en": "Dress"}, skus=(), listed=False)
    with pytest.raises(ProductIncompleteError):
        catalog.list(merchant, pid)
    sku = catalog.sku(merchant, pid, {}, "10.00")
    set_merchant_status(any_engine, merchant, "suspended")
    with pytest.raises(MerchantNotApprovedError):
        catalog.list(merchant, pid)
    assert product_row(any_engine, pid).status == "draft"
    set_merchant_status(any_engine, merchant, "approved")
    catalog.list(merchant, pid)
    row = product_row(any_engine, pid)
    assert (row.status, row.listed_at) == ("listed", clock.now())
    with pytest.raises(IllegalProductTransitionError):
        catalog.list(merchant, pid)
    with pytest.raises(ListedProductNeedsSkuError):
        services.update_sku(
            UpdateSku(merchant, sku, is_active=False), uow=catalog.uow(), cache=catalog.cache
        )
    cmd = ChangeProductStatus(merchant, pid)
    services.delist_product(cmd, uow=catalog.uow(), cache=catalog.cache)
    with pytest.raises(IllegalProductTransitionError):
        services.delist_product(cmd, uow=catalog.uow(), cache=catalog.cache)
    services.list_product(cmd, uow=catalog.uow(), cache=catalog.cache)
    assert product_row(any_engine, pid).status == "listed"


def test_other_merchants_products_are_not_found(
    catalog: Catalog, merchant: str, category: str, any_engine: Engine, clock: FixedClock
) -> None:
    pid = catalog.product(merchant, category, titles={"en": "Dress"})
    sku_id = product_sku(any_engine, pid)
    intruder = insert_merchant(any_engine, clock)[0]
    before = snapshot(any_engine)
    with pytest.raises(ProductNotFoundError):
        services.update_product(
            UpdateProduct(intruder, pid, brand="Hacked"), uow=catalog.uow(), cache=catalog.cache
        )
    with pytest.raises(ProductNotFoundError):
        services.delist_product(
            ChangeProductStatus(intruder, pid), uow=catalog.uow(), cache=catalog.cache
        )
    with pytest.raises(SkuNotFoundError):
        services.set_sku_prices(
            SetSkuPrices(intruder, sku_id, "CNY", "0.01"), uow=catalog.uow(), cache=catalog.cache
        )
    with pytest.raises(ProductNotFoundError):
        services.add_sku(AddSku(intruder, pid, "X"), uow=catalog.uow(), cache=catalog.cache)
    assert snapshot(any_engine) == before


def product_sku(engine: Engine, product_id: str) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(select(skus.c.id).where(skus.c.product_id == product_id)).scalar_one()
        )


def test_update_keeps_search_text_in_sync_and_checks_versions(
    catalog: Catalog, merchant: str, category: str, any_engine: Engine
) -> None:
    pid = catalog.product(merchant, category, titles={"en": "Dress"})
    version = product_row(any_engine, pid).version
    updated = services.update_product(
        UpdateProduct(
            merchant,
            pid,
            brand="Zephyr",
            attributes={"pattern": "Floral"},
            translations={"zh": TranslationInput("碎花连衣裙", "雪纺")},
            expected_version=version,
        ),
        uow=catalog.uow(),
        cache=catalog.cache,
    )
    assert updated.version == version + 1
    assert set(updated.translations) == {"en", "zh"}
    row = product_row(any_engine, pid)
    assert "zephyr" in row.search_text
    assert "碎花连衣裙" in row.search_text
    assert "floral" in row.search_text
    with pytest.raises(ProductVersionConflictError):
        services.update_product(
            UpdateProduct(merchant, pid, brand="Late", expected_version=version),
            uow=catalog.uow(),
            cache=catalog.cache,
        )
    if any_engine.dialect.name == "sqlite":
        with any_engine.connect() as conn:
            fts = (
                conn.execute(
                    text("SELECT search_text FROM products_fts WHERE product_id = :id"), {"id": pid}
                )
                .scalars()
                .all()
            )
        assert fts == [row.search_text]


def test_price_quote(catalog: Catalog, merchant: str, category: str, any_engine: Engine) -> None:
    pid = catalog.product(merchant, category, titles={"en": "Dress"})
    sku = product_sku(any_engine, pid)
    services.set_sku_prices(
        SetSkuPrices(
            merchant,
            sku,
            "CNY",
            "100.00",
            tiers=(TierInput(10, "90.00"),),
            member_prices=(MemberPriceInput("gold", "85.00"),),
        ),
        uow=catalog.uow(),
        cache=catalog.cache,
    )
    with queries.read_connection(any_engine) as conn:
        quote = queries.sku_price_quote(conn, sku, currency="cny", quantity=10)
        gold = queries.sku_price_quote(
            conn, sku, currency="CNY", quantity=10, member_level="platinum"
        )
    assert (quote["unit_price"], quote["rule"], quote["tier_min_quantity"]) == (
        {"amount": "90.00", "currency": "CNY"},
        "tier",
        10,
    )
    assert quote["total"] == {"amount": "900.00", "currency": "CNY"}
    assert (gold["unit_price"]["amount"], gold["rule"], gold["applied_member_level"]) == (
        "85.00",
        "member",
        "gold",
    )
