"""The evaluation set and its metrics: hand-computed counts, the data's own checks, and
the regression gate on the held-out part."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from procurement_agent.understanding import Intent, parse
from procurement_agent.understanding.evaluation import (
    DATA_DIR,
    SLOTS,
    Counts,
    SlotValue,
    evaluate,
    load_rows,
    normalise,
    percentile,
    slot_counts,
)

# Held-out figures (docs/agent/understanding.md): slot micro F1 0.986 and intent accuracy
# 0.981 when first measured on the frozen parser, 1.000 for both since. The gate sits just
# under them: losing four or five slots, or two intents, fails here.
TEST_MIN_SLOT_F1 = 0.985
TEST_MIN_INTENT_ACCURACY = 0.98
TEST_MIN_SLOT_F1_PER_LANG = {"en": 0.975, "zh": 0.98, "mixed": 0.95}


def test_counts_by_hand() -> None:
    gold: dict[str, SlotValue] = {
        "product": "bolt", "quantity": "500", "specs": ["M8", "stainless steel"],
        "deadline": "2026-11-12",
    }  # fmt: skip
    predicted: dict[str, SlotValue] = {
        "product": "bolts", "quantity": "500.0", "specs": ["M8", "304"], "location": "Shanghai/CN",
    }  # fmt: skip
    counts = slot_counts(gold, predicted)
    assert counts["product"] == Counts(0, 1, 1)  # a wrong value: one FP and one FN
    assert counts["quantity"] == Counts(1, 0, 0)  # 500 == 500.0
    assert counts["specs"] == Counts(1, 1, 1)
    assert counts["deadline"] == Counts(0, 0, 1)
    assert counts["location"] == Counts(0, 1, 0)
    total = Counts()
    for c in counts.values():
        total.add(c)
    assert (total.tp, total.fp, total.fn) == (2, 3, 3)
    assert total.precision == pytest.approx(2 / 5)
    assert total.recall == pytest.approx(2 / 5)
    assert total.f1 == pytest.approx(2 / 5)


def test_normalise() -> None:
    assert normalise("budget", "1.50 USD") == "1.5 USD"
    assert normalise("max_unit_price", "0.20") == "0.2"
    assert normalise("product", "LED 灯泡") == "led 灯泡"
    assert normalise("specs", ["M8", "A4"]) == ["A4", "M8"]


def test_percentile() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 50) == 3.0
    assert percentile([float(i) for i in range(1, 101)], 95) == 95.0
    assert (Counts().precision, Counts().recall) == (1.0, 1.0)  # nothing claimed, nothing missed


@pytest.mark.parametrize("part", ["dev", "test", "test2"])
def test_the_data_is_well_formed(part: str) -> None:
    rows = load_rows(DATA_DIR / f"{part}.jsonl")
    assert len({r.id for r in rows}) == len(rows)
    for row in rows:
        assert Intent(row.intent)
        assert set(row.slots) <= set(SLOTS)
        assert row.lang in ("en", "zh", "mixed")
        if "deadline" in row.slots:
            assert isinstance(row.slots["deadline"], str)
            date.fromisoformat(row.slots["deadline"])
    langs = Counter("en" if r.lang == "en" else "zh" for r in rows)
    assert abs(langs["en"] - langs["zh"]) <= len(rows) * 0.15  # about half and half


def test_the_parts_are_large_enough_and_disjoint() -> None:
    dev, test, test2 = (load_rows(DATA_DIR / f"{p}.jsonl") for p in ("dev", "test", "test2"))
    assert len(test) >= 80
    assert len(dev) + len(test) >= 200
    texts = [r.text for part in (dev, test, test2) for r in part]
    assert len(texts) == len(set(texts))


@pytest.mark.parametrize("part", ["test", "test2"])
def test_held_out_figures_stay_above_the_gate(part: str) -> None:
    report = evaluate(load_rows(DATA_DIR / f"{part}.jsonl"), parse)
    assert report.micro.f1 >= TEST_MIN_SLOT_F1, report.errors
    assert report.intent_accuracy >= TEST_MIN_INTENT_ACCURACY, report.errors
    for lang, minimum in TEST_MIN_SLOT_F1_PER_LANG.items():
        assert report.per_lang[lang].f1 >= minimum, (lang, report.errors)


def test_dev_figures_stay_where_tuning_left_them() -> None:
    report = evaluate(load_rows(DATA_DIR / "dev.jsonl"), parse)
    assert report.micro.f1 >= 0.98, report.errors
    assert report.intent_accuracy >= 0.98, report.errors
