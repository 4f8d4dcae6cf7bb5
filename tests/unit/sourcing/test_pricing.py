"""Sourcing's pricing rules with hand-computed figures: quantity-break tiers, contract
prices that win during their validity, landed unit prices, supplier metrics."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Self

import pytest

from marketplace.shared.clock import FixedClock
from marketplace.shared.money import Money
from marketplace.sourcing import services
from marketplace.sourcing.domain import (
    ContractPrice,
    FulfilmentRecord,
    InvalidContractPriceError,
    InvalidOfferError,
    Offer,
    PriceTier,
    ServedRegion,
    agreed_price,
    compute_metrics,
    current_contract,
    landed_unit_price,
    served_region,
    tier_at,
    validate_tiers,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def cny(amount: str) -> Money:
    return Money.of(amount, "CNY")


TIERS = (PriceTier(10, cny("5.00")), PriceTier(100, cny("4.50")), PriceTier(1000, cny("4.00")))


def offer(sku_id: str = "sku_1", tiers: tuple[PriceTier, ...] = TIERS) -> Offer:
    return Offer("ofr_1", "mer_1", sku_id, "CNY", tiers, True, T0, T0)


def contract(
    cid: str, price: str, start: date, end: date | None, *, created: datetime = T0
) -> ContractPrice:
    return ContractPrice(cid, "cmp_a", "sku_1", "mer_1", cny(price), start, end, None, created)


@pytest.mark.parametrize(
    ("quantity", "price", "rule_min"),
    [(10, "5.00", 10), (99, "5.00", 10), (100, "4.50", 100), (999, "4.50", 100),
     (1000, "4.00", 1000), (50_000, "4.00", 1000), (3, "5.00", 10)],
)  # fmt: skip
def test_the_price_at_a_quantity_is_the_largest_tier_reached(
    quantity: int, price: str, rule_min: int
) -> None:
    tier = tier_at(TIERS, quantity)
    assert (tier.unit_price, tier.min_quantity) == (cny(price), rule_min)
    agreed = agreed_price(offer(), None, quantity)
    assert (agreed.unit_price, agreed.rule, agreed.moq) == (cny(price), f"tier:{rule_min}", 10)


@pytest.mark.parametrize(
    ("tiers", "why"),
    [((), "none"), ((PriceTier(10, cny("5")), PriceTier(10, cny("4"))), "same quantity"),
     ((PriceTier(10, cny("5")), PriceTier(5, cny("4"))), "falling quantity"),
     ((PriceTier(10, cny("5")), PriceTier(20, cny("6"))), "rising price"),
     ((PriceTier(0, cny("5")),), "zero quantity"),
     ((PriceTier(1, Money.of("5", "USD")),), "other currency"),
     (tuple(PriceTier(i + 1, cny("1")) for i in range(6)), "too many")],
)  # fmt: skip
def test_bad_tiers_are_refused(tiers: tuple[PriceTier, ...], why: str) -> None:
    with pytest.raises(InvalidOfferError) as caught:
        validate_tiers(tiers, "CNY")
    assert caught.value.code == "invalid_price_tiers", why


def test_a_contract_price_wins_only_during_its_validity() -> None:
    c = contract("cpr_1", "3.80", date(2026, 3, 1), date(2026, 3, 31))
    assert current_contract([c], date(2026, 2, 28)) is None
    assert current_contract([c], date(2026, 3, 1)) is c
    assert current_contract([c], date(2026, 3, 31)) is c  # inclusive
    assert current_contract([c], date(2026, 4, 1)) is None
    agreed = agreed_price(offer(), c, 5000)  # even beyond the cheapest tier
    assert (agreed.unit_price, agreed.rule, agreed.moq) == (cny("3.80"), "contract:cpr_1", 10)


def test_of_overlapping_contracts_the_latest_created_wins() -> None:
    old = contract("cpr_1", "3.80", date(2026, 1, 1), None)
    new = contract("cpr_2", "3.90", date(2026, 3, 1), None, created=T0 + timedelta(days=1))
    assert current_contract([old, new], date(2026, 3, 5)) is new
    assert current_contract([old, new], date(2026, 2, 5)) is old


def test_a_contract_in_another_currency_is_not_used() -> None:
    usd = ContractPrice("cpr_u", "cmp_a", "sku_1", "mer_1", Money.of("0.5", "USD"),
                        date(2026, 1, 1), None, None, T0)  # fmt: skip
    assert agreed_price(offer(), usd, 100).rule == "tier:100"


def test_contract_validation() -> None:
    bad_company = ContractPrice(
        "cpr_1", "acme", "sku_1", "mer_1", cny("1.00"), date(2026, 1, 1), None, None, T0
    )
    with pytest.raises(InvalidContractPriceError) as caught:
        bad_company.validate()
    assert caught.value.code == "invalid_company_id"
    backwards = contract("cpr_1", "1.00", date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(InvalidContractPriceError) as caught:
        backwards.validate()
    assert caught.value.code == "invalid_validity"


SHANGHAI = ServedRegion("CN", "Shanghai", 3, cny("0.20"), cny("50.00"))
CHINA = ServedRegion("CN", "", 7, cny("0.30"), cny("80.00"))


def test_landed_price_spreads_the_per_order_shipping_over_the_quantity() -> None:
    # 4.50 + 0.20 + 50.00 / 300 (0.1666.. -> 0.17) = 4.87
    assert landed_unit_price(cny("4.50"), SHANGHAI, 300) == cny("4.87")
    # 5.00 + 0.20 + 50.00 / 80 (0.625 -> 0.63, half up) = 5.83
    assert landed_unit_price(cny("5.00"), SHANGHAI, 80) == cny("5.83")
    assert landed_unit_price(cny("5.00"), None, 80) == cny("5.00")


def test_the_named_region_wins_over_the_whole_country() -> None:
    regions = [CHINA, SHANGHAI]
    assert served_region(regions, "cn", "shanghai") is SHANGHAI
    assert served_region(regions, "CN", "Zhejiang") is CHINA
    assert served_region(regions, "US", "CA") is None
    assert served_region([SHANGHAI], "CN", "Zhejiang") is None


def test_metrics_count_on_time_shipments_and_orders_kept_without_refund() -> None:
    paid = T0
    records = [
        FulfilmentRecord(paid, paid + timedelta(days=2), "CN", "Shanghai", False),  # on time
        FulfilmentRecord(paid, paid + timedelta(days=4), "CN", "Shanghai", False),  # late (3)
        FulfilmentRecord(paid, paid + timedelta(days=6), "CN", "Zhejiang", True),  # on time (7)
        FulfilmentRecord(paid, paid + timedelta(days=8), "CN", "Zhejiang", False),  # late
    ]
    metrics = compute_metrics(records, [CHINA, SHANGHAI], T0)
    assert metrics.fulfilled_orders == 4
    assert metrics.on_time_rate == Decimal("0.5000")
    # 5 x (0.7 x 2 + 0.3 x 3) / 4 = 2.875 -> 2.88
    assert metrics.rating == Decimal("2.88")
    empty = compute_metrics([], [CHINA], T0)
    assert (empty.fulfilled_orders, empty.on_time_rate, empty.rating) == (0, None, None)


# -- agreed_unit_prices through the service, with in-memory repositories ----------------------
@dataclass
class _Offers:
    items: dict[str, Offer] = field(default_factory=dict)

    def active_for_skus(self, sku_ids: Collection[str]) -> dict[str, Offer]:
        return {s: o for s, o in self.items.items() if s in sku_ids and o.is_active}


@dataclass
class _Contracts:
    items: list[ContractPrice] = field(default_factory=list)

    def for_company(self, company_id: str, sku_ids: Collection[str]) -> list[ContractPrice]:
        return [c for c in self.items if c.company_id == company_id and c.sku_id in sku_ids]


@dataclass
class _Uow:
    offers: _Offers
    contract_prices: _Contracts
    clock: FixedClock = field(default_factory=FixedClock)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def commit(self) -> None:
        return None


def test_agreed_unit_prices_apply_one_companys_contract_and_skip_skus_without_offer() -> None:
    inactive = Offer("ofr_2", "mer_1", "sku_2", "CNY", TIERS, False, T0, T0)
    uow = _Uow(
        _Offers({"sku_1": offer(), "sku_2": inactive}),
        _Contracts([contract("cpr_1", "3.80", date(2026, 3, 1), None)]),
    )
    lines = [("sku_1", 150), ("sku_2", 10), ("sku_9", 1)]
    on = date(2026, 3, 2)
    mine = services.agreed_unit_prices(uow, company_id="cmp_a", lines=lines, on=on)  # type: ignore[arg-type]
    assert set(mine) == {"sku_1"}
    assert (mine["sku_1"].unit_price, mine["sku_1"].rule) == (cny("3.80"), "contract:cpr_1")
    other = services.agreed_unit_prices(uow, company_id="cmp_b", lines=lines, on=on)  # type: ignore[arg-type]
    assert (other["sku_1"].unit_price, other["sku_1"].rule) == (cny("4.50"), "tier:100")
    nobody = services.agreed_unit_prices(uow, company_id=None, lines=lines, on=on)  # type: ignore[arg-type]
    assert nobody["sku_1"].rule == "tier:100"
    assert nobody["sku_1"].moq == 10
    before = services.agreed_unit_prices(uow, company_id="cmp_a", lines=lines,  # type: ignore[arg-type]
                                         on=date(2026, 2, 1))  # fmt: skip
    assert before["sku_1"].rule == "tier:100"
