"""``agora demo train``: what ``make demo`` runs after seeding. Exports the demo's events and
catalogue to Parquet (the same files the pipelines read), fits the served recommenders and
builds the product search index, and publishes them to ``AGORA_MODELS_DIR``.

The search index embeds the products that can be bought now (listed, approved merchant,
in stock): embedding all 37k demo products would take minutes on this CPU; the keyword
side and the recommenders cover the whole catalogue.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from marketplace.bootstrap import Marketplace
from marketplace.catalog.queries.sellable import product_facts
from marketplace.exports.domain import Dataset, ExportRequest
from marketplace.exports.services import export_dataset

HISTORY_START = datetime(2000, 1, 1, tzinfo=UTC)  # before any imported history


def train_demo_models(app: Marketplace, *, exports: Path, models: Path) -> dict[str, str]:
    """Export, fit and publish; returns the published aliases (surface -> version)."""
    from serving.recs import sources, training

    now = app.clock.now()
    for dataset in (Dataset.EVENTS, Dataset.CATALOG):
        since = HISTORY_START if dataset is Dataset.EVENTS else None
        request = ExportRequest.of(dataset, since=since, until=None, now=now)
        export_dataset(request, engine=app.engine, out_dir=exports)
    data = sources.interactions_from_export(exports / "events")
    sellable = {f.product_id for f in product_facts(app.engine) if f.is_sellable}
    texts = sources.item_texts_from_catalog(exports / "catalog")
    items = [item for item in texts if item.item_id in sellable]
    published = training.publish(data, models, search_items=items, embed=True)
    return dict(published.aliases)
