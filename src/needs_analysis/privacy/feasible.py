"""What a reader can conclude about hidden counts of a group whose total is published: the
values one hidden count can take when each of the others may be any value of its ranges
(an integer range per label: 「5未満」 is 1 … threshold − 1, 「非表示」 is 0 or from the
threshold up, both within the bounds the reader finds elsewhere).

Sums are tracked as a table of reachable totals, one pass per range (prefix sums), so a
group of k hidden counts with total T costs O(k² · T).
"""

from __future__ import annotations

from collections.abc import Sequence

Range = tuple[int, int]


def reader_bounds(
    size: int, lower: Sequence[int] | None, upper: Sequence[int | None] | None
) -> list[tuple[int, int | None]]:
    """(lower, upper) per count; 0 and None (no bound) where the caller gives none."""
    lows = [int(v) for v in lower] if lower is not None else [0] * size
    highs = list(upper) if upper is not None else [None] * size
    return list(zip(lows, highs, strict=True))


def fitting_values(own: Range, others: Sequence[Sequence[Range]], total: int) -> list[int]:
    """The values in ``own`` that the hidden count can take: those for which the other
    hidden counts, each any value of its ranges, make up the rest of ``total``.

    >>> fitting_values((1, 4), [[(0, 0), (5, 100)]], 9)  # 9 = small + (0 or 5+)
    [1, 2, 3, 4]
    >>> fitting_values((1, 4), [[(1, 4)], [(1, 4)]], 11)  # 11 = three of 1 … 4
    [3, 4]
    """
    reachable = [True] + [False] * total
    for ranges in others:
        reachable = _add_ranges(reachable, ranges)
    return [v for v in range(own[0], min(own[1], total) + 1) if reachable[total - v]]


def _add_ranges(reachable: list[bool], ranges: Sequence[Range]) -> list[bool]:
    """The sums (0 … len − 1) reachable after adding one count that takes any value of the
    given ranges."""
    total = len(reachable) - 1
    prefix = [0]
    for flag in reachable:
        prefix.append(prefix[-1] + flag)
    new = [False] * (total + 1)
    for low, high in ranges:
        if low > high or low > total:
            continue
        for s in range(low, total + 1):
            # some reachable r with s − high ≤ r ≤ s − low
            if prefix[s - low + 1] - prefix[max(0, s - high)] > 0:
                new[s] = True
    return new
