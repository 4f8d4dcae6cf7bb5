"""Inventory: warehouses, stock, the movement ledger and reservations for merchants;
platform warehouses for admins; public availability."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from marketplace.inventory import queries, services
from marketplace.inventory.domain import (
    MovementKind,
    Operator,
    Reservation,
    SkuNotFoundError,
    StockLevel,
    Warehouse,
)
from marketplace.shared.errors import NotFoundError
from serving.api.deps import App
from serving.api.pagination import decode_cursor, encode_cursor, invalid_cursor
from serving.api.schemas.inventory import (
    AdjustmentCreate,
    InboundCreate,
    ProductAvailabilityRead,
    ReservationCreate,
    ReservationPage,
    ReservationRead,
    SkuAvailabilityRead,
    StockChangeRead,
    StockLevelPage,
    StockLevelRead,
    StockMovementPage,
    StockMovementRead,
    WarehouseCreate,
    WarehousePage,
    WarehouseRead,
    WarehouseUpdate,
)
from serving.api.security import (
    ApprovedMerchantScope,
    MerchantContext,
    MerchantScope,
    PlatformAdmin,
    Principal,
)

_Responses = dict[int | str, dict[str, Any]]

router = APIRouter(tags=["inventory"])

_SCOPED: _Responses = {
    401: {"description": "not_authenticated"},
    403: {"description": "merchant_access_denied"},
    404: {"description": "merchant_not_found"},
}
_ADMIN: _Responses = {
    401: {"description": "not_authenticated"},
    403: {"description": "platform_admin_required"},
}
_STOCK_ERRORS: _Responses = {
    404: {"description": "sku_not_found / warehouse_not_found"},
    409: {"description": "insufficient_stock / adjustment_below_reserved"},
    422: {"description": "invalid_quantity / request_validation_failed"},
}
_RESERVE_ERRORS: _Responses = {
    404: {"description": "sku_not_found / warehouse_not_found"},
    409: {"description": "insufficient_stock / warehouse_inactive / reservation_mismatch"},
}
_FINISH_ERRORS: _Responses = {
    404: {"description": "reservation_not_found"},
    409: {"description": "reservation_not_active / reservation_expired"},
}

Cursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
Limit = Annotated[int, Query(ge=1, le=200, description="Page size")]


def _merchant(scope: MerchantContext) -> Operator:
    return Operator.merchant(scope.merchant_id, scope.actor)


def _platform(admin: Principal) -> Operator:
    return Operator.platform(admin.user_id or "platform")


# -- cursors ------------------------------------------------------------------------------
def _next_cursor(listing: str, **key: Any) -> str | None:
    return encode_cursor({"list": listing, **key}) if key else None


def _cursor_key(listing: str, cursor: str | None, **types: type) -> dict[str, Any] | None:
    """The page key inside a cursor made by ``_next_cursor`` for the same list."""
    payload = decode_cursor(cursor)
    if payload is None:
        return None
    if payload.pop("list", None) != listing or set(payload) != set(types):
        raise invalid_cursor()
    if not all(type(payload[name]) is kind for name, kind in types.items()):
        raise invalid_cursor()
    return payload


# -- mapping --------------------------------------------------------------------------------
def _warehouse(warehouse: Warehouse) -> WarehouseRead:
    return WarehouseRead.model_validate(warehouse, from_attributes=True)


def _warehouse_page(page: queries.Slice[Warehouse]) -> WarehousePage:
    last = page.items[-1] if page.has_more else None
    return WarehousePage(
        items=[_warehouse(w) for w in page.items],
        next_cursor=_next_cursor("wh", priority=last.priority, id=last.id) if last else None,
    )


def _change(level: StockLevel) -> StockChangeRead:
    return StockChangeRead.model_validate(level, from_attributes=True)


def _reservation(reservation: Reservation) -> ReservationRead:
    return ReservationRead.model_validate(reservation, from_attributes=True)


# -- merchant: warehouses ------------------------------------------------------------------
@router.get(
    "/merchants/{merchant_id}/warehouses",
    summary="The merchant's warehouses, and the platform warehouses it may stock",
    responses=_SCOPED,
)
def list_merchant_warehouses(
    scope: MerchantScope, container: App, cursor: Cursor = None, limit: Limit = 50
) -> WarehousePage:
    after = _cursor_key("wh", cursor, priority=int, id=str)
    page = queries.list_warehouses(
        container.engine,
        merchant_id=scope.merchant_id,
        limit=limit,
        after=(after["priority"], after["id"]) if after else None,
    )
    return _warehouse_page(page)


@router.post(
    "/merchants/{merchant_id}/warehouses",
    status_code=status.HTTP_201_CREATED,
    summary="Open a warehouse",
    responses={**_SCOPED, 409: {"description": "warehouse_code_taken"}},
)
def create_merchant_warehouse(
    body: WarehouseCreate, scope: MerchantScope, container: App
) -> WarehouseRead:
    cmd = services.CreateWarehouse(operator=_merchant(scope), **body.model_dump())
    return _warehouse(services.create_warehouse(cmd, uow=container.uow()))


@router.patch(
    "/merchants/{merchant_id}/warehouses/{warehouse_id}",
    summary="Edit a warehouse; is_active=false deactivates it",
    responses={**_SCOPED, 404: {"description": "warehouse_not_found"}},
)
def update_merchant_warehouse(
    warehouse_id: str, body: WarehouseUpdate, scope: MerchantScope, container: App
) -> WarehouseRead:
    cmd = services.UpdateWarehouse(
        _merchant(scope), warehouse_id, body.model_dump(exclude_unset=True)
    )
    return _warehouse(services.update_warehouse(cmd, uow=container.uow()))


# -- merchant: stock ------------------------------------------------------------------------
@router.get(
    "/merchants/{merchant_id}/stock",
    summary="Stock of the merchant's SKUs per warehouse",
    responses=_SCOPED,
)
def list_stock(
    scope: MerchantScope,
    container: App,
    sku_id: Annotated[str | None, Query(description="Only this SKU")] = None,
    warehouse_id: Annotated[str | None, Query(description="Only this warehouse")] = None,
    low_stock_threshold: Annotated[
        int | None, Query(ge=0, description="Only rows with available <= this")
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> StockLevelPage:
    after = _cursor_key("stock", cursor, sku_id=str, warehouse_id=str)
    page = queries.list_stock(
        container.engine,
        merchant_id=scope.merchant_id,
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        low_stock_threshold=low_stock_threshold,
        limit=limit,
        after=(after["sku_id"], after["warehouse_id"]) if after else None,
    )
    last = page.items[-1] if page.has_more else None
    return StockLevelPage(
        items=[StockLevelRead.model_validate(v, from_attributes=True) for v in page.items],
        next_cursor=(
            _next_cursor("stock", sku_id=last.sku_id, warehouse_id=last.warehouse_id)
            if last
            else None
        ),
    )


@router.post(
    "/merchants/{merchant_id}/stock/inbound",
    status_code=status.HTTP_201_CREATED,
    summary="Record an inbound receipt (on hand goes up)",
    responses={**_SCOPED, **_STOCK_ERRORS},
)
def receive_stock(body: InboundCreate, scope: MerchantScope, container: App) -> StockChangeRead:
    cmd = services.ReceiveStock(operator=_merchant(scope), **body.model_dump())
    return _change(services.receive_stock(cmd, uow=container.uow()))


@router.post(
    "/merchants/{merchant_id}/stock/adjustments",
    status_code=status.HTTP_201_CREATED,
    summary="Adjust on hand by a signed delta, or set it to a counted number",
    responses={**_SCOPED, **_STOCK_ERRORS},
)
def adjust_stock(body: AdjustmentCreate, scope: MerchantScope, container: App) -> StockChangeRead:
    cmd = services.AdjustStock(operator=_merchant(scope), **body.model_dump())
    return _change(services.adjust_stock(cmd, uow=container.uow()))


@router.get(
    "/merchants/{merchant_id}/stock/movements",
    summary="The movement ledger of the merchant's SKUs, newest first",
    responses=_SCOPED,
)
def list_movements(
    scope: MerchantScope,
    container: App,
    sku_id: Annotated[str | None, Query()] = None,
    warehouse_id: Annotated[str | None, Query()] = None,
    kind: Annotated[MovementKind | None, Query()] = None,
    reservation_id: Annotated[str | None, Query()] = None,
    cursor: Cursor = None,
    limit: Limit = 50,
) -> StockMovementPage:
    before = _cursor_key("movements", cursor, before_id=int)
    page = queries.list_movements(
        container.engine,
        merchant_id=scope.merchant_id,
        sku_id=sku_id,
        warehouse_id=warehouse_id,
        kind=kind,
        reservation_id=reservation_id,
        limit=limit,
        before_id=before["before_id"] if before else None,
    )
    last = page.items[-1] if page.has_more else None
    return StockMovementPage(
        items=[StockMovementRead.model_validate(m, from_attributes=True) for m in page.items],
        next_cursor=_next_cursor("movements", before_id=last.id) if last else None,
    )


# -- merchant: reservations ---------------------------------------------------------------
@router.post(
    "/merchants/{merchant_id}/reservations",
    status_code=status.HTTP_201_CREATED,
    summary="Reserve stock for a reference (idempotent per reference, SKU and warehouse)",
    responses={
        **_SCOPED,
        **_RESERVE_ERRORS,
        403: {"description": "merchant_access_denied / merchant_not_approved"},
    },
)
def reserve_stock(
    body: ReservationCreate, scope: ApprovedMerchantScope, container: App
) -> ReservationRead:
    cmd = services.ReserveStock(operator=_merchant(scope), **body.model_dump())
    ttl = timedelta(seconds=container.settings.reservation_ttl_seconds)
    return _reservation(services.reserve_stock(cmd, uow=container.uow(), default_ttl=ttl))


@router.post(
    "/merchants/{merchant_id}/reservations/{reservation_id}/release",
    summary="Release a reservation: the stock is available again",
    responses={**_SCOPED, **_FINISH_ERRORS},
)
def release_reservation(
    reservation_id: str, scope: MerchantScope, container: App
) -> ReservationRead:
    cmd = services.FinishReservation(_merchant(scope), reservation_id)
    return _reservation(services.release_reservation(cmd, uow=container.uow()))


@router.post(
    "/merchants/{merchant_id}/reservations/{reservation_id}/commit",
    summary="Commit a reservation: the goods leave (on hand and reserved drop)",
    responses={**_SCOPED, **_FINISH_ERRORS},
)
def commit_reservation(
    reservation_id: str, scope: MerchantScope, container: App
) -> ReservationRead:
    cmd = services.FinishReservation(_merchant(scope), reservation_id)
    return _reservation(services.commit_reservation(cmd, uow=container.uow()))


@router.get(
    "/merchants/{merchant_id}/reservations",
    summary="Reservations of the merchant's SKUs under one reference",
    responses=_SCOPED,
)
def list_reservations(
    scope: MerchantScope,
    container: App,
    reference: Annotated[str, Query(min_length=1, max_length=200)],
) -> ReservationPage:
    found = queries.reservations_by_reference(
        container.engine, merchant_id=scope.merchant_id, reference=reference
    )
    return ReservationPage(items=[_reservation(r) for r in found], next_cursor=None)


# -- platform admin -----------------------------------------------------------------------
@router.get("/admin/warehouses", summary="Platform warehouses", responses=_ADMIN)
def list_platform_warehouses(
    admin: PlatformAdmin, container: App, cursor: Cursor = None, limit: Limit = 50
) -> WarehousePage:
    after = _cursor_key("wh", cursor, priority=int, id=str)
    page = queries.list_warehouses(
        container.engine,
        merchant_id=None,
        limit=limit,
        after=(after["priority"], after["id"]) if after else None,
    )
    return _warehouse_page(page)


@router.post(
    "/admin/warehouses",
    status_code=status.HTTP_201_CREATED,
    summary="Open a platform warehouse",
    responses={**_ADMIN, 409: {"description": "warehouse_code_taken"}},
)
def create_platform_warehouse(
    body: WarehouseCreate, admin: PlatformAdmin, container: App
) -> WarehouseRead:
    cmd = services.CreateWarehouse(operator=_platform(admin), **body.model_dump())
    return _warehouse(services.create_warehouse(cmd, uow=container.uow()))


@router.patch(
    "/admin/warehouses/{warehouse_id}",
    summary="Edit a platform warehouse; is_active=false deactivates it",
    responses={**_ADMIN, 404: {"description": "warehouse_not_found"}},
)
def update_platform_warehouse(
    warehouse_id: str, body: WarehouseUpdate, admin: PlatformAdmin, container: App
) -> WarehouseRead:
    cmd = services.UpdateWarehouse(
        _platform(admin), warehouse_id, body.model_dump(exclude_unset=True)
    )
    return _warehouse(services.update_warehouse(cmd, uow=container.uow()))


@router.put(
    "/admin/warehouses/{warehouse_id}/merchants/{merchant_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Allow a merchant to stock a platform warehouse",
    responses={**_ADMIN, 404: {"description": "warehouse_not_found / merchant_not_found"}},
)
def grant_warehouse_access(
    warehouse_id: str, merchant_id: str, admin: PlatformAdmin, container: App
) -> Response:
    cmd = services.SetWarehouseAccess(warehouse_id, merchant_id)
    services.grant_warehouse_access(cmd, uow=container.uow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/admin/warehouses/{warehouse_id}/merchants/{merchant_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop a merchant stocking a platform warehouse (its stock there stays)",
    responses={**_ADMIN, 404: {"description": "warehouse_not_found"}},
)
def revoke_warehouse_access(
    warehouse_id: str, merchant_id: str, admin: PlatformAdmin, container: App
) -> Response:
    cmd = services.SetWarehouseAccess(warehouse_id, merchant_id)
    services.revoke_warehouse_access(cmd, uow=container.uow())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/admin/stock/inbound",
    status_code=status.HTTP_201_CREATED,
    summary="Record an inbound receipt in a platform warehouse",
    responses={**_ADMIN, **_STOCK_ERRORS},
)
def receive_platform_stock(
    body: InboundCreate, admin: PlatformAdmin, container: App
) -> StockChangeRead:
    cmd = services.ReceiveStock(operator=_platform(admin), **body.model_dump())
    return _change(services.receive_stock(cmd, uow=container.uow()))


@router.post(
    "/admin/stock/adjustments",
    status_code=status.HTTP_201_CREATED,
    summary="Adjust stock in a platform warehouse",
    responses={**_ADMIN, **_STOCK_ERRORS},
)
def adjust_platform_stock(
    body: AdjustmentCreate, admin: PlatformAdmin, container: App
) -> StockChangeRead:
    cmd = services.AdjustStock(operator=_platform(admin), **body.model_dump())
    return _change(services.adjust_stock(cmd, uow=container.uow()))


# -- public ---------------------------------------------------------------------------------
@router.get(
    "/skus/{sku_id}/availability",
    summary="Units of a SKU that can be ordered, over active warehouses",
    responses={404: {"description": "sku_not_found"}},
)
def sku_availability(sku_id: str, container: App) -> SkuAvailabilityRead:
    found = queries.sku_availability(container.engine, sku_id)
    if found is None:
        raise SkuNotFoundError("No such SKU.", sku_id=sku_id)
    return SkuAvailabilityRead.model_validate(found, from_attributes=True)


@router.get(
    "/products/{product_id}/availability",
    summary="Units of each SKU of a product that can be ordered",
    responses={404: {"description": "product_not_found"}},
)
def product_availability(product_id: str, container: App) -> ProductAvailabilityRead:
    found = queries.product_availability(container.engine, product_id)
    if found is None:
        raise NotFoundError("No such product.", code="product_not_found", product_id=product_id)
    return ProductAvailabilityRead(
        product_id=found.product_id,
        available=found.available,
        skus=[SkuAvailabilityRead.model_validate(s, from_attributes=True) for s in found.skus],
    )
