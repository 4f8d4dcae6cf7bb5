"""Replies about drafts, orders and approval requests, in English or Chinese: ids,
totals and titles only from tool results (see ``replies``)."""

from __future__ import annotations

from procurement_agent.model.replies import Lang, pick
from procurement_agent.model.text import bold, clean, code, money, number
from procurement_agent.tool_specs import (
    BudgetCheckResult,
    DraftResult,
    OrderResult,
    OrderStatusResult,
)

STATUS_LABELS = {
    "draft": ("draft, not ordered yet", "草稿，尚未下单"),
    "pending_approval": ("pending approval", "待审批"),
    "changes_requested": ("changes requested by the approver", "审批人要求修改"),
    "approved": ("approved, being ordered", "已批准，正在下单"),
    "placing": ("being ordered", "正在下单"),
    "ordered": ("ordered", "已下单"),
    "rejected": ("rejected by the approver", "审批被驳回"),
    "expired": ("expired without a decision", "审批已过期"),
    "cancelled": ("cancelled", "已取消"),
    "failed": ("could not be ordered", "下单失败"),
}


def draft_ready(d: DraftResult, lang: Lang) -> str:
    return pick(
        lang,
        f"Drafted purchase order {code(d['draft_id'])}: {number(d['quantity'])} × "
        f"{bold(d['title'])} from {bold(d['supplier_name'], 40)}, total {money(d['total'])}. "
        "It is not ordered yet.",
        f"已起草采购单 {code(d['draft_id'])}：{bold(d['supplier_name'], 40)} 的 "
        f"{bold(d['title'])} × {number(d['quantity'])}，总价 {money(d['total'])}。尚未下单。",
    )


def blocked(d: DraftResult, b: BudgetCheckResult, lang: Lang) -> str:
    left = b["remaining"]
    rest_en = f" ({money(left)} left)" if left else ""
    rest_zh = f"（剩余 {money(left)}）" if left else ""
    return pick(
        lang,
        f"Draft {code(d['draft_id'])} (total {money(d['total'])}) is over the remaining "
        f"budget{rest_en}, and the company's policy blocks it: nothing was ordered. You could "
        "lower the quantity or pick a cheaper offer.",
        f"草稿 {code(d['draft_id'])}（总价 {money(d['total'])}）超出剩余预算{rest_zh}，"
        "按公司规定不能下单，未下单。可以减少数量或选择更便宜的报价。",
    )


def _request(o: OrderResult) -> str:
    return code(o["purchase_request_id"]) if o["purchase_request_id"] else "—"


def ordered(o: OrderResult, d: DraftResult | None, lang: Lang) -> str:
    orders = ", ".join(code(i) for i in o["order_ids"][:5])
    what_en = (
        f" {number(d['quantity'])} × {bold(d['title'])} from {bold(d['supplier_name'], 40)},"
        if d
        else ""
    )
    what_zh = (
        f"{bold(d['supplier_name'], 40)} 的 {bold(d['title'])} × {number(d['quantity'])}，"
        if d
        else ""
    )
    return pick(
        lang,
        f"Order placed: purchase request {_request(o)},{what_en} total "
        f"{money(o['total'])}." + (f" Orders: {orders}." if orders else ""),
        f"已下单：采购申请 {_request(o)}，{what_zh}总价 {money(o['total'])}。"
        + (f"订单号：{orders}。" if orders else ""),
    )


def pending(o: OrderResult, lang: Lang) -> str:
    reasons = ", ".join(code(r) for r in o["approval_reasons"][:5])
    why_en, why_zh = (f" ({reasons})", f"（{reasons}）") if reasons else ("", "")
    return pick(
        lang,
        f"Purchase request {_request(o)} (total {money(o['total'])}) needs "
        f"approval{why_en}. It is pending approval and will be ordered once approved.",
        f"采购申请 {_request(o)}（总价 {money(o['total'])}）需要审批{why_zh}，"
        "已提交审批，批准后自动下单。",
    )


def order_failed(o: OrderResult, lang: Lang) -> str:
    why = clean(o.get("message", ""), 200).rstrip(" .。")
    return pick(
        lang,
        f"The order could not be placed{': ' + why if why else ''}. Draft "
        f"{code(o['draft_id'])} is kept.",
        f"未能下单{'：' + why if why else ''}。草稿 {code(o['draft_id'])} 已保留。",
    )


def write_declined(tool: str, d: DraftResult | None, lang: Lang) -> str:
    verb = {
        "place_order": ("place the order", "下单"),
        "submit_for_approval": ("submit it for approval", "提交审批"),
        "create_draft": ("draft the order", "起草采购单"),
        "update_draft": ("change the draft", "修改草稿"),
    }.get(tool, ("do that", "执行"))
    kept_en = (
        f' Draft {code(d["draft_id"])} is kept: change it, or say "place it" when ready.'
        if d
        else ""
    )
    kept_zh = f"草稿 {code(d['draft_id'])} 已保留：可以修改，或者说“下单”。" if d else ""
    return pick(lang, f"OK, I did not {verb[0]}.{kept_en}", f"好的，没有{verb[1]}。{kept_zh}")


def edit_what(d: DraftResult, lang: Lang) -> str:
    return pick(
        lang,
        f"What should I change in draft {code(d['draft_id'])}: the quantity, "
        "the supplier or the deadline?",
        f"草稿 {code(d['draft_id'])} 要改什么：数量、供应商还是交期？",
    )


def status(s: OrderStatusResult, lang: Lang) -> str:
    if not s["found"] or not s["reference"]:
        return pick(
            lang, "I found no purchase requests or drafts of yours.", "没有找到您的采购申请或草稿。"
        )
    en, zh = STATUS_LABELS.get(s.get("status", ""), (clean(s.get("status", ""), 30),) * 2)
    total = s.get("total")
    what = bold(s["title"]) if s.get("title") else ""
    return pick(
        lang,
        f"{code(s['reference'])}{' ' + what if what else ''}: {en}"
        + (f", total {money(total)}" if total else "")
        + ".",
        f"{code(s['reference'])}{' ' + what if what else ''}：{zh}"
        + (f"，总价 {money(total)}" if total else "")
        + "。",
    )
