"""Use cases of the advice area: record price suggestions and demand forecasts (the
pipelines), accept or reject a suggestion (the merchant), expire the overdue ones, and set
the merchant's pricing policy and its SKUs' pricing inputs (cost, bounds, competitor price).

Accepting is one transaction: the suggestion's row is locked first, then the product's
(through the catalog), so two accepts of one suggestion run one after the other and the
second finds it accepted and replays the answer without changing the price again. The
list price must still be the one the suggestion started from; otherwise the merchant
changed it since and the suggestion is stale (its effects were computed for another price).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from marketplace.advice.commands import (
    AcceptPriceSuggestion,
    ForecastInput,
    RecordDemandForecasts,
    RecordPriceSuggestions,
    RejectPriceSuggestion,
    SetPricingPolicy,
    SetSkuPricingInputs,
    SuggestionInput,
)
from marketplace.advice.domain import (
    DemandForecast,
    InvalidDemandForecastError,
    InvalidPriceSuggestionError,
    PriceSuggestion,
    PriceSuggestionNotFoundError,
    PricingCurrencyMismatchError,
    PricingPolicy,
    SkuPricingInputs,
    SuggestionCurrencyMismatchError,
    SuggestionNotPendingError,
    SuggestionSkuNotOwnedError,
    SuggestionStaleError,
    SuggestionStatus,
    check_effects,
    check_forecast,
    rescaled_prices,
)
from marketplace.advice.domain.forecasts import check_backtest
from marketplace.advice.domain.pricing_inputs import check_inputs, check_policy
from marketplace.advice.domain.suggestions import (
    MAX_NOTE,
    check_codes,
    check_elasticity,
    check_expiry,
    check_model,
    check_prices,
    check_reason,
    parse_objective,
)
from marketplace.advice.ports import AdviceUnitOfWork, PricingInputsUnitOfWork, SkuFacts
from marketplace.catalog.domain import PriceSet
from marketplace.catalog.domain.errors import SkuNotFoundError
from marketplace.catalog.domain.events import PriceSource
from marketplace.catalog.services import replace_sku_prices
from marketplace.events.domain import DomainEvent, Topic
from marketplace.parties.domain import MerchantNotFoundError
from marketplace.shared.currency import get_currency
from marketplace.shared.ids import new_id
from marketplace.shared.money import InvalidMoneyError, Money
from marketplace.shared.ports import Cache

MAX_BATCH = 1000
EXPIRE_BATCH = 500


@dataclass(frozen=True, slots=True)
class RecordedForecasts:
    stored: tuple[str, ...]  # SKU ids whose forecast was replaced (or first stored)
    skipped: tuple[str, ...]  # SKU ids that already had a newer forecast


# -- price suggestions: the producer -------------------------------------------------------
def record_price_suggestions(
    cmd: RecordPriceSuggestions, *, uow: AdviceUnitOfWork
) -> list[PriceSuggestion]:
    """Store a batch of suggestions for one merchant; each supersedes the pending one of
    its SKU and currency. All or nothing."""
    if not 1 <= len(cmd.suggestions) <= MAX_BATCH:
        raise InvalidPriceSuggestionError(f"A batch holds 1-{MAX_BATCH} suggestions.")
    model_name, model_version = check_model(cmd.model_name, cmd.model_version)
    keys = [(s.sku_id, get_currency(s.currency).code) for s in cmd.suggestions]
    if len(set(keys)) != len(keys):
        raise InvalidPriceSuggestionError("One suggestion per SKU and currency in a batch.")
    with uow:
        now = uow.clock.now()
        facts = _own_skus(uow, cmd.merchant_id, [s.sku_id for s in cmd.suggestions])
        made = [
            _suggestion(cmd.merchant_id, item, facts[item.sku_id], model_name, model_version, now)
            for item in cmd.suggestions
        ]
        previous = {(p.sku_id, p.currency): p for p in uow.price_suggestions.pending_of(keys)}
        expired = [p.id for p in previous.values() if p.is_expired(now)]
        superseded = [p.id for p in previous.values() if not p.is_expired(now)]
        uow.price_suggestions.close_pending(expired, target=SuggestionStatus.EXPIRED, now=now)
        uow.price_suggestions.close_pending(superseded, target=SuggestionStatus.SUPERSEDED, now=now)
        for suggestion in made:
            if (old := previous.get((suggestion.sku_id, suggestion.currency))) is not None:
                suggestion.supersedes_id = old.id
        uow.price_suggestions.add_many(made)
        uow.commit()
    return made


def _own_skus(uow: AdviceUnitOfWork, merchant_id: str, sku_ids: list[str]) -> dict[str, SkuFacts]:
    facts = uow.price_suggestions.skus(sku_ids)
    foreign = sorted({s for s in sku_ids if s not in facts or facts[s].merchant_id != merchant_id})
    if foreign:
        raise SuggestionSkuNotOwnedError("Suggest prices for the merchant's own SKUs.",
                                         sku_ids=foreign)  # fmt: skip
    return facts


def _suggestion(
    merchant_id: str, item: SuggestionInput, facts: SkuFacts, model_name: str,
    model_version: str, now: datetime,
) -> PriceSuggestion:  # fmt: skip
    currency = get_currency(item.currency).code
    check_prices(currency, item.current_price, item.suggested_price)
    if currency not in facts.list_currencies:
        raise SuggestionCurrencyMismatchError(
            f"The SKU has no list price in {currency}.", sku_id=item.sku_id,
            currencies=sorted(facts.list_currencies),
        )  # fmt: skip
    elasticity, ci_low, ci_high = check_elasticity(item.elasticity, *item.elasticity_ci)
    return PriceSuggestion(
        id=new_id("psg"), merchant_id=merchant_id, sku_id=item.sku_id,
        product_id=facts.product_id, current_price=item.current_price,
        suggested_price=item.suggested_price, objective=parse_objective(item.objective),
        status=SuggestionStatus.PENDING,
        expected_effects=check_effects(item.expected_effects, currency),
        elasticity=elasticity, elasticity_ci_low=ci_low, elasticity_ci_high=ci_high,
        binding_guardrails=check_codes(item.binding_guardrails, "guardrail"),
        reason=check_reason(item.reason), model_name=model_name, model_version=model_version,
        created_at=now, expires_at=check_expiry(item.expires_at, now),
    )  # fmt: skip


def expire_price_suggestions(*, uow: AdviceUnitOfWork, limit: int = EXPIRE_BATCH) -> int:
    """Write ``expired`` on pending suggestions past their expiry (they already show as
    expired; this frees the SKU's pending slot and keeps lists fast). Returns how many."""
    with uow:
        now = uow.clock.now()
        due = uow.price_suggestions.pending_expired(now, limit=limit)
        count = uow.price_suggestions.close_pending(due, target=SuggestionStatus.EXPIRED, now=now)
        uow.commit()
    return count


# -- price suggestions: the merchant ---------------------------------------------------------
def accept_price_suggestion(
    cmd: AcceptPriceSuggestion, *, uow: AdviceUnitOfWork, cache: Cache
) -> PriceSuggestion:
    """Accept a pending, unexpired suggestion: the SKU's list price becomes the suggested
    one (tier and member prices keep their ratio to it), in one transaction with the
    decision and its events. Accepting an accepted suggestion again changes nothing and
    returns it as it is."""
    with uow:
        suggestion = _own_suggestion(uow, cmd.merchant_id, cmd.suggestion_id)
        if suggestion.status is SuggestionStatus.ACCEPTED:
            return suggestion  # a retried request
        now = uow.clock.now()
        suggestion.decide(SuggestionStatus.ACCEPTED, actor=cmd.actor_id, now=now)
        if suggestion.is_change:
            _apply_price(uow, cache, suggestion)
        else:
            _current_prices(uow, suggestion)  # keeps a price that must still be the price
        if not uow.price_suggestions.save_decision(suggestion, expected=SuggestionStatus.PENDING):
            raise SuggestionNotPendingError("The suggestion changed meanwhile; reload it.")
        uow.outbox.add(decided_event(suggestion, price_changed=suggestion.is_change))
        uow.commit()
    return suggestion


def reject_price_suggestion(
    cmd: RejectPriceSuggestion, *, uow: AdviceUnitOfWork
) -> PriceSuggestion:
    """Reject a pending, unexpired suggestion, with an optional note. Rejecting a rejected
    suggestion again changes nothing."""
    note = cmd.note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidPriceSuggestionError(f"A note has at most {MAX_NOTE} characters.")
    with uow:
        suggestion = _own_suggestion(uow, cmd.merchant_id, cmd.suggestion_id)
        if suggestion.status is SuggestionStatus.REJECTED:
            return suggestion
        now = uow.clock.now()
        suggestion.decide(SuggestionStatus.REJECTED, actor=cmd.actor_id, now=now, note=note or None)
        if not uow.price_suggestions.save_decision(suggestion, expected=SuggestionStatus.PENDING):
            raise SuggestionNotPendingError("The suggestion changed meanwhile; reload it.")
        uow.outbox.add(decided_event(suggestion, price_changed=False))
        uow.commit()
    return suggestion


def _own_suggestion(uow: AdviceUnitOfWork, merchant_id: str, suggestion_id: str) -> PriceSuggestion:
    """The merchant's suggestion, locked; another merchant's is simply not found."""
    suggestion = uow.price_suggestions.get(suggestion_id, for_update=True)
    if suggestion is None or suggestion.merchant_id != merchant_id:
        raise PriceSuggestionNotFoundError("No such price suggestion.", suggestion_id=suggestion_id)
    return suggestion


def _current_prices(uow: AdviceUnitOfWork, suggestion: PriceSuggestion) -> PriceSet:
    """The SKU's prices in the suggestion's currency, its product locked; raises
    ``suggestion_stale`` unless the list price is still the suggestion's starting point."""
    product = uow.products.get_by_sku(suggestion.sku_id, for_update=True)
    if product is None or product.merchant_id != suggestion.merchant_id:
        raise PriceSuggestionNotFoundError("The suggestion's SKU is gone.",
                                           suggestion_id=suggestion.id)  # fmt: skip
    prices = product.sku(suggestion.sku_id).prices.get(suggestion.currency)
    if prices is None or prices.list_price != suggestion.current_price:
        raise SuggestionStaleError(
            "The list price changed since the suggestion was made.",
            suggestion_current_price=suggestion.current_price.to_dict(),
            list_price=prices.list_price.to_dict() if prices is not None else None,
        )
    return prices


def _apply_price(uow: AdviceUnitOfWork, cache: Cache, suggestion: PriceSuggestion) -> None:
    """The suggested list price, tier and member prices rescaled, through the catalog
    (which locks the product again: a no-op in this transaction)."""
    prices = rescaled_prices(_current_prices(uow, suggestion), suggestion.suggested_price)
    replace_sku_prices(
        suggestion.merchant_id, suggestion.sku_id, prices, uow=uow, cache=cache,
        source=PriceSource("price_suggestion", suggestion.id),
    )  # fmt: skip


def decided_event(suggestion: PriceSuggestion, *, price_changed: bool) -> DomainEvent:
    """``price_suggestion.decided``: the merchant accepted or rejected a suggestion."""
    assert suggestion.decided_at is not None
    return DomainEvent(
        topic=Topic.PRICE_SUGGESTION_DECIDED, key=suggestion.id,
        merchant_id=suggestion.merchant_id, occurred_at=suggestion.decided_at,
        payload={
            "suggestion_id": suggestion.id, "merchant_id": suggestion.merchant_id,
            "sku_id": suggestion.sku_id, "product_id": suggestion.product_id,
            "decision": suggestion.status.value, "objective": suggestion.objective.value,
            "current_price": suggestion.current_price.to_dict(),
            "suggested_price": suggestion.suggested_price.to_dict(),
            "price_changed": price_changed,
            "model": {"name": suggestion.model_name, "version": suggestion.model_version},
            "decided_by": suggestion.decided_by,
            "decided_at": suggestion.decided_at.isoformat(),
            "note": suggestion.decision_note,
        },
    )  # fmt: skip


# -- demand forecasts ------------------------------------------------------------------------
def record_demand_forecasts(
    cmd: RecordDemandForecasts, *, uow: AdviceUnitOfWork
) -> RecordedForecasts:
    """Store each SKU's forecast in place of its previous one; a SKU whose stored forecast
    is newer than this batch keeps it (a late or replayed batch changes nothing)."""
    if not 1 <= len(cmd.forecasts) <= MAX_BATCH:
        raise InvalidDemandForecastError(f"A batch holds 1-{MAX_BATCH} forecasts.")
    if cmd.generated_at.tzinfo is None:
        raise InvalidDemandForecastError("generated_at needs a time zone.")
    try:
        model_name, model_version = check_model(cmd.model_name, cmd.model_version)
    except InvalidPriceSuggestionError as exc:
        raise InvalidDemandForecastError(exc.message) from None
    sku_ids = [f.sku_id for f in cmd.forecasts]
    if len(set(sku_ids)) != len(sku_ids):
        raise InvalidDemandForecastError("One forecast per SKU in a batch.")
    with uow:
        facts = uow.demand_forecasts.skus(sku_ids)
        unknown = sorted(set(sku_ids) - set(facts))
        if unknown:
            raise InvalidDemandForecastError("Unknown SKUs.", sku_ids=unknown)
        forecasts = [_forecast(item, facts[item.sku_id].merchant_id, cmd, model_name,
                               model_version) for item in cmd.forecasts]  # fmt: skip
        stored_at = uow.demand_forecasts.generated_at(sku_ids)
        now = uow.clock.now()
        stored, skipped = [], []
        for forecast in forecasts:
            previous = stored_at.get(forecast.sku_id)
            if previous is not None and previous > forecast.generated_at:
                skipped.append(forecast.sku_id)
                continue
            uow.demand_forecasts.put(forecast, now=now)
            stored.append(forecast.sku_id)
        uow.commit()
    return RecordedForecasts(tuple(stored), tuple(skipped))


def _forecast(
    item: ForecastInput, merchant_id: str, cmd: RecordDemandForecasts, model_name: str,
    model_version: str,
) -> DemandForecast:  # fmt: skip
    try:
        mean, quantiles = check_forecast(item.mean, item.quantiles, item.start_date)
    except InvalidDemandForecastError as exc:
        raise InvalidDemandForecastError(exc.message, sku_id=item.sku_id, **exc.details) from None
    return DemandForecast(
        sku_id=item.sku_id, merchant_id=merchant_id, generated_at=cmd.generated_at,
        model_name=model_name, model_version=model_version, start_date=item.start_date,
        mean=mean, quantiles=quantiles, backtest=check_backtest(item.backtest),
    )  # fmt: skip


# -- pricing policy and inputs: the merchant ------------------------------------------------
def set_pricing_policy(cmd: SetPricingPolicy, *, uow: PricingInputsUnitOfWork) -> PricingPolicy:
    """Replace the merchant's pricing policy (the guardrails and objective the producer
    prices its SKUs with)."""
    with uow:
        if uow.merchants.get(cmd.merchant_id) is None:
            raise MerchantNotFoundError(f"No merchant {cmd.merchant_id}.")
        policy = check_policy(
            cmd.merchant_id, is_enabled=cmd.is_enabled, objective=cmd.objective,
            max_step=cmd.max_step, margin_floor=cmd.margin_floor,
            competitor_tolerance=cmd.competitor_tolerance,
            allow_outside_observed=cmd.allow_outside_observed, charm=cmd.charm,
            updated_at=uow.clock.now(), updated_by=cmd.actor_id,
        )  # fmt: skip
        uow.pricing_policies.put(policy)
        uow.commit()
    return policy


def set_sku_pricing_inputs(
    cmd: SetSkuPricingInputs, *, uow: PricingInputsUnitOfWork
) -> SkuPricingInputs:
    """Replace the SKU's unit cost, price bounds and competitor price (None clears one), in
    a currency the SKU has a list price in. Another merchant's SKU is not found."""
    currency = get_currency(cmd.currency).code
    with uow:
        inputs = check_inputs(SkuPricingInputs(
            sku_id=cmd.sku_id, merchant_id=cmd.merchant_id, currency=currency,
            unit_cost=_amount(cmd.unit_cost, currency, "unit_cost"),
            min_price=_amount(cmd.min_price, currency, "min_price"),
            max_price=_amount(cmd.max_price, currency, "max_price"),
            competitor_price=_amount(cmd.competitor_price, currency, "competitor_price"),
            updated_at=uow.clock.now(), updated_by=cmd.actor_id,
        ))  # fmt: skip
        facts = uow.sku_pricing_inputs.sku(cmd.sku_id)
        if facts is None or facts.merchant_id != cmd.merchant_id:
            raise SkuNotFoundError(cmd.sku_id)
        if currency not in facts.list_currencies:
            raise PricingCurrencyMismatchError(
                f"The SKU has no list price in {currency}.", sku_id=cmd.sku_id,
                currencies=sorted(facts.list_currencies),
            )  # fmt: skip
        uow.sku_pricing_inputs.put(inputs)
        uow.commit()
    return inputs


def _amount(value: object, currency: str, field: str) -> Money | None:
    """An exact amount at the currency's minor unit (``money_precision`` past it)."""
    if value is None:
        return None
    try:
        return Money.of(value, currency)
    except InvalidMoneyError as exc:
        raise InvalidMoneyError(exc.message, code=exc.code, field=field) from None


__all__ = [
    "RecordedForecasts", "accept_price_suggestion", "decided_event", "expire_price_suggestions",
    "record_demand_forecasts", "record_price_suggestions", "reject_price_suggestion",
    "set_pricing_policy", "set_sku_pricing_inputs",
]  # fmt: skip
