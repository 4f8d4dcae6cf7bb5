"""BM25 keyword scoring for product search, in English and Chinese.

``tokenize(text)``: NFKC, lower case; Latin/Cyrillic/digit runs become words, CJK runs (Han,
kana, Hangul) become every single character plus every adjacent pair (bigram), because
Chinese has no spaces and a dictionary segmenter would be one more model to ship: "手机壳"
-> 手, 机, 壳, 手机, 机壳. A query then matches on shared characters and ranks higher on
shared pairs.

``KeywordIndex.build(docs)`` takes one (title, rest) pair per document; the title's terms
count ``title_boost`` times (a light BM25F). ``scores(query)`` returns one BM25 score per
document (k1=1.2, b=0.75). Saved as ``bm25.npz`` + ``bm25.json`` (the vocabulary).
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")


def normalise(text: str) -> str:
    """NFKC, lower case, single spaces (used for exact-title matching too)."""
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())


def tokenize(text: str) -> list[str]:
    """Words for Latin script; characters and bigrams for CJK."""
    tokens: list[str] = []
    for match in _TOKEN.finditer(normalise(text)):
        run = match.group()
        if _CJK_RUN.fullmatch(run):
            tokens.extend(run)
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            tokens.append(run)
    return tokens


def cjk_share(text: str) -> float:
    """Fraction of a text's letters that are CJK (0.0 for an empty text)."""
    letters = [c for c in text if c.isalnum()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if _CJK_RUN.fullmatch(c)) / len(letters)


class KeywordIndex:
    """Precomputed BM25 weights, documents x terms (CSC: a query sums a few columns)."""

    def __init__(self, weights: sp.csc_matrix, vocabulary: dict[str, int]) -> None:
        self.weights = weights
        self.vocabulary = vocabulary

    @classmethod
    def build(
        cls,
        docs: Sequence[tuple[str, str]],
        *,
        title_boost: int = 2,
        k1: float = 1.2,
        b: float = 0.75,
    ) -> KeywordIndex:
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        counts: list[float] = []
        for doc, (title, rest) in enumerate(docs):
            tf = Counter(tokenize(title) * title_boost + tokenize(rest))
            for term, count in tf.items():
                rows.append(doc)
                cols.append(vocabulary.setdefault(term, len(vocabulary)))
                counts.append(float(count))
        shape = (len(docs), len(vocabulary))
        tf_matrix = sp.csr_matrix((counts, (rows, cols)), shape=shape, dtype=np.float64)
        return cls(_bm25_weights(tf_matrix, k1=k1, b=b), vocabulary)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query`` (each distinct term counted once)."""
        cols = sorted({self.vocabulary[t] for t in tokenize(query) if t in self.vocabulary})
        if not cols:
            return np.zeros(self.weights.shape[0])
        return np.asarray(self.weights[:, cols].sum(axis=1)).ravel()

    def save(self, directory: str | Path) -> None:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        w = self.weights
        np.savez_compressed(
            path / "bm25.npz",
            data=w.data.astype(np.float32),
            indices=w.indices.astype(np.int32),
            indptr=w.indptr.astype(np.int64),
            shape=np.array(w.shape, dtype=np.int64),
        )
        (path / "bm25.json").write_text(json.dumps(self.vocabulary, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, directory: str | Path) -> KeywordIndex:
        path = Path(directory)
        with np.load(path / "bm25.npz", allow_pickle=False) as npz:
            shape = (int(npz["shape"][0]), int(npz["shape"][1]))
            weights = sp.csc_matrix((npz["data"], npz["indices"], npz["indptr"]), shape=shape)
        vocabulary = json.loads((path / "bm25.json").read_text("utf-8"))
        return cls(weights, vocabulary)


def _bm25_weights(tf: sp.csr_matrix, *, k1: float, b: float) -> sp.csc_matrix:
    n_docs = tf.shape[0]
    lengths = np.asarray(tf.sum(axis=1)).ravel()
    avg = float(lengths.mean()) if n_docs else 1.0
    df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float64)
    idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
    coo = tf.tocoo()
    norm = k1 * (1.0 - b + b * lengths[coo.row] / max(avg, math.ulp(1.0)))
    data = idf[coo.col] * coo.data * (k1 + 1.0) / (coo.data + norm)
    return sp.csc_matrix((data, (coo.row, coo.col)), shape=tf.shape, dtype=np.float32)
