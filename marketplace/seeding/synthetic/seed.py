"""Writing a synthetic marketplace into a database through ``BulkWriter``.

The world (categories, merchants, products, buyers) goes first; then the days, a chunk of
days at a time (their checkouts, then their events), so memory stays bounded by the chunk
whatever the number of days. The ground truth is written next to the database (or where
asked) before any row, so that a run cut short still says what it planted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from marketplace.bootstrap import Marketplace
from marketplace.importing.bulk import BulkWriter
from marketplace.seeding.synthetic.model import Day
from marketplace.seeding.synthetic.params import SyntheticParams
from marketplace.seeding.synthetic.records import RecordMaker
from marketplace.seeding.synthetic.sessions import Simulator
from marketplace.seeding.synthetic.suppliers import seed_supplier_profiles
from marketplace.seeding.synthetic.truth import write_truth
from marketplace.seeding.synthetic.world import build_world

# Days are written in chunks of about this many events: big enough for fast batches.
CHUNK_EVENTS = 50_000


@dataclass
class SyntheticSummary:
    truth_path: Path
    generated: dict[str, int] = field(default_factory=dict)  # what the simulation made
    new_rows: dict[str, int] = field(default_factory=dict)  # what was not there before


def default_truth_path(database_url: str, seed: int) -> Path:
    """``<db>.synthetic-<seed>.truth.json`` next to a SQLite file, else under ./var."""
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        db = Path(database_url.removeprefix("sqlite:///"))
        return db.with_name(f"{db.stem}.synthetic-{seed}.truth.json")
    return Path("var") / f"synthetic-{seed}.truth.json"


def seed_synthetic(
    engine: Engine,
    params: SyntheticParams,
    *,
    truth_path: Path,
    app: Marketplace | None = None,
    batch_size: int = 5000,
    progress: Callable[[str], None] = lambda _msg: None,
) -> SyntheticSummary:
    """Generate the marketplace of ``params`` and write what is not there yet; with ``app``
    (the container on the same database) the suppliers also get their profiles."""
    world = build_world(params)
    summary = SyntheticSummary(write_truth(world, truth_path))
    maker = RecordMaker(world)
    writer = BulkWriter(engine, batch_size=batch_size)
    writer.categories(maker.categories())
    writer.merchants(maker.merchants())
    writer.products(maker.products())
    writer.buyers(maker.buyers())
    if app is not None:
        writer.new["supplier_profiles"] += seed_supplier_profiles(maker, app=app)
    counts = summary.generated
    counts.update(
        categories=len(world.categories),
        merchants=len(world.merchants),
        products=len(world.products),
        buyers=len(world.users),
    )
    progress(
        f"world: {len(world.merchants)} merchants, {len(world.products)} products, "
        f"{len(world.users)} buyers"
    )
    counts["checkouts"] = counts["events"] = 0
    for days in _chunks(Simulator(world).days()):
        orders = [maker.order(o) for d in days for o in d.orders]
        writer.orders(orders)
        counts["checkouts"] += len(orders)
        events = [r for d in days for r in maker.events(d)]
        writer.events(events)
        counts["events"] += len(events)
        progress(
            f"day {days[-1].index + 1}/{params.days}: {counts['checkouts']} checkouts, "
            f"{counts['events']} events"
        )
    summary.new_rows = writer.report()
    return summary


def _chunks(days: Iterator[Day]) -> Iterator[list[Day]]:
    chunk: list[Day] = []
    size = 0
    for day in days:
        chunk.append(day)
        size += len(day.events)
        if size >= CHUNK_EVENTS:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk
