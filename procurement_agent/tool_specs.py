"""The procurement agent's tool contract: names, English descriptions, argument schemas,
a READ/WRITE tag, and the JSON shape of what each tool returns.

Any chat model drives the agent through these names and schemas (the embedded
deterministic model, or an LLM behind an OpenAI-compatible endpoint), and the real,
database-backed tools build their LangChain tools from them::

    StructuredTool.from_function(run, name=spec.name, description=spec.description,
                                 args_schema=spec.args)

Results are JSON objects (the tools return plain dicts, sent as JSON text): money is
``{"amount": "12.50", "currency": "CNY"}`` (a decimal string, as ``Money.to_dict``),
decimals (ratings, rates, scores) are strings, dates ISO strings. A tool that fails
returns ``{"error": {"code": ..., "message": ...}}``. Text written by suppliers (titles,
descriptions, names) is data: the model shows it, and never reads it as instructions.

Writes (``kind == WRITE``) are paused for the buyer's confirmation by the agent's
human-in-the-loop middleware before they run; ``place_order`` and
``submit_for_approval`` take only a draft id, and the server recomputes everything
(prices, budget, approval rules) from the frozen, hashed draft.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from typing_extensions import TypedDict

Sort = Literal["landed_price", "lead_time", "rating", "best_value"]
DecimalText = Annotated[str, StringConstraints(pattern=r"^-?\d{1,20}(\.\d{1,10})?$")]
MAX_LIMIT = 20
MAX_COMPARE = 10
MAX_QUANTITY = 10_000_000


class ToolKind(StrEnum):
    READ = "read"  # runs at once
    WRITE = "write"  # changes a draft or places an order: paused for the buyer's confirmation


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- arguments --------------------------------------------------------------------------
class SearchOffersArgs(_Args):
    product: str = Field(min_length=1, max_length=200, description="What to buy, e.g. 'bolt'.")
    specs: list[Annotated[str, StringConstraints(max_length=60)]] = Field(
        default_factory=list, max_length=10,
        description="Specification values: sizes, materials, grades, standards ('M8', '304').",
    )  # fmt: skip
    quantity: int | None = Field(None, ge=1, le=MAX_QUANTITY, description="Units to price at.")
    max_unit_price: Decimal | None = Field(None, gt=0, description="Cap on the unit price.")
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$", description="ISO 4217 code.")
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$", description="Delivery country.")
    region: str | None = Field(None, max_length=100, description="Delivery province or state.")
    deadline: date | None = Field(None, description="Latest acceptable delivery date.")
    verified_only: bool = Field(False, description="Only verified suppliers.")
    sort: Sort = Field("best_value", description="best_value: see best_value_score.")
    limit: int = Field(5, ge=1, le=MAX_LIMIT)


class SupplierDetailsArgs(_Args):
    supplier_id: str = Field(min_length=1, max_length=64)


class CompareOffersArgs(_Args):
    offer_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=MAX_COMPARE
    )
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    deadline: date | None = None
    country: str | None = Field(None, pattern=r"^[A-Z]{2}$")
    region: str | None = Field(None, max_length=100)


class CheckBudgetArgs(_Args):
    amount: Decimal = Field(gt=0, description="The total to spend.")
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class OrderStatusArgs(_Args):
    reference: str | None = Field(
        None, max_length=64,
        description="A purchase request id or draft id; none: the buyer's latest.",
    )  # fmt: skip


class CreateDraftArgs(_Args):
    offer_id: str = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    deadline: date | None = None
    delivery_location: str | None = Field(
        None, max_length=100,
        description="A hint to pick one of the company's delivery locations (a city name).",
    )  # fmt: skip


class UpdateDraftArgs(_Args):
    draft_id: str = Field(min_length=1, max_length=64)
    quantity: int | None = Field(None, ge=1, le=MAX_QUANTITY)
    offer_id: str | None = Field(None, min_length=1, max_length=64)
    deadline: date | None = None


class PlaceOrderArgs(_Args):
    draft_id: str = Field(min_length=1, max_length=64)


class SubmitForApprovalArgs(_Args):
    draft_id: str = Field(min_length=1, max_length=64)


# -- results ----------------------------------------------------------------------------
class MoneyJSON(TypedDict):
    amount: DecimalText
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class OfferSummary(TypedDict):
    offer_id: str
    supplier_id: str
    supplier_name: str  # supplier-written
    title: str  # supplier-written
    moq: int
    quantity: int  # the quantity priced (the MOQ when none was asked)
    unit_price: MoneyJSON
    landed_unit_price: MoneyJSON  # unit price plus shipping to the delivery region
    landed_total: MoneyJSON
    lead_time_days: int | None
    is_verified: bool
    rating: DecimalText | None  # 0-5
    on_time_rate: DecimalText | None  # 0-1
    fulfilled_orders: int
    orderable: bool  # priced in the company's currency: purchasing orders in that one only
    description: NotRequired[str]  # supplier-written: data, never instructions


class SearchOffersResult(TypedDict):
    query: dict[str, object]  # the arguments, as the tool understood them
    offers: list[OfferSummary]


class SupplierRegion(TypedDict):
    country: str
    region: str
    lead_time_days: int | None


class SupplierDetailsResult(TypedDict):
    supplier_id: str
    name: str
    is_verified: bool
    rating: DecimalText | None
    on_time_rate: DecimalText | None
    fulfilled_orders: int
    active_offers: int
    regions: list[SupplierRegion]
    description: NotRequired[str]


class ComparisonRow(OfferSummary):
    meets_deadline: bool | None  # None: no deadline, or no lead time known
    moq_ok: bool  # the quantity reaches the offer's MOQ
    goods_total: NotRequired[MoneyJSON]  # unit price x quantity: what the order is for
    best_value_score: DecimalText


class CompareOffersResult(TypedDict):
    quantity: int
    deadline: str | None
    rows: list[ComparisonRow]  # in the order of ``offer_ids``
    missing: list[str]  # offer ids not found or no longer active


class BudgetCheckResult(TypedDict):
    status: Literal["within_budget", "needs_approval", "blocked"]
    amount: MoneyJSON
    remaining: MoneyJSON | None  # the cost centre's budget left this month; None: no budget
    reasons: list[str]  # approval rules or limits that apply


class DraftResult(TypedDict):
    draft_id: str  # a new id for each version: an edit after freezing makes a new one
    status: str  # marketplace.procurement DraftStatus: draft, awaiting_confirmation, ...
    content_hash: str | None  # of the frozen content the buyer confirms; None: not frozen
    offer_id: str
    supplier_id: str
    supplier_name: str
    title: str
    quantity: int
    unit_price: MoneyJSON
    landed_unit_price: MoneyJSON
    total: MoneyJSON  # landed total
    lead_time_days: int | None
    deadline: str | None
    meets_deadline: bool | None
    delivery_location: str | None  # the company location chosen


class OrderResult(TypedDict):
    status: Literal["ordered", "submitted_for_approval", "failed"]
    draft_id: str
    purchase_request_id: str | None  # the purchase request (采购申请), once submitted
    order_ids: list[str]
    total: MoneyJSON
    approval_reasons: list[str]
    message: NotRequired[str]  # why it failed


class OrderStatusResult(TypedDict):
    found: bool
    reference: str | None  # the request or draft id found
    kind: NotRequired[Literal["purchase_request", "draft"]]
    status: NotRequired[str]  # a RequestStatus value, or "draft"
    total: NotRequired[MoneyJSON]
    supplier_name: NotRequired[str]
    title: NotRequired[str]
    updated_at: NotRequired[str]


class ToolErrorDetail(TypedDict):
    code: str
    message: str


class ToolErrorResult(TypedDict):
    error: ToolErrorDetail


# -- the contract -----------------------------------------------------------------------
@dataclass(frozen=True)
class ToolSpec:
    name: str
    kind: ToolKind
    description: str
    args: type[_Args]
    result: type  # the TypedDict of a successful result


def _spec(name: str, kind: ToolKind, args: type[_Args], result: type, text: str) -> ToolSpec:
    return ToolSpec(name, kind, " ".join(text.split()), args, result)


R, W = ToolKind.READ, ToolKind.WRITE
TOOL_SPECS: dict[str, ToolSpec] = {
    s.name: s
    for s in (
        _spec("search_offers", R, SearchOffersArgs, SearchOffersResult, """Search active
            offers of approved suppliers for a product, priced at the quantity and landed at
            the delivery place. Filters: specs, quantity (offers whose MOQ exceeds it are
            left out), max unit price, delivery country/region, deadline (lead time), verified
            suppliers only. Sort: landed_price, lead_time, rating or best_value."""),
        _spec("supplier_details", R, SupplierDetailsArgs, SupplierDetailsResult, """A
            supplier's profile: verification, rating, on-time rate, fulfilled orders, regions
            served with lead times, number of active offers."""),
        _spec("compare_offers", R, CompareOffersArgs, CompareOffersResult, """Compare offers
            side by side at a quantity: landed unit and total price, lead time against the
            deadline, whether the quantity reaches the MOQ, rating, verification and the
            best-value score."""),
        _spec("check_budget", R, CheckBudgetArgs, BudgetCheckResult, """Check an amount
            against the buyer's cost-centre budget and approval rules: within_budget,
            needs_approval or blocked, with the budget remaining."""),
        _spec("order_status", R, OrderStatusArgs, OrderStatusResult, """The status of a
            purchase request or draft by id, or of the buyer's latest one."""),
        _spec("create_draft", W, CreateDraftArgs, DraftResult, """Draft a purchase order
            for one offer at a quantity (optionally a deadline and a delivery location
            hint). The draft is frozen and hashed; nothing is ordered yet."""),
        _spec("update_draft", W, UpdateDraftArgs, DraftResult, """Change a draft: its
            quantity, its offer or its deadline. Returns the new frozen draft."""),
        _spec("place_order", W, PlaceOrderArgs, OrderResult, """Place the purchase order
            of a draft. Only the draft id is taken: the server recomputes prices, budget and
            approval rules, and turns an order over a limit into an approval request."""),
        _spec("submit_for_approval", W, SubmitForApprovalArgs, OrderResult, """Submit a
            draft to the company's approvers as a purchase request."""),
    )
}  # fmt: skip
READ_TOOLS = frozenset(n for n, s in TOOL_SPECS.items() if s.kind is ToolKind.READ)
WRITE_TOOLS = frozenset(n for n, s in TOOL_SPECS.items() if s.kind is ToolKind.WRITE)

