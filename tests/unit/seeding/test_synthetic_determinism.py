"""The synthetic marketplace is a pure function of its parameters and seed."""

from __future__ import annotations

from dataclasses import astuple, replace
from datetime import date

import pytest

from marketplace.seeding.synthetic import (
    ParamsError,
    Simulator,
    SyntheticParams,
    build_world,
    truth_json,
)
from marketplace.seeding.synthetic.records import RecordMaker

SMALL = SyntheticParams(users=150, merchants=6, products=50, days=21, seed=42)


def _history(params: SyntheticParams) -> list[tuple[object, ...]]:
    """Every event and order of a run, as plain tuples."""
    out: list[tuple[object, ...]] = []
    for day in Simulator(build_world(params)).days():
        out += [astuple(e) for e in day.events]
        out += [astuple(o) for o in day.orders]
    return out


def _records(params: SyntheticParams) -> list[object]:
    world = build_world(params)
    maker = RecordMaker(world)
    out: list[object] = [*maker.categories(), *maker.merchants(), *maker.products()]
    out += list(maker.buyers())
    for day in Simulator(world).days():
        out += [maker.order(o) for o in day.orders]
        out += list(maker.events(day))
    return out


def test_same_seed_same_truth_bytes_and_history() -> None:
    assert truth_json(build_world(SMALL)) == truth_json(build_world(SMALL))
    first = _history(SMALL)
    assert first == _history(SMALL)
    assert len(first) > 500  # the run is not trivially empty


def test_same_seed_same_records_and_ids() -> None:
    assert _records(SMALL) == _records(SMALL)


def test_another_seed_another_marketplace() -> None:
    other = replace(SMALL, seed=43)
    assert truth_json(build_world(other)) != truth_json(build_world(SMALL))
    assert _history(other) != _history(SMALL)
    ids = {r.id for r in _records(SMALL) if not type(r).__name__.startswith("Category")}  # type: ignore[attr-defined]
    other_ids = {r.id for r in _records(other)}  # type: ignore[attr-defined]
    # Two seeds share the category tree and nothing else.
    assert ids.isdisjoint(other_ids)


def test_a_day_does_not_depend_on_the_days_before() -> None:
    """Days stream: day 7 alone is day 7 of the whole run (no state carried over)."""
    sim = Simulator(build_world(SMALL))
    whole = list(sim.days())
    alone = sim.day(7)
    assert [astuple(e) for e in alone.events] == [astuple(e) for e in whole[7].events]
    assert [astuple(o) for o in alone.orders] == [astuple(o) for o in whole[7].orders]


def test_history_is_well_formed() -> None:
    world = build_world(SMALL)
    start = SMALL.start
    for day in Simulator(world).days():
        assert all(
            e.occurred_at.date() == date.fromordinal(start.toordinal() + day.index)
            for e in day.events
        )
        purchases = [e for e in day.events if e.type == "purchase"]
        lines = [ln for o in day.orders for ln in o.lines]
        assert len(purchases) == len(lines)
        assert sum(e.quantity or 0 for e in purchases) == sum(ln.quantity for ln in lines)
        for order in day.orders:
            assert order.lines
            assert order.total > 0
            assert order.placed_at <= order.paid_at
        searches = {e.key for e in day.events if e.type == "search"}
        assert {e.attribution for e in day.events if e.type == "click"} <= searches


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"users": 0}, "users"),
        ({"merchants": 10, "products": 5}, "product per merchant"),
        ({"currency": "cny"}, "currency"),
        ({"search_rate": 1.5}, "search_rate"),
        ({"cart_rate": 0}, "cart_rate"),
    ],
)
def test_bad_parameters_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        build_world(replace(SMALL, **change))  # type: ignore[arg-type]
