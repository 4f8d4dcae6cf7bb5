"""Content side of recsys: item text embeddings, the faiss index, the content recommender.

- ``recsys.content.embed``: ``ItemText``, ``TextEncoder`` (offline all-MiniLM-L6-v2),
  ``Embeddings`` (.npy + JSON cache), ``encode_items``.
- ``recsys.content.index``: ``VectorIndex`` (exact up to 200k items, HNSW beyond).
- ``recsys.content.model``: ``ContentRecommender`` (recsys.base.Recommender).
- ``recsys.content.bm25``: keyword scoring used by ``recsys.search``.

Modules are imported on demand: importing this package loads neither torch nor faiss.
"""
