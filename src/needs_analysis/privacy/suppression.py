"""Choosing the complement cells of a group of counts at the least cost.

Where a small count could be found by subtraction from a published total, further counts
of the group must be hidden. Statistical offices choose them by a cost — in τ-ARGUS the
cell's own value for frequency tables, so that a table loses as little as it can — rather
than by a fixed order. :func:`cheapest_complements` does that for one group: among all
sets of candidate cells that protect every small count, the set whose costs add up to the
least (ties: fewer cells, then the cells earlier in the order of their costs, then of
the group).

The search is uniform-cost over sets of candidates (a set is reached only from the set
without its last candidate, so each is tried once, cheapest first); the first set that
protects is the cheapest. Groups are small (areas, levels of an attribute), and the
answer is nearly always one or two cells; a group that would need more than
``MAX_TRIED`` sets tried is given a greedy choice instead: the cheapest cell that protects
on its own, else the cheapest and go on.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence

# Sets tried before the search gives way to the greedy choice.
MAX_TRIED = 2000


def cheapest_complements(
    candidates: Sequence[int],
    costs: Sequence[float],
    protects: Callable[[Sequence[int]], bool],
) -> list[int]:
    """The candidates to hide (a subset of ``candidates``) whose costs add up to the least
    among the sets for which ``protects`` holds; all candidates when none protects.

    ``candidates`` are indices into the group, ``costs`` their costs (same order);
    ``protects(chosen)`` says whether hiding ``chosen`` protects every small count.

    >>> cheapest_complements([1, 2, 3], [40, 12, 9], lambda chosen: 2 in chosen or 3 in chosen)
    [3]
    >>> cheapest_complements([1, 2], [5, 6], lambda chosen: len(chosen) == 2)
    [1, 2]
    >>> either = lambda chosen: 0 in chosen or {2, 3} <= set(chosen)
    >>> cheapest_complements([0, 2, 3], [10, 5, 5], either)  # equal cost: one cell
    [0]
    """
    if protects([]):
        return []
    order = sorted(range(len(candidates)), key=lambda i: (costs[i], i))
    ranked = [candidates[i] for i in order]
    price = [float(costs[i]) for i in order]
    # (cost, cells, chosen): at equal cost, fewer cells hidden first.
    frontier: list[tuple[float, int, tuple[int, ...]]] = [(p, 1, (i,)) for i, p in enumerate(price)]
    heapq.heapify(frontier)
    tried = 0
    while frontier and tried < MAX_TRIED:
        cost, _, chosen = heapq.heappop(frontier)
        tried += 1
        cells = [ranked[i] for i in chosen]
        if protects(cells):
            return sorted(cells)
        for following in range(chosen[-1] + 1, len(ranked)):
            heapq.heappush(
                frontier, (cost + price[following], len(chosen) + 1, (*chosen, following))
            )
    if tried < MAX_TRIED:
        return sorted(ranked)  # not even every candidate protects
    return _greedy(ranked, protects)


def _greedy(ranked: list[int], protects: Callable[[Sequence[int]], bool]) -> list[int]:
    """The cheapest candidate that protects with those already chosen, else the cheapest
    and go on (``ranked``: cheapest first)."""
    chosen: list[int] = []
    left = list(ranked)
    while left and not protects(chosen):
        pick = next((c for c in left if protects([*chosen, c])), left[0])
        left.remove(pick)
        chosen.append(pick)
    return sorted(chosen)
