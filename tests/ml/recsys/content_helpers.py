"""Shared by the content and search tests: one encoder per test process, small catalogues.

The model takes seconds to load, so every test module asks ``encoder()`` for the same one.
"""

from __future__ import annotations

from functools import lru_cache

from recsys.content.embed import ItemText, TextEncoder

# Two taste clusters matching tests/ml/recsys/conftest.py: even items, odd items.
_EVEN = [
    "trail running shoes",
    "road running shoes",
    "running socks",
    "sports water bottle",
    "fitness tracker watch",
]
_ODD = [
    "chef kitchen knife",
    "cast iron frying pan",
    "wooden cutting board",
    "stainless steel saucepan",
    "kitchen knife sharpener",
]


@lru_cache(maxsize=1)
def encoder() -> TextEncoder:
    return TextEncoder(threads=2)


def catalogue(n_items: int = 40) -> list[ItemText]:
    """Texts for prd_000..prd_{n-1}: even ids are sport goods, odd ids kitchen goods."""
    items = []
    for i in range(n_items):
        names, category = (
            (_EVEN, ["Sports", "Running"]) if i % 2 == 0 else (_ODD, ["Home", "Kitchen"])
        )
        title = f"{names[(i // 2) % len(names)]} model {i // 2}"
        items.append(ItemText(f"prd_{i:03d}", title, category, {"sku": f"S{i}"}))
    return items
