"""FX rates on the real databases: the SQL repository, the read queries, the services."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, func, select

from marketplace.db.uow import SqlUnitOfWork
from marketplace.fx import queries
from marketplace.fx.adapters.repositories import SqlFxRateRepository
from marketplace.fx.adapters.tables import fx_rates
from marketplace.fx.domain import ConversionMethod, FxRate, FxRateNotFoundError
from marketplace.fx.services import RateQuote, SetRates, convert_money, set_rates
from marketplace.shared.clock import FixedClock
from marketplace.shared.errors import DomainError
from marketplace.shared.money import Money

D0 = date(2026, 1, 1)
NOW = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def rate(base: str, quote: str, value: str, on: date = D0, source: str = "PBOC") -> FxRate:
    return FxRate.of(base, quote, value, on, source)


def put(engine: Engine, *rates: FxRate, now: datetime = NOW) -> None:
    with engine.begin() as conn:
        SqlFxRateRepository(conn).upsert(rates, now=now)


def latest(engine: Engine, base: str, quote: str, on: date) -> FxRate | None:
    with engine.connect() as conn:
        return SqlFxRateRepository(conn).latest(base, quote, on=on)


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(fx_rates)).scalar_one())


def test_rates_are_stored_as_exact_decimal_text(any_engine: Engine) -> None:
    precise = rate("USD", "CNY", "7.1034").inverse()  # 28 significant digits
    put(any_engine, precise, rate("KWD", "VND", "82345.5"), rate("JPY", "KWD", "1E-5"))
    stored = latest(any_engine, "CNY", "USD", D0)
    assert stored == precise
    assert stored is not None
    assert str(stored.rate) == "0.1407776557704761100318157502"
    tiny = latest(any_engine, "JPY", "KWD", D0)
    assert tiny is not None
    assert tiny.rate == Decimal("0.00001")


def test_upsert_replaces_the_rate_of_the_same_pair_and_date(any_engine: Engine) -> None:
    put(any_engine, rate("USD", "CNY", "7.10"), rate("USD", "CNY", "7.00", D0 - timedelta(1)))
    later = NOW + timedelta(hours=3)
    put(any_engine, rate("USD", "CNY", "7.25", source="ECB"), now=later)
    assert count(any_engine) == 2
    stored = latest(any_engine, "USD", "CNY", D0)
    assert stored is not None
    assert (stored.rate, stored.source) == (Decimal("7.25"), "ECB")
    rows = queries.rate_history(any_engine, "USD", "CNY")
    assert [(r.rate_date, r.rate) for r in rows] == [
        (D0, Decimal("7.25")),
        (D0 - timedelta(1), Decimal("7.00")),
    ]
    assert rows[0].created_at == later


def test_latest_ignores_rates_after_the_date_and_other_pairs(any_engine: Engine) -> None:
    put(
        any_engine,
        rate("USD", "CNY", "7.1", date(2026, 1, 1)),
        rate("USD", "CNY", "7.2", date(2026, 1, 5)),
        rate("USD", "CNY", "7.3", date(2026, 1, 9)),
        rate("CNY", "USD", "0.5", date(2026, 1, 6)),
        rate("USD", "EUR", "0.9", date(2026, 1, 7)),
    )
    found = latest(any_engine, "USD", "CNY", date(2026, 1, 8))
    assert found is not None
    assert (found.rate, found.rate_date) == (Decimal("7.2"), date(2026, 1, 5))
    assert latest(any_engine, "USD", "CNY", date(2025, 12, 31)) is None
    assert latest(any_engine, "EUR", "CNY", date(2026, 2, 1)) is None


histories = st.dictionaries(
    st.integers(0, 40).map(lambda n: D0 + timedelta(days=n)),
    st.integers(1, 10**8).map(lambda n: Decimal(n).scaleb(-4)),
    max_size=12,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(histories, st.lists(st.integers(-3, 45), min_size=1, max_size=5))
def test_the_sql_repository_picks_the_latest_rate_on_or_before_the_date(
    any_engine: Engine, history: dict[date, Decimal], offsets: list[int]
) -> None:
    with any_engine.begin() as conn:
        conn.execute(delete(fx_rates))
    put(any_engine, *(rate("EUR", "USD", str(v), d) for d, v in history.items()))
    put(any_engine, rate("USD", "EUR", "9", D0 + timedelta(days=20)))  # the other direction
    for offset in offsets:
        on = D0 + timedelta(days=offset)
        eligible = [d for d in history if d <= on]
        found = latest(any_engine, "EUR", "USD", on)
        if not eligible:
            assert found is None
            continue
        assert found is not None
        assert (found.rate_date, found.rate) == (max(eligible), history[max(eligible)])


def test_latest_rates_table_as_of_a_date(any_engine: Engine) -> None:
    put(
        any_engine,
        rate("USD", "CNY", "7.1", date(2026, 1, 1)),
        rate("USD", "CNY", "7.2", date(2026, 1, 5)),
        rate("EUR", "CNY", "7.8", date(2026, 1, 2)),
        rate("USD", "JPY", "150", date(2026, 1, 9)),
    )
    table = queries.latest_rates(any_engine, on=date(2026, 1, 6))
    assert [(r.base, r.quote, r.rate, r.rate_date) for r in table] == [
        ("EUR", "CNY", Decimal("7.8"), date(2026, 1, 2)),
        ("USD", "CNY", Decimal("7.2"), date(2026, 1, 5)),
    ]
    usd = queries.latest_rates(any_engine, on=date(2026, 1, 9), base="usd")
    assert [(r.quote, r.rate) for r in usd] == [("CNY", Decimal("7.2")), ("JPY", Decimal(150))]
    assert queries.latest_rates(any_engine, on=date(2025, 1, 1)) == []
    with pytest.raises(DomainError):
        queries.latest_rates(any_engine, on=D0, base="XYZ")


def test_history_of_a_pair_is_newest_first_within_the_range(any_engine: Engine) -> None:
    put(any_engine, *(rate("USD", "CNY", f"7.{n}", D0 + timedelta(days=n)) for n in range(1, 9)))
    rows = queries.rate_history(
        any_engine, "USD", "CNY", start=D0 + timedelta(days=3), end=D0 + timedelta(days=6)
    )
    assert [str(r.rate) for r in rows] == ["7.6", "7.5", "7.4", "7.3"]
    assert len(queries.rate_history(any_engine, "USD", "CNY", limit=2)) == 2
    assert queries.rate_history(any_engine, "CNY", "USD") == []


def test_services_on_the_sql_unit_of_work(any_engine: Engine) -> None:
    uow = SqlUnitOfWork(any_engine, clock=FixedClock(NOW))
    lines = [RateQuote("USD", "CNY", "7.2"), RateQuote("CNY", "JPY", "20.5")]
    set_rates(SetRates(date(2026, 1, 5), "PBOC", lines), uow=uow)

    on = date(2026, 1, 10)
    direct = convert_money(Money.of(10, "USD"), "CNY", on=on, uow=uow)
    assert (direct.converted, direct.rate_date) == (Money.of(72, "CNY"), date(2026, 1, 5))
    inverse = convert_money(Money.of(72, "CNY"), "USD", on=on, uow=uow)
    assert (inverse.converted, inverse.method) == (Money.of(10, "USD"), ConversionMethod.INVERSE)
    cross = convert_money(Money.of(10, "USD"), "JPY", on=on, uow=uow)
    assert (cross.converted, cross.method) == (
        Money.of(1476, "JPY"),
        ConversionMethod.TRIANGULATED,
    )
    with pytest.raises(FxRateNotFoundError):
        convert_money(Money.of(10, "USD"), "JPY", on=date(2026, 1, 4), uow=uow)


def test_a_rejected_batch_leaves_the_table_as_it_was(any_engine: Engine) -> None:
    uow = SqlUnitOfWork(any_engine, clock=FixedClock(NOW))
    set_rates(SetRates(D0, "PBOC", [RateQuote("USD", "CNY", "7.2")]), uow=uow)
    bad = [RateQuote("USD", "CNY", "7.3"), RateQuote("EUR", "CNY", "-1")]
    with pytest.raises(DomainError) as err:
        set_rates(SetRates(D0, "PBOC", bad), uow=uow)
    assert err.value.code == "invalid_fx_rate"
    assert count(any_engine) == 1
    stored = latest(any_engine, "USD", "CNY", D0)
    assert stored is not None
    assert stored.rate == Decimal("7.2")
