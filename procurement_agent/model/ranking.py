"""Ranking offers for a buyer's preference, and the one offer to propose.

Cheapest ranks by landed total, fastest by lead time, highest rated by rating, best value
(and no preference) by ``tool_specs.best_value_score`` among the offers ranked; ties go to
the lower landed total, then the offer id. Offers the company can order (priced in its
currency) rank before the others, whose prices do not compare. The proposal is the best of
the orderable offers that meet the deadline, the MOQ and the buyer's own budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from procurement_agent.model.results import amount
from procurement_agent.tool_specs import ComparisonRow, OfferSummary, best_value_score
from procurement_agent.understanding import DialogueState, Preference

SORTS = {Preference.CHEAPEST: "landed_price", Preference.FASTEST: "lead_time",
         Preference.HIGHEST_RATED: "rating", Preference.BEST_VALUE: "best_value"}  # fmt: skip


def preference_of(state: DialogueState) -> Preference:
    """The buyer's latest sort preference; best value when none was said."""
    sorts = [p for p in state.preferences if p in SORTS]
    return sorts[-1] if sorts else Preference.BEST_VALUE


def rank(rows: Sequence[OfferSummary], preference: Preference) -> list[int]:
    """Row indexes, best first for ``preference`` (ties: lower landed total, then id)."""
    prices = [amount(r["landed_unit_price"]) for r in rows]
    orderable = [p for p, r in zip(prices, rows, strict=True) if r.get("orderable", True)]
    leads = [r["lead_time_days"] for r in rows if r["lead_time_days"] is not None]
    lowest, shortest = min(orderable or prices), min(leads) if leads else None
    inf = Decimal("Infinity")

    def key(i: int) -> tuple[bool, Decimal, Decimal, str]:
        r = rows[i]
        total = amount(r["landed_total"])
        lead = Decimal(r["lead_time_days"]) if r["lead_time_days"] is not None else inf
        rating = Decimal(r["rating"]) if r["rating"] is not None else Decimal(-1)
        if preference is Preference.CHEAPEST:
            first = total
        elif preference is Preference.FASTEST:
            first = lead
        elif preference is Preference.HIGHEST_RATED:
            first = -rating
        else:
            known = rating if rating >= 0 else None
            first = -best_value_score(prices[i], r["lead_time_days"], known,
                                      lowest_price=lowest, shortest_lead=shortest)  # fmt: skip
        return not r.get("orderable", True), first, total, r["offer_id"]

    return sorted(range(len(rows)), key=key)


def proposal(
    rows: Sequence[ComparisonRow], state: DialogueState, quantity: int
) -> tuple[int | None, list[str]]:
    """The row to propose for the buyer's preference among those that meet the deadline,
    the MOQ and the buyer's budget (when in the same currency); else the unmet ones."""
    budget = state.budget
    problems: list[str] = []

    def fits(r: ComparisonRow) -> bool:
        fails = []
        if not r.get("orderable", True):
            fails.append("currency")
        if r["meets_deadline"] is False:
            fails.append("deadline")
        if not r["moq_ok"]:
            fails.append("moq")
        total = r["landed_total"]
        same_currency = budget is not None and budget.currency in (None, total["currency"])
        if budget is not None and same_currency and amount(total) > budget.amount:
            fails.append("budget")
        problems.extend(p for p in fails if p not in problems)
        return not fails

    candidates = [i for i, r in enumerate(rows) if fits(r)]
    if not candidates:
        return None, problems or ["deadline"]
    ranked = rank([rows[i] for i in candidates], preference_of(state))
    return candidates[ranked[0]], []
