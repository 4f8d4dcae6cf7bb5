"""The SQL unit of work: one transaction, the repositories that work inside it, and
hooks that run only after a successful commit (cache invalidation, event relay)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from marketplace.db.errors import is_transient
from marketplace.shared.clock import Clock, SystemClock
from marketplace.shared.errors import TransientConflictError

if TYPE_CHECKING:
    from marketplace.advice.adapters.pricing_inputs import (
        SqlPricingPolicyRepository,
        SqlSkuPricingInputsRepository,
    )
    from marketplace.advice.adapters.repositories import (
        SqlDemandForecastRepository,
        SqlPriceSuggestionRepository,
    )
    from marketplace.cart.adapters.repositories import SqlCartRepository
    from marketplace.cart.adapters.snapshots import SqlSkuSnapshotReader
    from marketplace.catalog.adapters.repositories import (
        SqlCategoryRepository,
        SqlProductRepository,
    )
    from marketplace.companies.adapters.repositories import (
        SqlBudgetRepository,
        SqlCompanyRepository,
    )
    from marketplace.events.adapters.outbox import SqlConsumedEvents, SqlOutbox
    from marketplace.events.adapters.webhooks import SqlWebhookRepository
    from marketplace.fx.adapters.repositories import SqlFxRateRepository
    from marketplace.idempotency.adapters import SqlIdempotencyRepository
    from marketplace.inventory.adapters.repositories import (
        SqlStockRepository,
        SqlWarehouseRepository,
    )
    from marketplace.ordering.adapters.repositories import SqlOrderRepository
    from marketplace.parties.adapters.repositories import (
        SqlApiKeyRepository,
        SqlMerchantRepository,
        SqlRefreshTokenRepository,
        SqlShopRepository,
        SqlUserRepository,
    )
    from marketplace.payments.adapters.internal import SqlCreditLedger, SqlWalletLedger
    from marketplace.payments.adapters.invoices import SqlInvoiceRepository
    from marketplace.payments.adapters.repositories import (
        SqlPaymentRepository,
        SqlRefundRepository,
    )
    from marketplace.procurement.adapters.repository import SqlProcurementRepository
    from marketplace.purchasing.adapters.repositories import SqlPurchaseRequestRepository
    from marketplace.rfq.adapters.repositories import SqlRfqRepository
    from marketplace.settlement.adapters.commission_rules import SqlCommissionRuleRepository
    from marketplace.settlement.adapters.ledger import SqlLedgerRepository
    from marketplace.settlement.adapters.payouts import (
        SqlPayoutRepository,
        SqlStatementRepository,
    )
    from marketplace.sourcing.adapters.repositories import (
        SqlContractPriceRepository,
        SqlOfferRepository,
        SqlSupplierRepository,
    )


class SqlUnitOfWork:
    """``with uow: ...; uow.commit()``. Leaving the block without commit rolls back."""

    def __init__(self, engine: Engine, *, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock: Clock = clock or SystemClock()
        self._after_commit: list[Callable[[], Any]] = []
        self._conn: Connection | None = None

    @property
    def connection(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._conn

    def __enter__(self) -> Self:
        self._conn = self.engine.connect()
        self._conn.begin()
        self._after_commit = []
        # Repositories are bound to this connection; drop any from a previous block.
        for name in list(vars(self)):
            if name.startswith("repo_") or name in _REPOSITORY_NAMES:
                del self.__dict__[name]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.close()
        if isinstance(exc, DBAPIError) and is_transient(exc):
            raise TransientConflictError(
                "The database broke a deadlock or conflict; nothing changed, try again."
            ) from exc

    def commit(self) -> None:
        # Append-only rows that repositories buffer (outbox events, stock movements) go in
        # now, one multi-row INSERT each, inside the transaction they describe.
        for repository in self._buffering():
            repository.flush()
        self.connection.commit()
        hooks, self._after_commit = self._after_commit, []
        for hook in hooks:
            hook()
        self.connection.begin()

    def rollback(self) -> None:
        for repository in self._buffering():
            repository.discard()
        self.connection.rollback()
        self._after_commit = []
        self.connection.begin()

    def _buffering(self) -> list[Any]:
        return [repo for name in _BUFFERING if (repo := self.__dict__.get(name)) is not None]

    def on_commit(self, hook: Callable[[], Any]) -> None:
        """Run ``hook`` once this transaction has committed (never if it rolls back)."""
        self._after_commit.append(hook)

    # -- repositories (created lazily, bound to this transaction) --------------------
    @cached_property
    def users(self) -> SqlUserRepository:
        from marketplace.parties.adapters.repositories import SqlUserRepository

        return SqlUserRepository(self.connection)

    @cached_property
    def merchants(self) -> SqlMerchantRepository:
        from marketplace.parties.adapters.repositories import SqlMerchantRepository

        return SqlMerchantRepository(self.connection)

    @cached_property
    def shops(self) -> SqlShopRepository:
        from marketplace.parties.adapters.repositories import SqlShopRepository

        return SqlShopRepository(self.connection)

    @cached_property
    def api_keys(self) -> SqlApiKeyRepository:
        from marketplace.parties.adapters.repositories import SqlApiKeyRepository

        return SqlApiKeyRepository(self.connection)

    @cached_property
    def refresh_tokens(self) -> SqlRefreshTokenRepository:
        from marketplace.parties.adapters.repositories import SqlRefreshTokenRepository

        return SqlRefreshTokenRepository(self.connection)

    @cached_property
    def categories(self) -> SqlCategoryRepository:
        from marketplace.catalog.adapters.repositories import SqlCategoryRepository

        return SqlCategoryRepository(self.connection)

    @cached_property
    def products(self) -> SqlProductRepository:
        from marketplace.catalog.adapters.repositories import SqlProductRepository

        return SqlProductRepository(self.connection)

    @cached_property
    def warehouses(self) -> SqlWarehouseRepository:
        from marketplace.inventory.adapters.repositories import SqlWarehouseRepository

        return SqlWarehouseRepository(self.connection)

    @cached_property
    def stock(self) -> SqlStockRepository:
        from marketplace.inventory.adapters.repositories import SqlStockRepository

        return SqlStockRepository(self.connection)

    @cached_property
    def fx_rates(self) -> SqlFxRateRepository:
        from marketplace.fx.adapters.repositories import SqlFxRateRepository

        return SqlFxRateRepository(self.connection)

    @cached_property
    def carts(self) -> SqlCartRepository:
        from marketplace.cart.adapters.repositories import SqlCartRepository

        return SqlCartRepository(self.connection)

    @cached_property
    def sku_snapshots(self) -> SqlSkuSnapshotReader:
        from marketplace.cart.adapters.snapshots import SqlSkuSnapshotReader

        return SqlSkuSnapshotReader(self.connection)

    @cached_property
    def commission_rules(self) -> SqlCommissionRuleRepository:
        from marketplace.settlement.adapters.commission_rules import SqlCommissionRuleRepository

        return SqlCommissionRuleRepository(self.connection)

    @cached_property
    def ledger(self) -> SqlLedgerRepository:
        from marketplace.settlement.adapters.ledger import SqlLedgerRepository

        return SqlLedgerRepository(self.connection)

    @cached_property
    def payouts(self) -> SqlPayoutRepository:
        from marketplace.settlement.adapters.payouts import SqlPayoutRepository

        return SqlPayoutRepository(self.connection)

    @cached_property
    def settlement_statements(self) -> SqlStatementRepository:
        from marketplace.settlement.adapters.payouts import SqlStatementRepository

        return SqlStatementRepository(self.connection)

    @cached_property
    def outbox(self) -> SqlOutbox:
        from marketplace.events.adapters.outbox import SqlOutbox

        return SqlOutbox(self.connection)

    @cached_property
    def consumed_events(self) -> SqlConsumedEvents:
        from marketplace.events.adapters.outbox import SqlConsumedEvents

        return SqlConsumedEvents(self.connection)

    @cached_property
    def webhooks(self) -> SqlWebhookRepository:
        from marketplace.events.adapters.webhooks import SqlWebhookRepository

        return SqlWebhookRepository(self.connection)

    @cached_property
    def idempotency(self) -> SqlIdempotencyRepository:
        from marketplace.idempotency.adapters import SqlIdempotencyRepository

        return SqlIdempotencyRepository(self.connection)

    @cached_property
    def orders(self) -> SqlOrderRepository:
        from marketplace.ordering.adapters.repositories import SqlOrderRepository

        return SqlOrderRepository(self.connection)

    @cached_property
    def payments(self) -> SqlPaymentRepository:
        from marketplace.payments.adapters.repositories import SqlPaymentRepository

        return SqlPaymentRepository(self.connection)

    @cached_property
    def refunds(self) -> SqlRefundRepository:
        from marketplace.payments.adapters.repositories import SqlRefundRepository

        return SqlRefundRepository(self.connection)

    @cached_property
    def invoices(self) -> SqlInvoiceRepository:
        from marketplace.payments.adapters.invoices import SqlInvoiceRepository

        return SqlInvoiceRepository(self.connection)

    @cached_property
    def wallet_ledger(self) -> SqlWalletLedger:
        from marketplace.payments.adapters.internal import SqlWalletLedger

        return SqlWalletLedger(self.connection)

    @cached_property
    def companies(self) -> SqlCompanyRepository:
        from marketplace.companies.adapters.repositories import SqlCompanyRepository

        return SqlCompanyRepository(self.connection)

    @cached_property
    def purchase_requests(self) -> SqlPurchaseRequestRepository:
        from marketplace.purchasing.adapters.repositories import SqlPurchaseRequestRepository

        return SqlPurchaseRequestRepository(self.connection)

    @cached_property
    def procurement(self) -> SqlProcurementRepository:
        from marketplace.procurement.adapters.repository import SqlProcurementRepository

        return SqlProcurementRepository(self.connection)

    @cached_property
    def rfqs(self) -> SqlRfqRepository:
        from marketplace.rfq.adapters.repositories import SqlRfqRepository

        return SqlRfqRepository(self.connection)

    @cached_property
    def budgets(self) -> SqlBudgetRepository:
        from marketplace.companies.adapters.repositories import SqlBudgetRepository

        return SqlBudgetRepository(self.connection)

    @cached_property
    def credit_ledger(self) -> SqlCreditLedger:
        from marketplace.payments.adapters.internal import SqlCreditLedger

        return SqlCreditLedger(self.connection)

    @cached_property
    def suppliers(self) -> SqlSupplierRepository:
        from marketplace.sourcing.adapters.repositories import SqlSupplierRepository

        return SqlSupplierRepository(self.connection)

    @cached_property
    def offers(self) -> SqlOfferRepository:
        from marketplace.sourcing.adapters.repositories import SqlOfferRepository

        return SqlOfferRepository(self.connection)

    @cached_property
    def contract_prices(self) -> SqlContractPriceRepository:
        from marketplace.sourcing.adapters.repositories import SqlContractPriceRepository

        return SqlContractPriceRepository(self.connection)

    @cached_property
    def price_suggestions(self) -> SqlPriceSuggestionRepository:
        from marketplace.advice.adapters.repositories import SqlPriceSuggestionRepository

        return SqlPriceSuggestionRepository(self.connection)

    @cached_property
    def demand_forecasts(self) -> SqlDemandForecastRepository:
        from marketplace.advice.adapters.repositories import SqlDemandForecastRepository

        return SqlDemandForecastRepository(self.connection)

    @cached_property
    def pricing_policies(self) -> SqlPricingPolicyRepository:
        from marketplace.advice.adapters.pricing_inputs import SqlPricingPolicyRepository

        return SqlPricingPolicyRepository(self.connection)

    @cached_property
    def sku_pricing_inputs(self) -> SqlSkuPricingInputsRepository:
        from marketplace.advice.adapters.pricing_inputs import SqlSkuPricingInputsRepository

        return SqlSkuPricingInputsRepository(self.connection)


_REPOSITORY_NAMES = frozenset(
    name for name, value in vars(SqlUnitOfWork).items() if isinstance(value, cached_property)
)
# Repositories that buffer append-only rows until commit (they have flush and discard).
_BUFFERING = ("stock", "outbox")
