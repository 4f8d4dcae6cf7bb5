"""The Olist catalogue as records: categories (the demo's groups as roots, Olist's
categories as leaves, Chinese names from marketplace.seeding.olist), sellers as merchants,
products as SPUs with one SKU each.

Olist products have no title: titles are generated from the English category and the
product's attributes (weight, size, photos), and say so. A product is sold by the seller
who sold it in the order subset (another SPU per extra seller of the same product);
products never sold in the subset belong to one self-operated "Olist catalogue" merchant.
Prices are the product's mean selling price in the subset (BRL); products never sold get
their category's median price (the median of all prices when the category sold nothing).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from statistics import median

from marketplace.importing.ids import stable_id
from marketplace.importing.records import (
    CategoryRecord,
    MerchantRecord,
    PriceRecord,
    ProductRecord,
    SkuRecord,
)
from marketplace.seeding import olist

SOURCE = "olist"
# Olist publishes no creation dates for sellers or products: they are dated at the start
# of the data set's period.
EPOCH = datetime(2016, 9, 1, tzinfo=UTC)
CATALOGUE_SELLER = "olist-catalogue"
NO_CATEGORY = ("sem_categoria", "uncategorised", "未分类")
CENT = Decimal("0.01")


def category_records(translation: Mapping[str, str], used: set[str]) -> list[CategoryRecord]:
    """Roots (groups) then one leaf per Portuguese category in ``used``."""
    roots = {
        slug: CategoryRecord(stable_id("cat", SOURCE, f"group:{slug}", EPOCH), f"{slug}-group",
                             {"zh": zh, "en": en}, EPOCH, position=i)
        for i, (slug, zh, en, _) in enumerate(olist.GROUPS)
    }  # fmt: skip
    leaves = []
    for i, pt in enumerate(sorted(used)):
        en = translation.get(pt, pt).strip()
        zh = olist.ZH_NAMES.get(en, NO_CATEGORY[2] if pt == NO_CATEGORY[0] else en)
        leaves.append(CategoryRecord(
            leaf_id(pt), f"olist-{en.replace('_', '-')}",
            {"zh": zh, "en": en.replace("_", " ").capitalize(), "pt": pt.replace("_", " ")},
            EPOCH, roots[olist.group_of(en)].id, position=i,
        ))  # fmt: skip
    return [*roots.values(), *leaves]


def leaf_id(category_pt: str) -> str:
    return stable_id("cat", SOURCE, f"leaf:{category_pt}", EPOCH)


def merchant_record(seller_id: str, city: str, state: str) -> MerchantRecord:
    is_catalogue = seller_id == CATALOGUE_SELLER
    name = "Olist catalogue" if is_catalogue else f"{city.title()} seller {seller_id[:6]}"
    return MerchantRecord(
        id=merchant_id(seller_id), shop_id=stable_id("shop", SOURCE, seller_id, EPOCH),
        owner_user_id=stable_id("usr", SOURCE, f"seller:{seller_id}", EPOCH),
        owner_email=f"seller-{seller_id}@olist.import.agora.local", name=name,
        kind="self_operated" if is_catalogue else "third_party", created_at=EPOCH,
        source=SOURCE, city=city.title() or None, region=state or None,
        default_currency="BRL", default_locale="en",
    )  # fmt: skip


def merchant_id(seller_id: str) -> str:
    return stable_id("mer", SOURCE, seller_id, EPOCH)


def product_id(olist_product_id: str, seller_id: str) -> str:
    return stable_id("prod", SOURCE, f"{olist_product_id}:{seller_id}", EPOCH)


def sku_id(product_id: str, seller_id: str) -> str:
    return stable_id("sku", SOURCE, f"{product_id}:{seller_id}", EPOCH)


def _title(row: Mapping[str, str], label_en: str, label_zh: str) -> tuple[str, str]:
    code = row["product_id"][:8].upper()
    weight = row["product_weight_g"] or "?"
    size = "x".join(row[f"product_{d}_cm"] or "?" for d in ("length", "height", "width"))
    return (f"{label_en} {code}, {weight} g, {size} cm",
            f"{label_zh} {code}（{weight} 克，{size} 厘米）")  # fmt: skip


def product_record(
    row: Mapping[str, str], seller_id: str, price: Decimal, translation: Mapping[str, str]
) -> ProductRecord:
    pt = row["product_category_name"] or NO_CATEGORY[0]
    en = translation.get(pt, pt).strip()
    label_en = NO_CATEGORY[1].capitalize() if pt == NO_CATEGORY[0] else en.replace("_", " ")
    label_zh = olist.ZH_NAMES.get(en, NO_CATEGORY[2] if pt == NO_CATEGORY[0] else label_en)
    title_en, title_zh = _title(row, label_en.capitalize(), label_zh)
    attributes = {"origin": "BR", "olist_product_id": row["product_id"]}
    for key, column in (("weight_g", "product_weight_g"), ("photos", "product_photos_qty")):
        if row[column]:
            attributes[key] = row[column]
    weight = row["product_weight_g"]
    pid, sid = row["product_id"], seller_id
    sku = SkuRecord(sku_id(pid, sid), pid, (PriceRecord("BRL", price.quantize(CENT)),),
                    weight_grams=int(float(weight)) if weight else None)  # fmt: skip
    note = "Olist publishes no product names: this title is made from the category."
    return ProductRecord(
        id=product_id(pid, sid), merchant_id=merchant_id(sid),
        shop_id=stable_id("shop", SOURCE, sid, EPOCH), category_id=leaf_id(pt),
        titles={"en": title_en, "zh": title_zh}, descriptions={"en": note}, skus=(sku,),
        attributes=attributes, default_locale="en", price_currency="BRL", created_at=EPOCH,
    )  # fmt: skip


def fallback_prices(
    categories: Mapping[str, str], prices: Mapping[tuple[str, str], Decimal]
) -> tuple[dict[str, Decimal], Decimal]:
    """Median selling price per category (product -> category in ``categories``), and the
    median of every price for categories that sold nothing."""
    by_category: dict[str, list[Decimal]] = {}
    for (product_id, _seller), price in prices.items():
        by_category.setdefault(categories.get(product_id, ""), []).append(price)
    everything = [p for values in by_category.values() for p in values]
    medians = {c: Decimal(median(v)).quantize(CENT) for c, v in by_category.items()}
    return medians, Decimal(median(everything)).quantize(CENT) if everything else Decimal(10)


def iter_pairs(sellers_of: Mapping[str, list[str]], product_id: str) -> Iterator[str]:
    """The sellers a product gets an SPU for (the catalogue merchant if none sold it)."""
    yield from sellers_of.get(product_id) or [CATALOGUE_SELLER]
