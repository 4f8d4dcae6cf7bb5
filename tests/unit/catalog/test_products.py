from datetime import UTC, datetime

import pytest

from marketplace.catalog.domain import (
    PriceSet,
    Product,
    ProductStatus,
    Sku,
    SkuStatus,
    Translation,
    attributes_key,
    validate_barcode,
)
from marketplace.catalog.domain.errors import (
    DuplicateSkuAttributesError,
    IllegalProductTransitionError,
    InvalidAttributesError,
    InvalidBarcodeError,
    InvalidTranslationError,
    ListedProductNeedsSkuError,
    MerchantNotApprovedError,
    ProductIncompleteError,
)
from marketplace.catalog.domain.products import clean_attributes, gtin_check_digit
from marketplace.shared.money import Money

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def make_sku(
    sku_id: str = "sku_1", *, attrs: dict[str, str] | None = None, price: str | None = "10"
) -> Sku:
    attrs = attrs if attrs is not None else {"colour": "red"}
    sku = Sku(
        id=sku_id,
        product_id="prod_1",
        merchant_id="mer_1",
        sku_code=sku_id.upper(),
        barcode=None,
        sales_attributes=attrs,
        attributes_key=attributes_key(attrs),
        weight_grams=None,
        status=SkuStatus.ACTIVE,
        created_at=NOW,
        updated_at=NOW,
    )
    if price is not None:
        sku.prices["CNY"] = PriceSet.create(Money.of(price, "CNY"))
    return sku


def make_product(*, title: bool = True, sku: bool = True) -> Product:
    product = Product(
        id="prod_1",
        merchant_id="mer_1",
        shop_id=None,
        category_id="cat_1",
        status=ProductStatus.DRAFT,
        brand="Acme",
        attributes={"material": "Cotton"},
        default_locale="zh",
        translations={"zh": Translation("夏季连衣裙", "纯棉")} if title else {},
        created_at=NOW,
        updated_at=NOW,
    )
    if sku:
        product.add_sku(make_sku())
    return product


# -- status transitions -----------------------------------------------------------------


def test_draft_to_listed_to_delisted_and_back() -> None:
    product = make_product()
    product.list_for_sale(merchant_status="approved", now=NOW)
    assert product.status is ProductStatus.LISTED
    assert product.listed_at == NOW
    product.delist(now=NOW)
    assert product.status is ProductStatus.DELISTED
    product.list_for_sale(merchant_status="approved", now=NOW)
    assert product.status is ProductStatus.LISTED


def test_illegal_transitions() -> None:
    product = make_product()
    with pytest.raises(IllegalProductTransitionError):
        product.delist(now=NOW)  # draft -> delisted
    product.list_for_sale(merchant_status="approved", now=NOW)
    with pytest.raises(IllegalProductTransitionError) as info:
        product.list_for_sale(merchant_status="approved", now=NOW)  # listed -> listed
    assert info.value.code == "illegal_product_transition"
    assert product.status is ProductStatus.LISTED


@pytest.mark.parametrize("status", ["onboarding", "pending_review", "suspended", "rejected"])
def test_listing_needs_an_approved_merchant(status: str) -> None:
    product = make_product()
    with pytest.raises(MerchantNotApprovedError) as info:
        product.list_for_sale(merchant_status=status, now=NOW)
    assert info.value.code == "merchant_not_approved"
    assert product.status is ProductStatus.DRAFT


def test_listing_needs_title_and_priced_active_sku() -> None:
    product = make_product(title=False, sku=False)
    with pytest.raises(ProductIncompleteError) as info:
        product.list_for_sale(merchant_status="approved", now=NOW)
    assert info.value.details["missing"] == ["a title", "an active SKU with a list price"]
    product = make_product()
    product.skus[0].prices.clear()
    with pytest.raises(ProductIncompleteError):
        product.list_for_sale(merchant_status="approved", now=NOW)
    product = make_product()
    product.skus[0].status = SkuStatus.INACTIVE
    with pytest.raises(ProductIncompleteError):
        product.list_for_sale(merchant_status="approved", now=NOW)