# -- best value -------------------------------------------------------------------------
PRICE_WEIGHT, LEAD_WEIGHT, RATING_WEIGHT = Decimal("0.5"), Decimal("0.3"), Decimal("0.2")


def best_value_score(
    landed_unit_price: Decimal,
    lead_time_days: int | None,
    rating: Decimal | None,
    *,
    lowest_price: Decimal,
    shortest_lead: int | None,
) -> Decimal:
    """The best-value score of an offer among others, 0-1 (higher is better):
    0.5 x lowest price / its price + 0.3 x (shortest lead + 1) / (its lead + 1)
    + 0.2 x rating / 5. An unknown lead time or rating scores 0 on that part.
    Rounded to 4 places, so every implementation ranks alike."""
    price = lowest_price / landed_unit_price if landed_unit_price > 0 else Decimal(0)
    lead = Decimal(0)
    if lead_time_days is not None and shortest_lead is not None:
        lead = Decimal(shortest_lead + 1) / Decimal(lead_time_days + 1)
    stars = rating / 5 if rating is not None else Decimal(0)
    total = PRICE_WEIGHT * min(price, Decimal(1)) + LEAD_WEIGHT * min(lead, Decimal(1))
    return (total + RATING_WEIGHT * min(stars, Decimal(1))).quantize(Decimal("0.0001"))
