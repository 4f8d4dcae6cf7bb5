"""Words of the synthetic marketplace: the category tree, cities, product nouns, queries.

Each leaf has a typical price (major units of the platform currency) around which its
products' base prices scatter, so price bands mean something per category.
"""

from __future__ import annotations

# (slug, zh, en, leaves of (slug, zh, en, typical price, product nouns))
TREE: tuple[tuple[str, str, str, tuple[tuple[str, str, str, int, tuple[str, ...]], ...]], ...] = (
    ("home", "家居生活", "Home & living", (
        ("bedding", "床上用品", "Bedding", 180, ("duvet", "pillow", "sheet set")),
        ("kitchen", "厨房用品", "Kitchenware", 90, ("wok", "knife set", "kettle")),
        ("furniture", "家具", "Furniture", 900, ("sofa", "desk", "bookshelf")),
    )),
    ("fashion", "服饰箱包", "Fashion", (
        ("womens", "女装", "Women's clothing", 220, ("dress", "coat", "blouse")),
        ("mens", "男装", "Men's clothing", 200, ("jacket", "shirt", "trousers")),
        ("bags", "箱包", "Bags & luggage", 350, ("backpack", "suitcase", "handbag")),
    )),
    ("electronics", "数码电器", "Electronics", (
        ("phones", "手机", "Phones", 2600, ("smartphone", "phone case", "charger")),
        ("audio", "影音", "Audio", 480, ("earbuds", "speaker", "headphones")),
        ("appliances", "小家电", "Small appliances", 390, ("air fryer", "blender", "rice cooker")),
    )),
    ("beauty", "美妆个护", "Beauty & health", (
        ("skincare", "护肤", "Skincare", 160, ("serum", "cream", "cleanser")),
        ("makeup", "彩妆", "Makeup", 120, ("lipstick", "foundation", "mascara")),
    )),
    ("sports", "运动户外", "Sports & outdoors", (
        ("running", "跑步", "Running", 420, ("running shoes", "sports watch", "shorts")),
        ("camping", "露营", "Camping", 520, ("tent", "sleeping bag", "camp stove")),
    )),
    ("kids", "母婴玩具", "Baby & toys", (
        ("toys", "玩具", "Toys", 130, ("building blocks", "puzzle", "plush toy")),
        ("baby", "婴童用品", "Baby care", 150, ("stroller", "diapers", "bottle")),
    )),
    ("food", "食品饮料", "Food & drinks", (
        ("snacks", "零食", "Snacks", 45, ("nuts", "dried fruit", "biscuits")),
        ("tea", "茶饮", "Tea & coffee", 110, ("green tea", "coffee beans", "oolong")),
    )),
    ("office", "办公文具", "Office & books", (
        ("stationery", "文具", "Stationery", 35, ("notebook", "pen set", "planner")),
        ("books", "图书", "Books", 60, ("novel", "cookbook", "textbook")),
    )),
)  # fmt: skip

CITIES: tuple[tuple[str, str], ...] = (
    ("Hangzhou", "Zhejiang"), ("Shenzhen", "Guangdong"), ("Yiwu", "Zhejiang"),
    ("Suzhou", "Jiangsu"), ("Guangzhou", "Guangdong"), ("Chengdu", "Sichuan"),
    ("Shanghai", "Shanghai"), ("Xiamen", "Fujian"), ("Wuhan", "Hubei"), ("Qingdao", "Shandong"),
)  # fmt: skip

ADJECTIVES: tuple[str, ...] = (
    "classic", "compact", "premium", "eco", "deluxe", "light", "smart", "vintage", "pro", "soft",
)  # fmt: skip

VARIANTS: tuple[str, ...] = ("standard", "large")

# Shopping festivals: (month, day, demand factor) on top of the weekly and yearly rhythm.
FESTIVALS: tuple[tuple[int, int, float], ...] = ((6, 18, 1.4), (11, 11, 1.8), (12, 12, 1.3))
