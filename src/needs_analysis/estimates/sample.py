"""Which answers the coordinator checks: a stratified, seeded draw with known probabilities.

Every area gets at least ``min_per_area`` checks (or all its answers, when it has fewer);
the rest of the ``size`` checks are shared in proportion to the areas' answers (largest
remainders). Inside an area the draw is equal-probability without replacement, or, with
``uncertainty`` scores, *active*: probability ∝ (1 − mix) · uniform + mix · score, so no
answer's probability falls below (1 − mix) times the uniform one (Zrnic & Candès 2024).
The unequal-probability draw is systematic sampling on a random order, which gives every
answer exactly its inclusion probability. The probabilities go with the sample into the
estimators (they weight each check by 1 / probability).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from needs_analysis.errors import NeedsAnalysisError

MIN_PER_AREA = 5
MIX = 0.5


def uncertainty_scores(probabilities: object, labels: object | None = None) -> np.ndarray:
    """How likely the model's labels of each answer are wrong: sqrt(Σ_k P(label k wrong)).

    ``probabilities``: the model's probability of each category (answers × categories);
    ``labels``: its 0/1 labels (default: probability ≥ 0.5). P(wrong) is the probability
    when the label is 0 and one minus it when the label is 1, which is the expected squared
    error of the label when the probabilities are calibrated; the square root of the sum
    over categories is the rule that minimises the summed variance of the corrected rates.
    """
    p = np.clip(np.asarray(probabilities, dtype=float), 0.0, 1.0)
    if p.ndim == 1:
        p = p[:, None]
    given = p >= 0.5 if labels is None else np.asarray(labels, dtype=float).reshape(p.shape) > 0
    wrong = np.where(given, 1.0 - p, p)
    return np.sqrt(wrong.sum(axis=1))


def allocate(sizes: np.ndarray, total: int, minimum: int) -> np.ndarray:
    """Checks per area: at least ``minimum`` (at most the area's size), the rest by size.

    The counts are c · N_h clipped to [min(minimum, N_h), N_h] for the c that makes them
    add up to ``total``, rounded by largest remainders.
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    low = np.minimum(sizes, minimum)
    if total < low.sum():
        raise NeedsAnalysisError(
            f"点検する数（{total}）が、どの圏域にも{minimum}件ずつ割り当てる数"
            f"（{int(low.sum())}）より少なくなっています。"
        )
    total = min(int(total), int(sizes.sum()))
    below, above = 0.0, 1.0
    for _ in range(100):  # sum(clip(c * N_h)) grows with c; at c = 1 it is all answers
        middle = (below + above) / 2
        if np.clip(middle * sizes, low, sizes).sum() < total:
            below = middle
        else:
            above = middle
    ideal = np.clip(above * sizes, low, sizes)
    counts = np.floor(ideal).astype(np.int64)
    while counts.sum() < total:
        fraction = np.where(counts < sizes, ideal - counts, -np.inf)
        counts[int(np.argmax(fraction))] += 1
    return counts


def inclusion_probabilities(scores: np.ndarray, size: int, mix: float) -> np.ndarray:
    """Probabilities summing to ``size``, ∝ (1 − mix)/N + mix · score/Σscore, capped at 1."""
    count = scores.size
    total = scores.sum()
    share = np.full(count, 1.0 / count)
    if total > 0:
        share = (1 - mix) * share + mix * scores / total
    pi = size * share
    capped = np.zeros(count, dtype=bool)
    while (pi > 1 + 1e-12).any():
        capped |= pi >= 1
        free = size - capped.sum()
        pi = np.where(capped, 1.0, free * share / share[~capped].sum())
    return np.minimum(pi, 1.0)


def systematic(pi: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Positions drawn with exactly the inclusion probabilities ``pi`` (fixed size)."""
    order = rng.permutation(pi.size)
    cumulative = np.concatenate([[0.0], np.cumsum(pi[order])])
    points = rng.random() + np.arange(int(round(pi.sum())))
    hits = np.searchsorted(cumulative, points, side="right") - 1
    return np.sort(order[np.clip(hits, 0, pi.size - 1)])


def draw_checks(
    areas: object,
    size: int,
    *,
    min_per_area: int = MIN_PER_AREA,
    uncertainty: object | None = None,
    mix: float = MIX,
    seed: int = 0,
) -> pd.DataFrame:
    """Draw ``size`` answers to check, stratified by area; the same seed, the same draw.

    ``areas``: the area of every answer; ``uncertainty``: a score ≥ 0 per answer (see
    :func:`uncertainty_scores`) for active sampling, None for equal probabilities within an
    area. Returns one row per drawn answer, in answer order: ``position`` (0..N-1),
    ``area`` and ``inclusion_prob`` (in (0, 1]).
    """
    if not 0 <= mix < 1:
        raise ValueError("mix must be in [0, 1)")
    area_values = np.asarray(areas, dtype=object).astype(str)
    names, codes = np.unique(area_values, return_inverse=True)
    counts = allocate(np.bincount(codes, minlength=names.size), int(size), min_per_area)
    scores = None
    if uncertainty is not None:
        scores = np.asarray(uncertainty, dtype=float).ravel()
        if scores.size != area_values.size or (scores < 0).any() or not np.isfinite(scores).all():
            raise ValueError("uncertainty must give one finite score >= 0 per answer")
    rng = np.random.default_rng(seed)
    positions, probabilities = [], []
    for code, count in enumerate(counts):
        members = np.flatnonzero(codes == code)
        if count == 0:
            continue
        local = np.ones(members.size) if scores is None else scores[members]
        pi = inclusion_probabilities(local, int(count), mix if scores is not None else 0.0)
        drawn = systematic(pi, rng)
        positions.append(members[drawn])
        probabilities.append(pi[drawn])
    position = np.concatenate(positions) if positions else np.zeros(0, dtype=np.int64)
    pi = np.concatenate(probabilities) if probabilities else np.zeros(0)
    order = np.argsort(position)
    return pd.DataFrame(
        {
            "position": position[order],
            "area": area_values[position[order]],
            "inclusion_prob": pi[order],
        }
    )
