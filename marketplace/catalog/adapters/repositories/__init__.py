"""SQL repositories of the catalog: Core SQL, mapped by hand to the domain dataclasses."""

from marketplace.catalog.adapters.repositories.categories import SqlCategoryRepository
from marketplace.catalog.adapters.repositories.products import (
    SqlProductRepository,
    price_set_from_rows,
)

__all__ = ["SqlCategoryRepository", "SqlProductRepository", "price_set_from_rows"]
