"""Prediction helpers: fewer garbage collections, and forked workers for large files."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

# Predicts a chunk of distinct normalised texts, given their tokens when known.
PredictChunk = Callable[..., list[Any]]


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


_worker_predict: PredictChunk | None = None  # set in the parent, inherited by forks


def _predict_chunk_in_worker(part: tuple[list[str], dict[str, Sequence] | None]) -> list[Any]:
    assert _worker_predict is not None
    texts, tokens = part
    return _worker_predict(texts, tokens=tokens)


def predict_in_processes(
    predict: PredictChunk,
    texts: list[str],
    workers: int,
    tokens: Mapping[str, Sequence] | None = None,
) -> list[Any]:
    """Split the texts over forked worker processes that inherit ``predict`` (a fitted
    model's bound method) from the parent."""
    global _worker_predict
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        return predict(texts, tokens=tokens)
    _worker_predict = predict
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
        _worker_predict = None
