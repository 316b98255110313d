"""Bounds as a reader uses them, beside the sums that
:class:`~needs_analysis.privacy.disclosure.Disclosure` protects: a roll-up heading is at
most the sum of its categories (:func:`union_status`), and a group's count of a word is at
most the group's n (:func:`bounded_recoverable`)."""

from __future__ import annotations

from collections.abc import Sequence

from needs_analysis.privacy.disclosure import COMPLEMENT, SHOWN, SMALL, Disclosure
from needs_analysis.privacy.feasible import fitting_values


def union_status(rule: Disclosure, union: int, members: Sequence[int]) -> str:
    """Whether a count of those who carry any of several categories (a roll-up heading)
    may be published beside the members' own counts.

    The union is at most the sum of its members, so the union minus the published
    members is a lower bound on the sum of the hidden (small) ones; with the upper bound
    threshold − 1 of each, it can pin a 「5未満」 member. The union is *complement*
    (「非表示」) unless every small member keeps its whole range 1 … threshold − 1.

    >>> rule = Disclosure(5)
    >>> union_status(rule, 44, [30, 10, 4]), union_status(rule, 41, [30, 10, 4])
    ('complement', 'shown')
    >>> union_status(rule, 3, [2, 1]), union_status(rule, 38, [30, 10, 4, 3])
    ('small', 'shown')
    """
    if rule.is_small(union):
        return SMALL
    small = [int(m) for m in members if rule.is_small(m)]
    if not small or rule.threshold <= 2:
        return SHOWN
    published = sum(int(m) for m in members if not rule.is_small(m))
    lowest = union - published - (len(small) - 1) * (rule.threshold - 1)
    return COMPLEMENT if lowest > 1 else SHOWN


def bounded_recoverable(
    rule: Disclosure, values: Sequence[int], shown: Sequence[bool], upper: Sequence[int]
) -> bool:
    """Whether an unpublished count of a group whose total is published is found: a
    hidden count from 1 to threshold − 1 that fewer than two values fit, when each
    hidden count lies between 0 and its ``upper`` bound (its group's n, as far as the
    reader knows it).

    >>> rule = Disclosure(5)
    >>> bounded_recoverable(rule, [10, 3], [True, False], [40, 30])  # 3 = total − 10
    True
    >>> bounded_recoverable(rule, [10, 3, 6], [True, False, False], [40, 30, 30])
    False
    >>> bounded_recoverable(rule, [10, 2, 3], [True, False, False], [40, 2, 3])  # n pins
    True
    """
    hidden = [i for i, s in enumerate(shown) if not s]
    total = sum(int(values[i]) for i in hidden)
    for i in hidden:
        if not rule.is_small(values[i]):
            continue
        others = [[(0, int(upper[j]))] for j in hidden if j != i]
        fits = fitting_values((0, int(upper[i])), others, total)
        if len(fits) < 2:
            return True
    return False
