"""Content-side benchmark: embedding throughput, faiss index build/query, hybrid search.

1. Embedding: items/s of all-MiniLM-L6-v2 on this CPU (``--texts`` synthetic product texts).
2. Index at ``--items`` random unit vectors (384-d): exact (IndexFlatIP) and HNSW build
   time, single-query p50/p99, and HNSW recall@10 against exact for several ef_search.
3. Search: ``recsys.search.SearchIndex`` over ``--items`` synthetic titles (random vectors
   stand in for their embeddings; queries are really encoded): p50/p99 per query.

    python -m bench.content [--items 100000] [--texts 2000] [--threads 1] [--no-hnsw]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

import numpy as np

from recsys.content.embed import DIM, Embeddings, ItemText, TextEncoder, item_text
from recsys.content.index import VectorIndex, set_threads
from recsys.search import SearchIndex

WORDS = [
    "trail",
    "running",
    "shoes",
    "red",
    "blue",
    "cotton",
    "shirt",
    "kitchen",
    "knife",
    "steel",
    "pan",
    "wireless",
    "bluetooth",
    "headphones",
    "leather",
    "wallet",
    "women",
    "men",
    "kids",
    "waterproof",
    "jacket",
    "wool",
    "scarf",
    "ceramic",
    "mug",
    "phone",
    "case",
    "charger",
    "cable",
    "usb",
    "laptop",
    "stand",
    "desk",
    "lamp",
    "手机壳",
    "蓝牙耳机",
    "不粘锅",
    "跑步鞋",
]
CATEGORIES = (
    ["Sports", "Running"],
    ["Home", "Kitchen"],
    ["Electronics", "Audio"],
    ["Fashion", "Men"],
    ["数码", "耳机"],
)


def synthetic_items(n: int, seed: int = 0) -> list[ItemText]:
    rng = random.Random(seed)
    return [
        ItemText(
            f"prd_{i:06d}",
            " ".join(rng.sample(WORDS, 4)) + f" {i}",
            rng.choice(CATEGORIES),
            {"brand": f"brand{rng.randrange(500)}"},
        )
        for i in range(n)
    ]


def unit_vectors(n: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def latencies_ms(call: Callable[[int], object], n: int) -> tuple[float, float]:
    times = []
    for i in range(n):
        start = time.perf_counter()
        call(i)
        times.append((time.perf_counter() - start) * 1000)
    cuts = statistics.quantiles(times, n=100)
    return cuts[49], cuts[98]


def bench_embedding(encoder: TextEncoder, n: int) -> None:
    texts = [item_text(it) for it in synthetic_items(n)]
    encoder.encode(texts[:64])  # warm-up
    start = time.perf_counter()
    encoder.encode(texts)
    elapsed = time.perf_counter() - start
    print(f"embedding: {n} texts in {elapsed:.1f} s = {n / elapsed:.0f} items/s")
    p50, p99 = latencies_ms(lambda i: encoder.encode([texts[i][:40]]), 100)
    print(f"embedding one short query: p50 {p50:.1f} ms, p99 {p99:.1f} ms")


def bench_index(n: int, *, hnsw: bool, threads: int) -> None:
    ids = [f"prd_{i:06d}" for i in range(n)]
    x, queries = unit_vectors(n, 0), unit_vectors(500, 1)
    kinds = (("flat", 10**9), ("hnsw", 0)) if hnsw else (("flat", 10**9),)
    for name, threshold in kinds:
        start = time.perf_counter()
        index = VectorIndex.build(ids, x, exact_threshold=threshold, threads=threads)
        print(f"{name}: build {time.perf_counter() - start:.1f} s for {n} items")
        if name == "flat":
            _, truth = index.search(queries, 10)
            p50, p99 = latencies_ms(lambda i, ix=index: ix.search(queries[i % 500], 10), 300)
            print(f"flat: one query k=10 p50 {p50:.2f} ms, p99 {p99:.2f} ms")
            start = time.perf_counter()
            index.search(queries, 10)
            rate = len(queries) / (time.perf_counter() - start)
            print(f"flat: batch of {len(queries)} queries, {rate:.0f} queries/s")
            continue
        for ef in (64, 128, 256, 512):
            index.ef_search = ef
            _, found = index.search(queries, 10)
            hits = sum(len(set(t) & set(f)) for t, f in zip(truth, found, strict=True))
            p50, p99 = latencies_ms(lambda i, ix=index: ix.search(queries[i % 500], 10), 300)
            print(
                f"hnsw ef={ef}: recall@10 {hits / truth.size:.3f} (isotropic random), "
                f"one query p50 {p50:.2f} ms, p99 {p99:.2f} ms"
            )


def bench_search(encoder: TextEncoder, n: int) -> None:
    items = synthetic_items(n, seed=2)
    emb = Embeddings(ids=[it.item_id for it in items], vectors=unit_vectors(n, 2), digests=[""] * n)
    start = time.perf_counter()
    index = SearchIndex.build(items, encoder=encoder, embeddings=emb)
    print(f"search: build {time.perf_counter() - start:.1f} s for {n} items (BM25 + flat)")
    rng = random.Random(3)
    queries = [" ".join(rng.sample(WORDS, rng.randint(1, 3))) for _ in range(200)]
    allowed = set(emb.ids[::10])
    for label, kwargs in (("all items", {}), (f"{len(allowed)} allowed", {"allowed": allowed})):
        p50, p99 = latencies_ms(lambda i, kw=kwargs: index.search(queries[i], 20, **kw), 200)
        print(f"search k=20, {label}: p50 {p50:.1f} ms, p99 {p99:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-hnsw", action="store_true", help="skip the (slow) HNSW build")
    args = parser.parse_args()
    set_threads(args.threads)
    encoder = TextEncoder(threads=args.threads)
    bench_embedding(encoder, args.texts)
    bench_index(args.items, hnsw=not args.no_hnsw, threads=args.threads)
    bench_search(encoder, args.items)


if __name__ == "__main__":
    main()