def test_listed_product_keeps_a_sellable_sku() -> None:
    product = make_product()
    product.list_for_sale(merchant_status="approved", now=NOW)
    product.skus[0].status = SkuStatus.INACTIVE
    with pytest.raises(ListedProductNeedsSkuError):
        product.ensure_still_sellable()


# -- SKUs, attributes, barcodes -------------------------------------------------------------


def test_attributes_key_is_canonical() -> None:
    a = attributes_key({"Colour": "Red", "Size": "M"})
    b = attributes_key({"size": " m ", "colour": "RED"})
    c = attributes_key({"size": "Ｍ", "colour": "red"})  # full-width M
    assert a == b == c == '{"colour":"red","size":"m"}'
    assert attributes_key({"colour": "红色"}) == '{"colour":"红色"}'
    assert attributes_key({}) == "{}"
    assert attributes_key({"colour": "red", "size": "L"}) != a


def test_duplicate_sales_attributes_in_one_product() -> None:
    product = make_product()
    with pytest.raises(DuplicateSkuAttributesError):
        product.add_sku(make_sku("sku_2", attrs={"COLOUR": "Red"}))
    product.add_sku(make_sku("sku_3", attrs={"colour": "blue"}))
    assert len(product.skus) == 2


@pytest.mark.parametrize(
    "attrs",
    [{"": "x"}, {"a": ""}, {"a": 1}, {"a" * 51: "x"}, {"Colour": "x", "colour": "y"}],
)
def test_clean_attributes_refuses(attrs: dict[str, object]) -> None:
    with pytest.raises(InvalidAttributesError):
        clean_attributes(attrs)


def test_clean_attributes_trims_spaces() -> None:
    assert clean_attributes({" fabric  type ": " pure   cotton "}) == {"fabric type": "pure cotton"}


@pytest.mark.parametrize(
    "barcode", ["4006381333931", "036000291452", "96385074", "10614141000415", " 4006381333931 "]
)
def test_valid_barcodes(barcode: str) -> None:
    assert validate_barcode(barcode) == barcode.strip()


@pytest.mark.parametrize(
    "barcode", ["4006381333932", "036000291453", "40063813339", "abc", "４００６３８１３３３９３１"]
)
def test_invalid_barcodes(barcode: str) -> None:
    with pytest.raises(InvalidBarcodeError) as info:
        validate_barcode(barcode)
    assert info.value.code == "invalid_barcode"


def test_check_digit() -> None:
    assert gtin_check_digit("400638133393") == 1
    assert gtin_check_digit("03600029145") == 2


# -- derived data ------------------------------------------------------------------------


def test_search_text_has_every_locale_brand_and_attribute_values() -> None:
    product = make_product()
    product.translations["en"] = Translation("Summer DRESS", "Pure cotton")
    text = product.search_text()
    for word in ["夏季连衣裙", "纯棉", "summer dress", "pure cotton", "acme", "cotton", "red"]:
        assert word in text
    assert text == text.lower()


def test_display_price_prefers_merchant_currency_then_first_currency() -> None:
    product = make_product()
    product.add_sku(make_sku("sku_2", attrs={"colour": "blue"}, price="8.50"))
    product.skus[0].prices["USD"] = PriceSet.create(Money.of("2", "USD"))
    assert product.display_price("CNY") == Money.of("8.50", "CNY")
    assert product.display_price("EUR") == Money.of("8.50", "CNY")  # first currency set
    assert product.display_price("USD") == Money.of("2", "USD")
    product.skus[1].status = SkuStatus.INACTIVE
    assert product.display_price("CNY") == Money.of("10", "CNY")


def test_translation_validation() -> None:
    assert Translation.create("  Summer   dress ", None) == Translation("Summer dress", "")
    with pytest.raises(InvalidTranslationError):
        Translation.create("   ")
