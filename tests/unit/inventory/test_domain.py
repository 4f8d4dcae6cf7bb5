"""Pure rules of the inventory domain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marketplace.inventory.domain import (
    DEFAULT_RESERVATION_TTL,
    AdjustmentBelowReservedError,
    InsufficientStockError,
    InvalidQuantityError,
    InvalidTtlError,
    InvalidWarehouseError,
    Movement,
    MovementKind,
    Operator,
    Reservation,
    ReservationStatus,
    StockLevel,
    Warehouse,
    adjustment_error,
    ledger_totals,
    require_quantity,
    reservation_ttl,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
A = Operator.merchant("mer_a", "usr_a")
B = Operator.merchant("mer_b", "usr_b")
PLATFORM = Operator.platform()


def warehouse(merchant_id: str | None = "mer_a", **kw: object) -> Warehouse:
    fields: dict[str, object] = {
        "id": "wh_1", "merchant_id": merchant_id, "code": "HZ-1", "name": "Hangzhou",
        "country": "CN", "region": "Zhejiang", "city": None, "address": None, "priority": 10,
        "is_active": True, "created_at": T0, "updated_at": T0,
    }  # fmt: skip
    fields.update(kw)
    return Warehouse(**fields)  # type: ignore[arg-type]


def test_available_is_on_hand_minus_reserved() -> None:
    assert StockLevel("sku", "wh", on_hand=10, reserved=4).available == 6


@pytest.mark.parametrize("bad", [0, -1, 1_000_000_001, True, 1.5])
def test_quantities_must_be_positive_whole_numbers(bad: object) -> None:
    with pytest.raises(InvalidQuantityError) as err:
        require_quantity(bad)  # type: ignore[arg-type]
    assert err.value.code == "invalid_quantity"


def test_ttl_defaults_and_bounds() -> None:
    assert reservation_ttl(None, DEFAULT_RESERVATION_TTL) == timedelta(minutes=15)
    assert reservation_ttl(60, DEFAULT_RESERVATION_TTL) == timedelta(seconds=60)
    for bad in (0, 31 * 24 * 3600):
        with pytest.raises(InvalidTtlError):
            reservation_ttl(bad, DEFAULT_RESERVATION_TTL)


@pytest.mark.parametrize(
    ("field", "value"),
    [("code", "has space"), ("code", ""), ("name", "  "), ("country", "cn"),
     ("country", "CHN"), ("region", ""), ("priority", -1)],
)  # fmt: skip
def test_warehouse_validation(field: str, value: object) -> None:
    with pytest.raises(InvalidWarehouseError) as err:
        warehouse(**{field: value}).validate()
    assert err.value.details["field"] == field


def test_warehouse_changes_are_limited_and_validated() -> None:
    later = T0 + timedelta(hours=1)
    changed = warehouse().with_changes(
        {"is_active": False, "priority": 1, "country": "jp"}, now=later
    )
    assert (changed.is_active, changed.priority, changed.country) == (False, 1, "JP")
    assert changed.updated_at == later
    with pytest.raises(InvalidWarehouseError):
        warehouse().with_changes({"merchant_id": "mer_b"}, now=later)
    with pytest.raises(InvalidWarehouseError):
        warehouse().with_changes({"country": "China"}, now=later)


def test_who_may_stock_which_warehouse() -> None:
    own, platform = warehouse("mer_a"), warehouse(None)
    assert own.is_stockable_by(A, has_access=False)
    assert not own.is_stockable_by(B, has_access=True)
    assert not own.is_stockable_by(PLATFORM, has_access=False)
    assert platform.is_stockable_by(PLATFORM, has_access=False)
    assert platform.is_stockable_by(A, has_access=True)
    assert not platform.is_stockable_by(A, has_access=False)


def test_who_may_reserve_in_which_warehouse() -> None:
    own, platform = warehouse("mer_a"), warehouse(None)
    assert own.is_visible_for_reserving_by(A)
    assert not own.is_visible_for_reserving_by(B)
    assert own.is_visible_for_reserving_by(PLATFORM)
    assert platform.is_visible_for_reserving_by(B)


def test_adjustment_error_says_why() -> None:
    level = StockLevel("sku", "wh", on_hand=5, reserved=3)
    below_zero = adjustment_error(level, -1)
    below_reserved = adjustment_error(level, 2)
    assert isinstance(below_zero, InsufficientStockError)
    assert isinstance(below_reserved, AdjustmentBelowReservedError)
    assert below_reserved.details == {"on_hand": 5, "reserved": 3}
    assert adjustment_error(None, -2).code == "insufficient_stock"


def test_reservation_expiry_is_inclusive() -> None:
    r = Reservation("rsv_1", "sku", "wh", 1, ReservationStatus.ACTIVE, "ref",
                    expires_at=T0, created_at=T0 - timedelta(minutes=1), updated_at=T0)  # fmt: skip
    assert r.is_active
    assert r.is_past_expiry(T0)
    assert not r.is_past_expiry(T0 - timedelta(microseconds=1))


def test_ledger_totals_replay_a_row() -> None:
    level = StockLevel("sku", "wh", 0, 0)
    moves = [
        Movement.of(level, MovementKind.INBOUND, delta_on_hand=10, delta_reserved=0,
                    reason="r", at=T0, actor=None),
        Movement.of(level, MovementKind.RESERVE, delta_on_hand=0, delta_reserved=3,
                    reason="r", at=T0, actor=None),
        Movement.of(level, MovementKind.COMMIT, delta_on_hand=-3, delta_reserved=-3,
                    reason="r", at=T0, actor=None),
    ]  # fmt: skip
    assert ledger_totals(moves) == (7, 0)
