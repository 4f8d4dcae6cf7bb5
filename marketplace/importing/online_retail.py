"""Cleaning and the first pass over UCI Online Retail.

Rows are dropped, each for one counted reason (in this order of checks):
- ``missing_customer_id``: no CustomerID (orders need a buyer);
- ``non_product_code``: postage, carriage, fees, manual adjustments, samples, gift
  vouchers (POST, DOT, C2, M, D, S, B, PADS, CRUK, BANK CHARGES, AMAZONFEE, gift_*);
- ``non_positive_price``: UnitPrice <= 0 (adjustments, bad debt, free samples);
- ``sub_penny_price``: more decimals than GBP has (cannot be charged exactly);
- ``non_positive_quantity``: a purchase (invoice not starting with "C") of 0 or fewer units;
- ``duplicate_line``: the exact same row again within its invoice;
- ``repeated_code_other_price`` (second pass): the stock code already on the invoice at
  another price (an order has one line per SKU); the same price adds up the quantity;
- ``cancellation_without_match`` (second pass): a cancellation with no earlier purchase of
  that code by that customer left to refund.

Wholesale rule: a customer whose median line quantity over their kept purchases is at
least ``WHOLESALE_MEDIAN_QUANTITY`` is a company (with the customer as buyer admin) and
their invoices are B2B orders.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from statistics import median

from marketplace.importing.sources import ImportReport, csv_rows, utc

FILE = Path("uci-online-retail") / "online_retail.csv.gz"
NON_PRODUCT_CODES = frozenset({"POST", "DOT", "C2", "M", "D", "S", "B", "PADS", "CRUK",
                               "BANK CHARGES", "AMAZONFEE"})  # fmt: skip
WHOLESALE_MEDIAN_QUANTITY = 12
PENNY = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Line:
    invoice: str
    code: str
    description: str
    quantity: int
    at: datetime
    price: Decimal
    customer: str
    country: str

    @property
    def is_cancellation(self) -> bool:
        return self.invoice.startswith("C")


def parse(row: dict[str, str]) -> Line | str:
    """The row as a Line, or the reason it is dropped (duplicates are checked later)."""
    code = row["StockCode"].strip()
    if not row["CustomerID"].strip():
        return "missing_customer_id"
    if code.upper() in NON_PRODUCT_CODES or code.lower().startswith("gift_"):
        return "non_product_code"
    try:
        price = Decimal(row["UnitPrice"])
    except InvalidOperation:
        return "non_positive_price"
    if price <= 0:
        return "non_positive_price"
    if price != price.quantize(PENNY):
        return "sub_penny_price"
    line = Line(row["InvoiceNo"].strip(), code.upper(), (row["Description"] or "").strip(),
                int(row["Quantity"]), utc(row["InvoiceDate"]), price.quantize(PENNY),
                row["CustomerID"].strip(), row["Country"].strip())  # fmt: skip
    if not line.is_cancellation and line.quantity <= 0:
        return "non_positive_quantity"
    return line


def clean_lines(path: Path, report: ImportReport | None, limit: int | None) -> Iterator[Line]:
    """Kept lines in file order (exact duplicates within an invoice dropped)."""
    invoice, seen = "", set[tuple[str, ...]]()
    for row in csv_rows(path, limit=limit):
        if report is not None:
            report.rows_read += 1
        parsed = parse(row)
        if isinstance(parsed, str):
            if report is not None:
                report.drop(parsed)
            continue
        key = tuple(row.values())
        if parsed.invoice != invoice:
            invoice, seen = parsed.invoice, set()
        if key in seen:
            if report is not None:
                report.drop("duplicate_line")
            continue
        seen.add(key)
        yield parsed


@dataclass
class Scan:
    """What the second pass needs to know before writing orders."""

    descriptions: dict[str, str] = field(default_factory=dict)
    prices: dict[str, Counter[Decimal]] = field(default_factory=lambda: defaultdict(Counter))
    first_seen: dict[str, datetime] = field(default_factory=dict)  # code -> first sale
    customers: dict[str, tuple[datetime, str]] = field(default_factory=dict)  # first, country
    quantities: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    def list_price(self, code: str) -> Decimal:
        """A SKU's list price: the unit price it was most often sold at."""
        return self.prices[code].most_common(1)[0][0]

    def is_wholesale(self, customer: str) -> bool:
        quantities = self.quantities.get(customer) or []
        return bool(quantities) and median(quantities) >= WHOLESALE_MEDIAN_QUANTITY


def scan(path: Path, limit: int | None) -> Scan:
    """First pass: stock codes (description, usual price), customers and their habits."""
    out = Scan()
    for line in clean_lines(path, None, limit):
        if line.is_cancellation:
            continue
        out.customers.setdefault(line.customer, (line.at, line.country))
        out.first_seen.setdefault(line.code, line.at)
        if line.description and line.code not in out.descriptions:
            out.descriptions[line.code] = line.description
        out.prices[line.code][line.price] += 1
        out.quantities[line.customer].append(line.quantity)
    return out
