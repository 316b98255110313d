"""Neighbours in meaning: a vote of the labelled answers nearest to an answer.

The sentence embeddings place answers of like meaning near each other, so the labelled
answers closest to a new answer say what it most likely means. :class:`Neighbours` keeps
the embeddings of the answers a model was fitted on, with their labels, their weights (a
town's corrections count ``corrections_weight`` times) and their need status; its
:meth:`~Neighbours.vote` gives, for each answer, the weighted share of its ``k`` nearest
labelled answers (by cosine) that carry each label, and which labelled answer is nearest.
:class:`~needs_analysis.classify.model.NeedClassifier` blends that share into each label's
probability, so a coordinator's correction also moves the answers that *mean* the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Cosine similarities are computed for this many answers at a time (memory stays small).
_ROWS = 512
GIST_LENGTH = 30


@dataclass(frozen=True)
class Vote:
    """What the nearest labelled answers say about each answer.

    ``labels``: (answers, labels) weighted share of the neighbours carrying each label;
    ``need``: weighted share of the neighbours with a known status that state a need (NaN
    where none has a status); ``nearest``: (answers, k) row numbers of the neighbours,
    nearest first.
    """

    labels: np.ndarray
    need: np.ndarray
    nearest: np.ndarray


class Neighbours:
    """The labelled answers' embeddings, labels, weights, need status and gists (``texts``:
    masked, for the evidence)."""

    def __init__(
        self,
        vectors: np.ndarray,
        targets: np.ndarray,
        weights: np.ndarray | None = None,
        need: np.ndarray | None = None,
        texts: Sequence[str] = (),
    ):
        self.vectors = np.asarray(vectors, dtype=np.float16)
        self.targets = np.asarray(targets, dtype=np.float32)
        count = len(self.vectors)
        self.weights = (
            np.ones(count, dtype=np.float32)
            if weights is None
            else np.asarray(weights, dtype=np.float32)
        )
        self.need = (
            np.full(count, np.nan, dtype=np.float32)
            if need is None
            else np.asarray(need, dtype=np.float32)
        )
        self.texts = list(texts)

    def __len__(self) -> int:
        return len(self.vectors)

    def vote(self, queries: np.ndarray, k: int) -> Vote:
        """The vote of the ``k`` nearest labelled answers for each query embedding."""
        queries = np.asarray(queries, dtype=np.float32)
        k = max(1, min(int(k), len(self)))
        nearest = np.empty((len(queries), k), dtype=np.int64)
        table = self.vectors.astype(np.float32)
        for begin in range(0, len(queries), _ROWS):
            similarity = queries[begin : begin + _ROWS] @ table.T
            rows = np.arange(len(similarity))
            # k passes of argmax: for a handful of neighbours several times faster than a
            # partition of every row, nearest first, ties to the earlier labelled answer.
            for rank in range(k):
                best = similarity.argmax(axis=1)
                nearest[begin + rows, rank] = best
                similarity[rows, best] = -np.inf
        return self.vote_of(nearest)

    def vote_of(self, nearest: np.ndarray) -> Vote:
        """The vote of given neighbours (row numbers), e.g. the first ``k`` of a longer list."""
        weights = self.weights[nearest]
        total = np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
        labels = np.einsum("qk,qkl->ql", weights, self.targets[nearest]) / total
        status = self.need[nearest]
        known = ~np.isnan(status)
        known_weight = (weights * known).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            need = np.where(
                known_weight > 0,
                (weights * np.where(known, status, 0.0)).sum(axis=1) / known_weight,
                np.nan,
            )
        return Vote(labels=labels, need=need, nearest=nearest)

    def nearest_with(self, nearest: np.ndarray, column: int) -> int | None:
        """The first of ``nearest`` (row numbers, nearest first) that carries the label."""
        for row in nearest:
            if self.targets[row, column] > 0:
                return int(row)
        return None


def blend(probabilities: np.ndarray, votes: np.ndarray, share: float) -> np.ndarray:
    """Each probability moved ``share`` of the way towards the neighbours' vote."""
    if share <= 0:
        return probabilities
    return (1.0 - share) * probabilities + share * votes


def gist(text: str, length: int = GIST_LENGTH) -> str:
    """The start of an answer, cut at a sentence end where one comes early enough."""
    text = " ".join(str(text).split())
    if len(text) <= length:
        return text
    cut = text[:length]
    end = max(cut.rfind(mark) for mark in "。！？!?")
    return cut[: end + 1] if end >= length // 2 else cut + "…"
