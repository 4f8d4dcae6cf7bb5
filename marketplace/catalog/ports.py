"""What the catalog's services need from the outside world."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from marketplace.catalog.domain import Category, PriceSet, Product, Sku, SubtreeMove
from marketplace.shared.clock import Clock


class MerchantView(Protocol):
    """The little the catalog needs to know about a merchant (the parties area owns it)."""

    @property
    def id(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def default_currency(self) -> str: ...

    @property
    def default_locale(self) -> str: ...


class ShopView(Protocol):
    @property
    def id(self) -> str: ...


class MerchantDirectory(Protocol):
    def get(self, merchant_id: str, *, for_update: bool = False) -> MerchantView | None: ...


class ShopDirectory(Protocol):
    def list_for_merchant(self, merchant_id: str) -> Sequence[ShopView]: ...


class CategoryRepository(Protocol):
    def lock_tree(self) -> None:
        """Serialise writers of the tree (moves rewrite many paths)."""
        ...

    def get(self, category_id: str) -> Category | None: ...

    def get_many(self, category_ids: Iterable[str]) -> dict[str, Category]: ...

    def slug_taken(self, slug: str, *, except_id: str | None = None) -> bool: ...

    def siblings(self, parent_id: str | None) -> list[Category]: ...

    def deepest_path_length(self, path: str) -> int: ...

    def add(self, category: Category) -> None: ...

    def update(self, category: Category) -> None: ...

    def set_positions(self, positions: dict[str, int], now: datetime) -> None: ...

    def move_subtree(self, move: SubtreeMove, *, position: int, now: datetime) -> None: ...


class ProductRepository(Protocol):
    def get(self, product_id: str, *, for_update: bool = False) -> Product | None: ...

    def get_by_sku(self, sku_id: str, *, for_update: bool = False) -> Product | None: ...

    def product_ids_of_merchant(self, merchant_id: str) -> list[str]: ...

    def sku_code_taken(
        self, merchant_id: str, sku_code: str, *, except_sku_id: str | None = None
    ) -> bool: ...

    def add(self, product: Product, *, price_currency: str) -> None: ...

    def save(self, product: Product, *, price_currency: str) -> None: ...

    def add_sku(self, sku: Sku) -> None: ...

    def update_sku(self, sku: Sku) -> None: ...

    def replace_prices(self, sku_id: str, prices: PriceSet, *, now: datetime) -> None: ...


class CatalogUnitOfWork(Protocol):
    clock: Clock

    @property
    def categories(self) -> CategoryRepository: ...

    @property
    def products(self) -> ProductRepository: ...

    @property
    def merchants(self) -> MerchantDirectory: ...

    @property
    def shops(self) -> ShopDirectory: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def on_commit(self, hook: Callable[[], Any]) -> None: ...


class ProductDetailCache(Protocol):
    """Finished product-detail JSON, per product and locale; one call drops every locale."""

    def get(self, product_id: str, locale: str) -> bytes | None: ...

    def put(self, product_id: str, locale: str, body: bytes) -> None: ...

    def invalidate(self, *product_ids: str) -> None: ...
