"""Word vectors: chiVe embeddings as shipped in the ``ja-ginza`` package.

Residents name a need in words our labeled answers never used: a 蛍光灯 instead of a 電球,
the 診療所 instead of the 病院. The mean vector of an answer's content words lets the model
see that such answers sit near the ones it learned from. The table has 20,000 rows of 300
dimensions; about 480,000 word forms map onto those rows. It is read straight from the
package files with spaCy's ``Vectors`` class; no spaCy pipeline is loaded.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from itertools import chain
from pathlib import Path

import numpy as np
from scipy import sparse

from needs_analysis.errors import NeedsAnalysisError

PACKAGE = "ja-ginza"


def vectors_version() -> str:
    """Which vectors the features come from, for model and cache keys."""
    try:
        return f"{PACKAGE} {version(PACKAGE)}"
    except PackageNotFoundError:
        return f"{PACKAGE} (not installed)"


def _vocab_dir() -> Path:
    # find_spec locates the package without importing it (importing would load spaCy's
    # pipeline machinery, which we do not need).
    spec = importlib.util.find_spec("ja_ginza")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            found = sorted(Path(location).glob("ja_ginza-*/vocab"))
            if found:
                return found[-1]
    raise NeedsAnalysisError(
        "分類に使う単語ベクトル（ja-ginza パッケージ）が見つかりません。"
        "「pip install ja-ginza」でインストールしてください。"
    )


class WordVectors:
    """Unit-length word vectors looked up by surface form or dictionary form."""

    def __init__(self, vocab_dir: Path | str | None = None):
        from spacy.strings import hash_string
        from spacy.vectors import Vectors

        vectors = Vectors().from_disk(Path(vocab_dir) if vocab_dir else _vocab_dir())
        table = np.asarray(vectors.data, dtype=np.float32)
        norms = np.linalg.norm(table, axis=1, keepdims=True)
        self.table = table / np.maximum(norms, 1e-9)
        self._key2row = vectors.key2row
        self._hash = hash_string
        self._rows: dict[str, int] = {}

    @property
    def dimensions(self) -> int:
        return int(self.table.shape[1])

    def row(self, *forms: str) -> int:
        """The table row of the first form that has a vector, or -1."""
        for form in forms:
            row = self._rows.get(form)
            if row is None:
                row = int(self._key2row.get(self._hash(form), -1))
                self._rows[form] = row
            if row >= 0:
                return row
        return -1

    def mean_vectors(self, rows_per_text: Sequence[Sequence[int]]) -> np.ndarray:
        """One unit-length mean vector per text, from its rows (zeros for a text with none).

        One sparse product for all texts: the sum points the same way as the mean.
        """
        lengths = [len(rows) for rows in rows_per_text]
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        indices = np.fromiter(chain.from_iterable(rows_per_text), dtype=np.int64, count=indptr[-1])
        counts = sparse.csr_matrix(
            (np.ones(len(indices), dtype=np.float32), indices, indptr),
            shape=(len(rows_per_text), len(self.table)),
        )
        sums = np.asarray(counts @ self.table)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return sums / np.maximum(norms, 1e-9)


@lru_cache(maxsize=1)
def load_word_vectors() -> WordVectors:
    """The installed vectors, loaded once per process."""
    return WordVectors()
