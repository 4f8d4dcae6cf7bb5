"""Slot extraction through ``parse``: money, quantities, deadlines, places, specs,
preferences, references. Dates are relative to a fixed Monday, 2 November 2026."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from procurement_agent.understanding import Amount, Intent, Place, Preference, Quantity, parse
from procurement_agent.understanding.numerals import to_chinese

TODAY = date(2026, 11, 2)  # a Monday


def money(text: str) -> tuple[Amount | None, Amount | None]:
    u = parse(text, today=TODAY)
    return u.budget, u.max_unit_price


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("find bolts, budget 3000 yuan", "3000", "CNY"),
        ("螺栓，预算三千元", "3000", "CNY"),
        ("bolts under £500", "500", "GBP"),
        ("螺栓不超过5千块", "5000", "CNY"),
        ("M8 bolts for $2k", "2000", "USD"),
        ("nuts, RMB 8,000 max", "8000", "CNY"),
        ("washers 3000 CNY", "3000", "CNY"),
        ("口罩，预算两万块钱", "20000", "CNY"),
        ("手套 预算1.2万元", "12000", "CNY"),
        ("gloves, budget €6,000", "6000", "EUR"),
        ("耳机，预算8千美元", "8000", "USD"),
        ("chairs for HK$ 9,500", "9500", "HKD"),
        ("find pens, budget 4k", "4000", None),
        ("螺丝，预算十二万", "120000", None),
        ("要三千个，一万以内", "10000", None),
    ],
)
def test_budget(text: str, amount: str, currency: str | None) -> None:
    budget, cap = money(text)
    assert budget == Amount(Decimal(amount), currency)
    assert cap is None


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("50000 zip ties at most 0.20 per piece", "0.20", None),
        ("M10螺母两千个，单价不超过两毛", "0.2", "CNY"),
        ("手套一千双，单价不超过三块五", "3.5", "CNY"),
        ("need 4000 screws, no more than $0.05 each", "0.05", "USD"),
        ("马克杯五百只，单价5元以内", "5", "CNY"),
        ("tote bags, max 1.20 per bag", "1.20", None),
    ],
)
def test_unit_price_cap(text: str, amount: str, currency: str | None) -> None:
    budget, cap = money(text)
    assert cap == Amount(Decimal(amount), currency)
    assert budget is None


def test_amount_becomes_money_in_the_default_currency() -> None:
    budget = parse("bolts, budget 4k", today=TODAY).budget
    assert budget is not None
    assert str(budget.to_money("CNY")) == "4000.00 CNY"
    assert str(Amount(Decimal("0.125"), "USD").to_money("CNY")) == "0.13 USD"


def test_no_money_without_a_currency_or_a_limit_word() -> None:
    u = parse("500 bolts to Shanghai in 10 days", today=TODAY)
    assert (u.budget, u.max_unit_price) == (None, None)


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("find 500 stainless M8 bolts", "500", None),
        ("need 3k pcs of nuts", "3000", "pcs"),
        ("a thousand safety helmets", "1000", None),
        ("1.5k cardboard boxes", "1500", None),
        ("buy 12 dozen pencils", "144", "pcs"),
        ("half a dozen projectors", "6", "pcs"),
        ("20 tons of steel plate", "20", "t"),
        ("10 boxes of A4 paper", "10", "box"),
        ("300 meters of cable", "300", "m"),
        ("两万个口罩", "20000", "pcs"),
        ("三千五百张A4纸", "3500", "pcs"),
        ("两百五十箱矿泉水", "250", "box"),
        ("一千二个LED灯泡", "1200", "pcs"),
        ("十万个纸箱", "100000", "pcs"),
        ("20吨钢板", "20", "t"),
        ("一百双手套", "100", "pair"),
        ("100斤大米", "50", "kg"),
        ("１２００个螺母", "1200", "pcs"),
        ("二〇〇〇个轴承", "2000", "pcs"),
        ("采购1万2个塑料瓶", "12000", "pcs"),
        ("零点五吨树脂", "0.5", "t"),
        ("螺栓，数量两千", "2000", None),
        ("5块电池", "5", "pcs"),
    ],
)
def test_quantity(text: str, amount: str, unit: str | None) -> None:
    assert parse(text, today=TODAY).quantity == Quantity(Decimal(amount), unit)


@given(st.integers(min_value=1, max_value=10**8), st.booleans())
def test_quantity_in_chinese_numerals(value: int, liang: bool) -> None:
    u = parse(f"帮我找{to_chinese(value, liang=liang)}个螺栓，送到上海", today=TODAY)
    assert u.quantity == Quantity(Decimal(value), "pcs")
    assert u.product == "螺栓"


@given(st.integers(min_value=1, max_value=10**7))
def test_quantity_in_digits(value: int) -> None:
    u = parse(f"find {value:,} M8 bolts", today=TODAY)
    assert u.quantity == Quantity(Decimal(value))


def test_spec_numbers_are_not_quantities() -> None:
    u = parse("304 stainless M8x30 bolts, grade 8.8, DIN 933", today=TODAY)
    assert u.quantity is None
    assert {s.value for s in u.specs} == {"304", "stainless steel", "M8x30", "8.8", "DIN 933"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bolts within 10 days", date(2026, 11, 12)),
        ("bolts in 2 weeks", date(2026, 11, 16)),
        ("bolts within a month", date(2026, 12, 2)),
        ("bolts in 3 business days", date(2026, 11, 5)),
        ("bolts by Friday", date(2026, 11, 6)),
        ("bolts by next Friday", date(2026, 11, 13)),
        ("bolts by Dec 20", date(2026, 12, 20)),
        ("bolts by 20 December", date(2026, 12, 20)),
        ("bolts before 2026-12-20", date(2026, 12, 20)),
        ("bolts by Jan 5", date(2027, 1, 5)),
        ("bolts by tomorrow", date(2026, 11, 3)),
        ("bolts by end of month", date(2026, 11, 30)),
        ("bolts by the end of next month", date(2026, 12, 31)),
        ("bolts this week", date(2026, 11, 8)),
        ("螺栓10天内", date(2026, 11, 12)),
        ("螺栓十天之内", date(2026, 11, 12)),
        ("螺栓两周内", date(2026, 11, 16)),
        ("螺栓半个月内", date(2026, 11, 17)),
        ("螺栓一个月内", date(2026, 12, 2)),
        ("螺栓三个工作日内", date(2026, 11, 5)),
        ("螺栓周五前", date(2026, 11, 6)),
        ("螺栓下周五前", date(2026, 11, 13)),
        ("螺栓这周三", date(2026, 11, 4)),
        ("螺栓月底前", date(2026, 11, 30)),
        ("螺栓下个月底", date(2026, 12, 31)),
        ("螺栓12月20日前", date(2026, 12, 20)),
        ("螺栓12月20号之前", date(2026, 12, 20)),
        ("螺栓2027年1月8日前", date(2027, 1, 8)),
        ("螺栓十二月中旬", date(2026, 12, 15)),
        ("螺栓明天要", date(2026, 11, 3)),
        ("螺栓后天", date(2026, 11, 4)),
        ("螺栓年底前", date(2026, 12, 31)),
        ("螺栓20号前", date(2026, 11, 20)),
        ("螺栓1号前", date(2026, 12, 1)),
    ],
)
def test_deadline(text: str, expected: date) -> None:
    assert parse(text, today=TODAY).deadline == expected


@given(st.dates(date(2020, 1, 1), date(2035, 12, 31)), st.integers(1, 365))
def test_within_n_days_is_today_plus_n(today: date, days: int) -> None:
    assert parse(f"bolts within {days} days", today=today).deadline == today + timedelta(days)
    assert parse(f"螺栓{days}天内", today=today).deadline == today + timedelta(days)


def test_march_is_a_month_not_a_duration() -> None:
    assert parse("螺栓3月10日前", today=TODAY).deadline == date(2027, 3, 10)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("bolts delivered to Shanghai", Place("Shanghai", "CN", "Shanghai")),
        ("螺栓，送到深圳", Place("Shenzhen", "CN", "Guangdong")),
        ("deliver bolts to Hamburg", Place("Hamburg", "DE")),
        ("螺栓发到汉堡", Place("Hamburg", "DE")),
        ("bolts, ship to LA", Place("Los Angeles", "US")),
        ("螺栓，发往广东", Place("Guangdong", "CN", "Guangdong")),
        ("bolts to Xi'an", Place("Xi'an", "CN", "Shaanxi")),
        ("送到长沙，要螺栓", Place("Changsha", "CN", "Hunan")),
        ("bolts from Ningbo delivered to Wuhan", Place("Wuhan", "CN", "Hubei")),
        ("bolts for our Sydney office", Place("Sydney", "AU")),
    ],
)
def test_location(text: str, place: Place) -> None:
    assert parse(text, today=TODAY).location == place


@pytest.mark.parametrize(
    "text", ["长沙发二十张", "suppliers in Ningbo for M8 bolts", "bolts from Qingdao", "LA bolts"]
)
def test_not_a_delivery_place(text: str) -> None:
    assert parse(text, today=TODAY).location is None


def test_a_long_sofa_is_a_product_not_changsha() -> None:
    assert parse("长沙发要二十张", today=TODAY).product == "长沙发"


@pytest.mark.parametrize(
    ("text", "preferences"),
    [
        ("cheapest M8 bolts", {Preference.CHEAPEST}),
        ("最便宜的螺栓", {Preference.CHEAPEST}),
        (
            "fastest delivery of bolts, verified suppliers only",
            {Preference.FASTEST, Preference.VERIFIED_ONLY},
        ),
        ("性价比最高的螺栓", {Preference.BEST_VALUE}),
        ("已认证供应商的螺栓，越快越好", {Preference.VERIFIED_ONLY, Preference.FASTEST}),
        ("top rated vendors for bolts", {Preference.HIGHEST_RATED}),
        ("评分最高的螺栓供应商", {Preference.HIGHEST_RATED}),
    ],
)
def test_preferences(text: str, preferences: set[Preference]) -> None:
    assert set(parse(text, today=TODAY).preferences) == preferences


@pytest.mark.parametrize(
    ("text", "product", "specs"),
    [
        (
            "find the cheapest supplier for 500 stainless M8 bolts",
            "bolt",
            {"stainless steel", "M8"},
        ),
        ("sourcing A3 printer paper, 80 reams", "printer paper", {"A3"}),
        ("we need plastic spoons", "spoon", {"plastic"}),
        ("15 tonnes of Q345 steel pipe", "pipe", {"Q345", "steel"}),
        ("white ceramic mugs", "mug", {"white", "ceramic"}),
        ("need 200 batteries", "battery", set()),
        ("300 grey hoodies", "hoodie", set()),
        ("找500个304不锈钢M8螺栓", "螺栓", {"304", "stainless steel", "M8"}),
        ("要五吨不锈钢管", "不锈钢管", set()),
        ("哪里有卖LED台灯的", "led台灯", set()),
        ("帮我找一下卖电焊机的厂家", "电焊机", set()),
        ("找红色的安全帽", "安全帽", {"red"}),
        ("订一批会议桌", "会议桌", set()),
        ("帮我找 stainless steel bolts，500个", "bolt", {"stainless steel"}),
    ],
)
def test_product_and_specs(text: str, product: str, specs: set[str]) -> None:
    u = parse(text, today=TODAY)
    assert u.product == product
    assert {s.value for s in u.specs} - {"grey"} == specs


@pytest.mark.parametrize(
    "text", ["帮我找性价比最高的供应商，预算三千元", "find suppliers", "I need to buy something"]
)
def test_no_product_when_none_is_named(text: str) -> None:
    u = parse(text, today=TODAY)
    assert u.intent is Intent.SEARCH_OFFERS
    assert u.product is None


@pytest.mark.parametrize(
    ("text", "ordinal"),
    [("the first one", "1"), ("second one", "2"), ("option 3 please", "3"),
     ("go with the last option", "-1"), ("第二个", "2"), ("就要第一家的", "1"),
     ("最后一个吧", "-1"), ("I'll take the cheapest one", "cheapest"),
     ("就要最快的那家", "fastest"), ("not the first one, the second", "2")],
)  # fmt: skip
def test_offer_reference(text: str, ordinal: str) -> None:
    u = parse(text, today=TODAY)
    assert u.intent is Intent.SELECT_OFFER
    assert str(u.ref) == ordinal


def test_quoted_supplier_name_is_not_parsed_inside() -> None:
    u = parse("what do you know about 'Wuxi Harbour Tools Co.'?", today=TODAY)
    assert u.intent is Intent.SUPPLIER_DETAILS
    assert u.supplier_name == "Wuxi Harbour Tools Co."
    assert u.location is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [("find bolts", "en"), ("找螺栓", "zh"), ("找LED灯泡和PVC管", "zh"),
     ("帮我找 stainless steel bolts", "mixed"), ("Ｍ８螺栓５００个", "zh")],
)  # fmt: skip
def test_language(text: str, lang: str) -> None:
    assert parse(text, today=TODAY).lang == lang


def test_full_width_forms_are_folded() -> None:
    u = parse("预算１００００元，找５００套工作服，送到上海", today=TODAY)
    assert (u.budget, u.quantity) == (Amount(Decimal(10000), "CNY"), Quantity(Decimal(500), "set"))
