"""Serving-time pieces without a database: the rules' picker, the sellable cache's
incremental refresh, the impression buffer, and the registry keeping the old versions
when a new one is broken."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from marketplace.behaviour.domain.impressions import Impression, new_attribution_id
from marketplace.behaviour.impressions import ImpressionBuffer
from marketplace.catalog.queries.sellable import ProductFacts
from serving.recs.catalog import SellableCatalog
from serving.recs.registry import ModelLoadError, ModelRegistry
from serving.recs.rules import Picker, Rules

PARENTS = {"c_root": None, "c_child": "c_root", "c_leaf": "c_child", "c_other": None}


def _facts(pid: str, cat: str, merchant: str, price: int, sellable: bool = True) -> ProductFacts:
    return ProductFacts(pid, pid.upper(), cat, merchant, price, "CNY", sellable, 0)


FACTS = [
    _facts("p1", "c_root", "m1", 1000), _facts("p2", "c_leaf", "m1", 2500),
    _facts("p3", "c_child", "m2", 5000), _facts("p4", "c_other", "m2", 900),
    _facts("p5", "c_leaf", "m3", 12000),
]  # fmt: skip


class Source:
    def __init__(self) -> None:
        self.changes: list[ProductFacts] = []
        self.since: list[datetime | None] = []

    def __call__(self, since: datetime | None) -> list[ProductFacts]:
        self.since.append(since)
        return FACTS if since is None else self.changes


def _catalog(source: Source | None = None) -> SellableCatalog:
    return SellableCatalog(source or Source(), lambda: PARENTS)


def _pick(
    rules: Rules, k: int = 10, ids: Sequence[str] = ("p1", "p2", "p3", "p4", "p5")
) -> list[str]:
    picker = Picker(_catalog().view, rules, k)
    picker.offer((p, 1.0) for p in ids)
    return [p.item.product_id for p in picker.picks]


def test_filters_keep_a_category_subtree_a_merchant_and_a_price_range() -> None:
    view = _catalog().view
    assert _pick(Rules(category_ids=view.subtree("c_child"))) == ["p2", "p3", "p5"]
    assert _pick(Rules(merchant_id="m2")) == ["p3", "p4"]
    assert _pick(Rules(min_price=Decimal("10"), max_price=Decimal("50.00"))) == ["p1", "p2", "p3"]
    assert _pick(Rules(exclude=frozenset({"p1"})), k=2) == ["p2", "p3"]


def test_diversity_caps_each_category_and_merchant() -> None:
    assert _pick(Rules(max_per_merchant=1)) == ["p1", "p3", "p5"]
    assert _pick(Rules(max_per_category=1), ids=["p2", "p5", "p1"]) == ["p2", "p1"]


def test_unknown_and_unsellable_candidates_are_skipped() -> None:
    assert _pick(Rules(), ids=["nope", "p4", "p4"]) == ["p4"]


def test_the_cache_applies_only_what_changed() -> None:
    source = Source()
    catalog = _catalog(source)
    assert catalog.view.popular[0] == "p1"
    source.changes = [_facts("p1", "c_root", "m1", 1000, sellable=False),
                      _facts("p9", "c_other", "m1", 100)]  # fmt: skip
    catalog.refresh()
    assert set(catalog.view.items) == {"p2", "p3", "p4", "p5", "p9"}
    assert source.since[-1] is not None  # incremental, not a full read


class Writer:
    def __init__(self, *, fail: bool = False) -> None:
        self.rows: list[Impression] = []
        self.fail = fail

    def insert_many(self, impressions: Sequence[Impression]) -> int:
        if self.fail:
            raise ConnectionError("database away")
        self.rows.extend(impressions)
        return len(impressions)


def _impression() -> Impression:
    return Impression(new_attribution_id(), "user", "als", "1", None, None, ("p1",),
                      datetime.now(UTC))  # fmt: skip


def test_the_buffer_never_blocks_and_counts_what_it_drops() -> None:
    writer = Writer()
    buffer = ImpressionBuffer(writer, max_queue=3, batch_size=2)
    offered = [buffer.offer(_impression()) for _ in range(5)]
    assert offered == [True, True, True, False, False]
    assert (buffer.flush(), buffer.dropped, len(writer.rows)) == (3, 2, 3)
    failing = ImpressionBuffer(Writer(fail=True))
    failing.offer(_impression())
    assert (failing.flush(), failing.dropped) == (0, 1)


def test_a_broken_new_version_leaves_the_old_one_serving(tmp_path: Path) -> None:
    from recsys import factory
    from recsys.interactions import Interactions

    registry = ModelRegistry(tmp_path, poll_seconds=0)
    assert registry.reload().models == {}  # no aliases.json: popular from the database
    data = Interactions.from_events(["u1", "u2"], ["p1", "p2"], ["view", "purchase"], [1.0, 2.0])
    factory.make("popularity").fit(data).save(tmp_path / "popularity@1")
    aliases = tmp_path / "aliases.json"
    aliases.write_text(json.dumps({"popular": "popularity@1"}))
    registry.reload()  # what the poller does: aliases.json changed, so it loads
    assert registry.describe() == {"popular": "popularity@1"}
    for broken, error in [({"popular": "popularity@2"}, "absent"),
                          ({"popular": "not-a-folder"}, "name>@<version")]:  # fmt: skip
        aliases.write_text(json.dumps(broken))
        with pytest.raises(ModelLoadError, match=error):
            registry.reload(force=True)
        assert registry.describe() == {"popular": "popularity@1"}
    assert registry.snapshot.models["popular"].model.top(1)[0][0] == "p2"
