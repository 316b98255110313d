"""Which answers the coordinator checks: a stratified, seeded draw with known probabilities.

Every area gets at least ``min_per_area`` checks (or all its answers, when it has fewer);
the rest of the ``size`` checks are shared in proportion to the areas' answers (largest
remainders). Inside an area the draw is equal-probability without replacement, so an
answer's inclusion probability is n_h / N_h; the probabilities go with the sample into
the estimators (they weight each check by N_h / n_h).

Drawing more of the answers the model is unsure about ("active" sampling, Zrnic & Candès
2024) was tried and left out: with this classifier's probabilities it narrowed the
town-level intervals by 1–4% at 100–200 checks and not at all at 50
(``benchmarks/bench_estimates.py``), which does not pay for a draw that depends on the
fitted model and on keeping its probabilities with the checks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from needs_analysis.errors import NeedsAnalysisError

MIN_PER_AREA = 5


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


def draw_checks(
    areas: ArrayLike, size: int, *, min_per_area: int = MIN_PER_AREA, seed: int = 0
) -> pd.DataFrame:
    """Draw ``size`` answers to check, stratified by area; the same seed, the same draw.

    ``areas``: the area of every answer. Returns one row per drawn answer, in answer
    order: ``position`` (0..N-1), ``area`` and ``inclusion_prob`` (n_h / N_h, in (0, 1]).
    """
    area_values = np.asarray(areas, dtype=object).astype(str)
    names, codes = np.unique(area_values, return_inverse=True)
    sizes = np.bincount(codes, minlength=names.size)
    counts = allocate(sizes, int(size), min_per_area)
    rng = np.random.default_rng(seed)
    drawn = [
        rng.choice(np.flatnonzero(codes == code), count, replace=False)
        for code, count in enumerate(counts)
    ]
    position = np.sort(np.concatenate(drawn)) if drawn else np.zeros(0, dtype=np.int64)
    share = counts / np.maximum(sizes, 1)
    return pd.DataFrame(
        {
            "position": position,
            "area": area_values[position],
            "inclusion_prob": share[codes[position]],
        }
    )
