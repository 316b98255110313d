"""Prediction helpers: fewer garbage collections, and forked workers for large files."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from needs_analysis.classify import NeedClassifier, Prediction
    from needs_analysis.tokenize import Token


@contextmanager
def fewer_collections(threshold: int = 20_000) -> Iterator[None]:
    """Run Python's cyclic garbage collector less often while fitting or predicting.

    Analysing answers allocates millions of short-lived token objects that free themselves
    without the collector; at the default threshold it runs thousands of times and keeps
    rescanning the fitted model, which costs about a quarter of the time. Forked workers
    inherit the setting.
    """
    previous = gc.get_threshold()
    gc.set_threshold(max(threshold, previous[0]), *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


_worker_model: NeedClassifier | None = None  # set in the parent, inherited by forks


def _predict_chunk_in_worker(
    part: tuple[list[str], dict[str, Sequence[Token]] | None],
) -> list[Prediction]:
    assert _worker_model is not None
    texts, tokens = part
    return _worker_model._predict_distinct(texts, tokens=tokens)


def predict_in_processes(
    model: NeedClassifier,
    texts: list[str],
    workers: int,
    tokens: Mapping[str, Sequence[Token]] | None = None,
) -> list[Prediction]:
    """Split the texts over forked worker processes that inherit the fitted model."""
    global _worker_model
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return model._predict_distinct(texts, tokens=tokens)
    _worker_model = model
    size = -(-len(texts) // (workers * 4))  # a few chunks per worker to balance the load
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    parts = [
        (
            chunk,
            None if tokens is None else {text: tokens[text] for text in chunk if text in tokens},
        )
        for chunk in chunks
    ]
    context = multiprocessing.get_context("fork")
    try:
        with context.Pool(workers) as pool:
            return [p for part in pool.map(_predict_chunk_in_worker, parts) for p in part]
    finally:
        _worker_model = None
