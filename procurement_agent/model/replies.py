"""The model's replies, in English or Chinese: short templates filled only with values
from tool results (ids, names, prices) or from the buyer's own words.

Every supplier name, title and id is shown through ``text.bold``/``text.code``/tables,
so ``grounding.ungrounded`` can check each against the tool results.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from procurement_agent.model.text import bold, clean, money, number, percent, table
from procurement_agent.tool_specs import (
    ComparisonRow,
    OfferSummary,
    SupplierDetailsResult,
)
from procurement_agent.understanding import Preference, clarifying_question

Lang = Literal["en", "zh"]


def pick(lang: Lang, en: str, zh: str) -> str:
    """The English or the Chinese text."""
    return en if lang == "en" else zh


TOOL_NAMES = {
    "search_offers": ("the offer search", "搜索报价"),
    "compare_offers": ("the comparison", "比较报价"),
    "supplier_details": ("the supplier lookup", "查询供应商"),
    "check_budget": ("the budget check", "预算检查"),
    "order_status": ("the order lookup", "查询订单"),
    "create_draft": ("drafting the order", "起草采购单"),
    "update_draft": ("changing the draft", "修改草稿"),
    "place_order": ("placing the order", "下单"),
    "submit_for_approval": ("submitting for approval", "提交审批"),
}


PREFERENCE_LABELS = {
    Preference.BEST_VALUE: ("Best value", "性价比最高"),
    Preference.CHEAPEST: ("Cheapest", "最便宜"),
    Preference.FASTEST: ("Fastest", "最快"),
    Preference.HIGHEST_RATED: ("Highest rated", "评分最高"),
}


RELAXABLE = (  # search arguments a buyer can relax, in the order they are suggested
    ("verified_only", "the verified-only filter", "仅限认证供应商"),
    ("max_unit_price", "the maximum unit price", "单价上限"),
    ("deadline", "the deadline", "交期"),
    ("region", "the delivery region", "送货地区"),
    ("specs", "the specifications", "规格要求"),
)


def _tool(name: str, lang: Lang) -> str:
    en, zh = TOOL_NAMES.get(name, (name, name))
    return pick(lang, en, zh)


def days(n: int | None, lang: Lang) -> str:
    """A lead time: "5 days", "5天"; "—" when unknown."""
    if n is None:
        return "—"
    return pick(lang, f"{n} day{'s' if n != 1 else ''}", f"{n}天")


def _list(items: Sequence[str], lang: Lang) -> str:
    if lang == "zh":
        return "、".join(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def greeting(lang: Lang) -> str:
    return pick(
        lang,
        "Hello! I can search suppliers' offers, compare them, draft a purchase order and "
        "place it once you confirm. What do you need to buy?",
        "您好！我可以帮您搜索供应商报价、比较报价、起草采购单，并在您确认后下单。请问要采购什么？",
    )


def out_of_scope(lang: Lang) -> str:
    return pick(
        lang,
        "I can only help with purchasing: finding and comparing offers, drafting and "
        "placing orders, and checking their status.",
        "我只能帮您处理采购：搜索和比较报价、起草和下单，以及查询订单状态。",
    )


def clarify(missing: Sequence[str], lang: Lang) -> str:
    return clarifying_question(missing, lang)


def cannot(tool: str, lang: Lang) -> str:
    return pick(
        lang,
        f"Sorry, {_tool(tool, lang)} is not available here.",
        f"抱歉，这里无法{_tool(tool, lang)}。",
    )


def tool_failed(tool: str, message: str, lang: Lang) -> str:
    if message == "unreadable":
        return pick(
            lang,
            f"Sorry, I could not read the result of {_tool(tool, lang)}.",
            f"抱歉，无法读取{_tool(tool, lang)}的结果。",
        )
    if message == "failed":
        return pick(
            lang, f"Sorry, {_tool(tool, lang)} failed.", f"抱歉，{_tool(tool, lang)}失败了。"
        )
    reason = clean(message, 200)
    return pick(
        lang,
        f"Sorry, {_tool(tool, lang)} failed: {reason}",
        f"抱歉，{_tool(tool, lang)}失败：{reason}",
    )


def stopped(lang: Lang) -> str:
    return pick(
        lang,
        "I stopped here to avoid going round in circles. How should I continue?",
        "为避免重复操作，我先停在这里。请问接下来怎么做？",
    )


def no_results(query: dict[str, object], lang: Lang) -> str:
    product = bold(str(query.get("product") or ""))
    active = [(en, zh) for key, en, zh in RELAXABLE if query.get(key)]
    if not active:
        return pick(
            lang,
            f"I found no offers for {product}. Try another name for the product.",
            f"没有找到{product}的报价。可以换个产品名称试试。",
        )
    hints = _list([pick(lang, en, zh) for en, zh in active], lang)
    return pick(
        lang,
        f"I found no offers for {product} that meet all your conditions. You could relax {hints}.",
        f"没有找到符合全部条件的{product}报价。可以放宽{hints}。",
    )


def listing(offers: Sequence[OfferSummary], product: str, lang: Lang) -> str:
    header = pick(
        lang,
        "#|Supplier|Product|Landed unit price|MOQ|Lead time|Rating|Verified",
        "#|供应商|产品|到岸单价|起订量|交期|评分|认证",
    ).split("|")
    rows = [
        [
            f"#{i}",
            clean(o["supplier_name"], 40),
            clean(o["title"], 50),
            money(o["landed_unit_price"]),
            number(o["moq"]),
            days(o["lead_time_days"], lang),
            _rating(o["rating"]),
            "✓" if o["is_verified"] else "—",
        ]
        for i, o in enumerate(offers, 1)
    ]
    return pick(
        lang,
        f"Offers for {bold(product)}:\n\n{table(header, rows)}\n\nHow many do you need? "
        "With a quantity I can compare landed totals and lead times.",
        f"{bold(product)}的报价：\n\n{table(header, rows)}\n\n请问需要多少数量？"
        "有了数量我可以比较到岸总价和交期。",
    )


def _rating(rating: str | None) -> str:
    return number(rating) if rating is not None else "—"


def comparison(
    rows: Sequence[ComparisonRow],
    quantity: int,
    deadline: str | None,
    best: int | None,
    preference: Preference,
    problems: Sequence[str],
    lang: Lang,
) -> str:
    """The comparison table, then the proposal (``best``: index in ``rows``)."""
    header = pick(
        lang,
        "#|Supplier|Product|Landed unit price|Landed total|Lead time|MOQ|Rating|Verified",
        "#|供应商|产品|到岸单价|到岸总价|交期|起订量|评分|认证",
    ).split("|")
    body = [_row(i, r, lang) for i, r in enumerate(rows, 1)]
    by = f", by {deadline}" if deadline else ""
    intro = pick(
        lang,
        f"Compared at {number(quantity)} units{by}:",
        f"按数量 {number(quantity)} 比较" + (f"，{deadline}前交货" if deadline else "") + "：",
    )
    return (
        f"{intro}\n\n{table(header, body)}\n\n{_proposal(rows, best, preference, problems, lang)}"
    )


def _row(i: int, r: ComparisonRow, lang: Lang) -> list[str]:
    mark = {True: " ✓", False: " ✗", None: ""}[r["meets_deadline"]]
    moq = (
        "✓" if r["moq_ok"] else pick(lang, f"✗ min {number(r['moq'])}", f"✗ 起订{number(r['moq'])}")
    )
    return [
        f"#{i}",
        clean(r["supplier_name"], 40),
        clean(r["title"], 50),
        money(r["landed_unit_price"]),
        money(r["landed_total"]),
        days(r["lead_time_days"], lang) + mark,
        moq,
        _rating(r["rating"]),
        "✓" if r["is_verified"] else "—",
    ]


PROBLEMS = {
    "deadline": ("the deadline", "交期"),
    "moq": ("the minimum order quantity", "起订量"),
    "budget": ("your budget", "预算"),
    "currency": ("your company's currency", "公司结算币种"),
}


def _proposal(
    rows: Sequence[ComparisonRow],
    best: int | None,
    preference: Preference,
    problems: Sequence[str],
    lang: Lang,
) -> str:
    if best is None:
        return none_fits(problems, lang)
    r = rows[best]
    label = pick(lang, *PREFERENCE_LABELS.get(preference, PREFERENCE_LABELS[Preference.BEST_VALUE]))
    lead = days(r["lead_time_days"], lang)
    landed, goods = money(r["landed_total"]), r.get("goods_total")
    if goods is not None and goods != r["landed_total"]:  # the supplier estimates shipping
        en = f"goods {money(goods)}, {landed} landed with the supplier's shipping estimate"
        zh = f"货款 {money(goods)}，含供应商运费估算的到岸总价 {landed}"
    else:
        en, zh = f"total {landed}", f"总价 {landed}"
    return pick(
        lang,
        f"{label}: {bold(r['supplier_name'], 40)} (#{best + 1}), {en}, lead time {lead}. "
        'Shall I draft a purchase order for it? Or pick another one, e.g. "the second one".',
        f"{label}：{bold(r['supplier_name'], 40)}（#{best + 1}），{zh}，交期 {lead}。"
        "要为它起草采购单吗？也可以选别的，比如“第二家”。",
    )


def none_fits(problems: Sequence[str], lang: Lang) -> str:
    """No compared offer meets ``problems`` ("deadline", "moq", "budget", "currency")."""
    what = _list([pick(lang, *PROBLEMS[p]) for p in problems], lang)
    return pick(
        lang,
        f"None of these offers meets {what}. You could relax the deadline, "
        "change the quantity, or search again.",
        f"以上报价都不满足{what}的要求。可以放宽交期、调整数量或重新搜索。",
    )


def declined(lang: Lang) -> str:
    return pick(
        lang,
        "OK, nothing will be ordered. Tell me if you need anything else.",
        "好的，不下单了。需要别的随时告诉我。",
    )


def anything_else(lang: Lang) -> str:
    return pick(lang, "Is there anything else you need to buy?", "还需要采购别的吗？")


def which(lang: Lang) -> str:
    return pick(
        lang,
        'Which offer do you mean? Say e.g. "the first one", or quote the supplier\'s name.',
        "请问您指的是哪一个？比如“第一个”，或者说出供应商名称。",
    )


def nothing_listed(lang: Lang) -> str:
    return pick(
        lang,
        "I have not listed any offers yet. What do you need to buy?",
        "还没有列出任何报价。请问要采购什么？",
    )


def supplier(s: SupplierDetailsResult, lang: Lang) -> str:
    facts_en = [f"rating {_rating(s['rating'])}"] if s["rating"] else []
    facts_zh = [f"评分 {_rating(s['rating'])}"] if s["rating"] else []
    if s["on_time_rate"]:
        facts_en.append(f"on time {percent(s['on_time_rate'])}")
        facts_zh.append(f"准时率 {percent(s['on_time_rate'])}")
    facts_en.append(
        f"{number(s['fulfilled_orders'])} orders fulfilled, "
        f"{number(s['active_offers'])} active offers"
    )
    facts_zh.append(
        f"已完成 {number(s['fulfilled_orders'])} 单，在售报价 {number(s['active_offers'])} 个"
    )
    regions = [
        clean(", ".join(p for p in (r["region"], r["country"]) if p), 40)
        + (f" ({days(r['lead_time_days'], lang)})" if r["lead_time_days"] is not None else "")
        for r in s["regions"][:8]
    ]
    name = bold(s["name"], 40)
    return pick(
        lang,
        f"{name} ({'verified' if s['is_verified'] else 'not verified'}): "
        + "; ".join(facts_en)
        + "."
        + (f" Delivers to: {'; '.join(regions)}." if regions else ""),
        f"{name}（{'已认证' if s['is_verified'] else '未认证'}）："
        + "，".join(facts_zh)
        + "。"
        + (f"送货地区：{'；'.join(regions)}。" if regions else ""),
    )
