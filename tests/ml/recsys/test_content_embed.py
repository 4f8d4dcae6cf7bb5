"""Item texts and their embeddings: offline model, deterministic, unit length, cached."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from recsys.content.embed import (
    DIM,
    MODEL_NAME,
    Embeddings,
    ItemText,
    TextEncoder,
    encode_items,
    item_text,
)
from tests.ml.recsys.content_helpers import catalogue, encoder


@pytest.fixture(scope="module")
def enc() -> TextEncoder:
    return encoder()


def test_item_text_joins_title_category_and_sorted_attributes() -> None:
    item = ItemText("p1", " Trail shoe ", ["Sports", "Running"], {"size": "42", "color": "red"})
    assert item_text(item) == "Trail shoe. category: Sports > Running. color: red; size: 42"
    assert item_text(ItemText("p2", "Mug")) == "Mug"


def test_vectors_are_unit_length_float32_and_deterministic(enc: TextEncoder) -> None:
    texts = ["trail running shoes", "cast iron frying pan", "蓝牙耳机", ""]
    first = enc.encode(texts)
    assert first.shape == (4, DIM)
    assert first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first, enc.encode(texts))
    assert enc.encode([]).shape == (0, DIM)


def test_similar_texts_are_closer_than_unrelated_ones(enc: TextEncoder) -> None:
    shoes, trainers, pan = enc.encode(["running shoes", "jogging sneakers", "frying pan"])
    assert shoes @ trainers > shoes @ pan + 0.2


def test_model_is_the_bundled_one_and_hub_stays_offline(enc: TextEncoder) -> None:
    assert enc.model_name == MODEL_NAME
    assert enc.model_version
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_cache_round_trip_and_reuse_of_unchanged_items(enc: TextEncoder, tmp_path: Path) -> None:
    items = catalogue(6)
    first = encode_items(enc, items)
    first.save(tmp_path / "emb")
    meta = json.loads((tmp_path / "emb" / "embeddings.json").read_text())
    assert meta["model_name"] == MODEL_NAME
    assert meta["model_version"] == enc.model_version
    assert meta["ids"] == [it.item_id for it in items]

    cached = Embeddings.load(tmp_path / "emb")
    assert np.array_equal(cached.vectors, first.vectors)
    # Poison the cached vectors: reused rows show the poison, re-encoded rows do not.
    cached.vectors[:] = 0.0
    changed = [*items[:5], ItemText(items[5].item_id, "a different title")]
    again = encode_items(enc, changed, cache=cached)
    assert not again.vectors[:5].any()
    assert np.linalg.norm(again.vectors[5]) == pytest.approx(1.0, abs=1e-5)


def test_cache_of_another_model_version_is_not_reused(enc: TextEncoder) -> None:
    items = catalogue(3)
    stale = encode_items(enc, items)
    stale.vectors[:] = 0.0
    stale.model_version = "0.0.0-other"
    fresh = encode_items(enc, items, cache=stale)
    np.testing.assert_allclose(np.linalg.norm(fresh.vectors, axis=1), 1.0, atol=1e-5)


def test_load_refuses_vectors_that_do_not_match_the_ids(enc: TextEncoder, tmp_path: Path) -> None:
    emb = encode_items(enc, catalogue(2))
    emb.save(tmp_path / "emb")
    np.save(tmp_path / "emb" / "vectors.npy", np.zeros((3, DIM), dtype=np.float32))
    with pytest.raises(ValueError, match="3 vectors for 2 ids"):
        Embeddings.load(tmp_path / "emb")


def test_a_fresh_process_loads_the_model_without_any_network(tmp_path: Path) -> None:
    # No hub cache, offline flags unset, and every proxied request would fail: the model
    # still loads, from the package, and nothing is written to the (empty) hub cache.
    env = {k: v for k, v in os.environ.items() if "OFFLINE" not in k}
    env |= {
        "HF_HOME": str(tmp_path / "hf"),
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "HTTP_PROXY": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }
    code = "from recsys.content.embed import TextEncoder; print(TextEncoder().encode(['x']).shape)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(1, 384)"
    assert not list((tmp_path / "hf").rglob("*.safetensors"))
