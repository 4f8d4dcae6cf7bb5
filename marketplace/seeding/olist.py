"""What the Olist importer shares with the demo: the category groups, the Chinese names of
Olist's categories (the original data is Portuguese and English only) and where the files
are. The import itself is marketplace.importing.olist_import.
"""

from __future__ import annotations

from pathlib import Path

OLIST_DIR = "olist-brazilian-ecommerce"

# Top-level groups of the demo category tree, and which Olist categories fall in each.
GROUPS: list[tuple[str, str, str, tuple[str, ...]]] = [
    (
        "home",
        "家居生活",
        "Home & living",
        (
            "furniture",
            "bed_bath",
            "home",
            "house",
            "kitchen",
            "garden",
            "housewares",
            "construction",
            "air_conditioning",
            "flowers",
            "la_cuisine",
            "christmas",
            "party",
            "art",
            "cool_stuff",
        ),
    ),
    ("fashion", "服饰箱包", "Fashion", ("fashio", "luggage", "watches")),
    (
        "electronics",
        "数码电器",
        "Electronics",
        (
            "computers",
            "electronics",
            "telephony",
            "audio",
            "tablets",
            "consoles",
            "pc_gamer",
            "cine_photo",
            "dvds",
            "music",
            "cds",
            "small_appliances",
            "appliances",
            "signaling",
            "security",
        ),
    ),
    ("beauty", "美妆个护", "Beauty & health", ("health_beauty", "perfumery", "diapers")),
    ("sports", "运动户外", "Sports & leisure", ("sports", "leisure")),
    ("kids", "母婴玩具", "Baby & toys", ("toys", "baby")),
    (
        "office",
        "办公文具",
        "Office, books & media",
        ("office", "stationery", "books", "industry", "agro", "market_place"),
    ),
    ("food", "食品饮料", "Food & drinks", ("food", "drinks")),
    ("auto", "汽车用品", "Automotive", ("auto",)),
    ("pets", "宠物用品", "Pets", ("pet",)),
]

ZH_NAMES = {
    "health_beauty": "美容健康",
    "computers_accessories": "电脑配件",
    "auto": "汽车配件",
    "bed_bath_table": "床品卫浴",
    "furniture_decor": "家具装饰",
    "sports_leisure": "运动休闲",
    "perfumery": "香水",
    "housewares": "家居用品",
    "telephony": "电话通讯",
    "watches_gifts": "手表礼品",
    "food_drink": "食品饮料",
    "baby": "母婴",
    "stationery": "文具",
    "tablets_printing_image": "平板与打印",
    "toys": "玩具",
    "fixed_telephony": "固定电话",
    "garden_tools": "园艺工具",
    "fashion_bags_accessories": "箱包配饰",
    "small_appliances": "小家电",
    "consoles_games": "游戏机",
    "audio": "音响",
    "fashion_shoes": "鞋履",
    "cool_stuff": "潮流好物",
    "luggage_accessories": "旅行箱包",
    "air_conditioning": "空调",
    "construction_tools_construction": "建筑工具",
    "kitchen_dining_laundry_garden_furniture": "厨房与户外家具",
    "electronics": "电子产品",
    "pet_shop": "宠物店",
    "office_furniture": "办公家具",
    "books_general_interest": "图书",
    "home_appliances": "家用电器",
    "musical_instruments": "乐器",
    "drinks": "饮料",
    "market_place": "综合市场",
    "computers": "电脑",
    "home_construction": "家装建材",
    "industry_commerce_and_business": "工商业用品",
    "food": "食品",
    "art": "艺术品",
    "party_supplies": "派对用品",
    "christmas_supplies": "圣诞用品",
    "fashion_male_clothing": "男装",
    "fashion_underwear_beach": "内衣泳装",
    "books_technical": "技术图书",
    "cine_photo": "影音摄影",
    "diapers_and_hygiene": "纸尿裤与卫生",
    "flowers": "鲜花",
    "home_confort": "家居舒适",
    "fashio_female_clothing": "女装",
    "agro_industry_and_commerce": "农业与商业",
    "signaling_and_security": "安防",
    "dvds_blu_ray": "DVD 蓝光",
    "la_cuisine": "厨艺",
    "fashion_sport": "运动服饰",
    "fashion_childrens_clothes": "童装",
    "music": "音乐",
    "arts_and_craftmanship": "手工艺",
    "cds_dvds_musicals": "CD 与音乐剧",
    "costruction_tools_garden": "园林工具",
    "home_appliances_2": "家用电器二",
    "security_and_services": "安全服务",
    "books_imported": "进口图书",
    "small_appliances_home_oven_and_coffee": "烤箱与咖啡机",
    "furniture_living_room": "客厅家具",
    "furniture_bedroom": "卧室家具",
    "furniture_mattress_and_upholstery": "床垫与软装",
    "construction_tools_lights": "灯具",
    "construction_tools_safety": "安全工具",
    "costruction_tools_tools": "五金工具",
    "tablets_printing_image ": "平板与打印",
}


def group_of(category_en: str) -> str:
    for slug, _zh, _en, needles in GROUPS:
        if any(category_en.startswith(n) or n in category_en for n in needles):
            return slug
    return "office"


def available(datasets_dir: Path) -> bool:
    base = datasets_dir / OLIST_DIR
    return (base / "olist_sellers_dataset.csv.gz").exists() and (
        base / "subset_2017_10k_orders" / "olist_order_items_dataset.csv.gz"
    ).exists()
