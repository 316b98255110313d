"""The disclosure rule against a reader who uses bounds as well as sums.

Each test draws groups of counts (hypothesis) and checks the rule's choice with a brute
force written independently of it: every assignment of the hidden counts that agrees with
the printed labels, the published total and the bounds the reader knows (a count is at most
its group's n; a published count bounds an n from below; a roll-up lies between its largest
member and the sum of its members) is tried, and the values each hidden count can still
take are collected.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from needs_analysis.privacy.bounds import bounded_recoverable, union_status
from needs_analysis.privacy.disclosure import (
    COMPLEMENT,
    SHOWN,
    SMALL,
    WITHHELD,
    Disclosure,
)

THRESHOLD = 5
WHOLE = set(range(1, THRESHOLD))
rule = Disclosure(THRESHOLD)


def allowed(status: str, value: int, low: int, high: int) -> range | list[int]:
    """The values a printed cell allows, within the reader's bounds."""
    if status == SHOWN:
        return [value]
    if status == SMALL:
        return range(max(1, low), min(THRESHOLD - 1, high) + 1)
    if status == COMPLEMENT:
        return [v for v in range(max(0, low), high + 1) if v == 0 or v >= THRESHOLD]
    assert status == WITHHELD
    return range(max(0, low), high + 1)


def possible_values(values, statuses, lows, highs) -> list[set[int]]:
    """Every value each count can take: all assignments that add up to the published
    total and keep each count within its label and bounds."""
    total = sum(values)
    ranges = [
        allowed(s, v, lo, min(hi, total))
        for v, s, lo, hi in zip(values, statuses, lows, highs, strict=True)
    ]
    found: list[set[int]] = [set() for _ in values]
    for head in itertools.product(*ranges[:-1]):
        last = total - sum(head)
        if last in ranges[-1]:
            for i, value in enumerate((*head, last)):
                found[i].add(value)
    return found


@st.composite
def groups(draw):
    """A group of counts whose total is published, with the bounds a reader may know."""
    values = draw(st.lists(st.integers(0, 9), min_size=2, max_size=4))
    lows = [draw(st.integers(0, v)) if draw(st.booleans()) else 0 for v in values]
    highs = [v + draw(st.integers(0, 6)) if draw(st.booleans()) else None for v in values]
    return values, lows, highs


def rooms(values, lows, top) -> list[set[int]]:
    """The values of 1 … threshold − 1 each count's bounds leave it."""
    return [WHOLE & set(range(lo, hi + 1)) for lo, hi in zip(lows, top, strict=True)]


@settings(max_examples=300, deadline=None)
@given(groups())
def test_every_5未満_keeps_its_whole_range_where_any_choice_gives_it(group):
    values, lows, highs = group
    if rule.is_small(sum(values)):
        return  # the total is not published: nothing to subtract from
    statuses = rule.statuses(values, lower=lows, upper=highs)
    top = [sum(values) if h is None else h for h in highs]
    found = possible_values(values, statuses, lows, top)
    small = [i for i, v in enumerate(values) if rule.is_small(v)]
    for value, status, possible in zip(values, statuses, found, strict=True):
        assert value in possible  # the brute force is sound
        if status == SHOWN:
            assert not rule.is_small(value)
        if status == COMPLEMENT:
            assert value == 0 or value >= THRESHOLD
    # Where the bounds alone leave a small count two values (no count printed but the total
    # and the zeros), the rule's labels must leave it two as well.
    unlabelled = possible_values(values, [WITHHELD if v else SHOWN for v in values], lows, top)
    if all(len(unlabelled[i]) >= 2 for i in small):
        assert all(len(found[i]) >= 2 for i in small), (values, lows, highs, statuses, found)
    # Hiding every count of at least the threshold is a choice the rule could make: where it
    # leaves each 「5未満」 the whole range its bounds allow (two values at least), the
    # rule's choice must too, and label them 「5未満」.
    room = rooms(values, lows, top)
    everything = [SMALL if rule.is_small(v) else COMPLEMENT if v else SHOWN for v in values]
    best = possible_values(values, everything, lows, top)
    if all(len(room[i]) >= 2 and best[i] >= room[i] for i in small):
        for i in small:
            assert statuses[i] == SMALL and found[i] >= room[i], (values, statuses, found)


@pytest.mark.parametrize(
    ("values", "upper", "expected"),
    [
        # 6 is its area's whole n: hidden, it is 0, 5 or 6, so beside it 3 could only be 3
        # or 4; 40 is hidden instead …
        ([3, 6, 40], [40, 6, 50], [SMALL, SHOWN, COMPLEMENT]),
        # … where without that bound 6, the smaller, protects on its own.
        ([3, 6, 40], None, [SMALL, COMPLEMENT, SHOWN]),
        # Three 4s of a published 12 and nothing else to hide: no label at all.
        ([4, 4, 4], None, [WITHHELD, WITHHELD, WITHHELD]),
    ],
)
def test_bounds_change_the_choice(values, upper, expected):
    assert rule.statuses(values, upper=upper) == expected
    top = upper or [sum(values)] * len(values)
    found = possible_values(values, expected, [0] * len(values), top)
    assert all(found[i] >= WHOLE for i, s in enumerate(expected) if s == SMALL)


def test_without_bounds_the_brute_force_narrows_a_5未満():
    """The check can fail: the choice made without the n bound leaves 3 two values only."""
    statuses = rule.statuses([3, 6, 40])
    found = possible_values([3, 6, 40], statuses, [0, 0, 0], [40, 6, 50])
    assert found[0] == {3, 4}


def union_values(union: int, members: list[int], statuses: list[str]) -> list[set[int]]:
    """Every value each member can take when the union is published beside them: the union
    is at least the largest member and at most their sum."""
    ranges = [
        [m] if s == SHOWN else range(1, THRESHOLD) for m, s in zip(members, statuses, strict=True)
    ]
    found: list[set[int]] = [set() for _ in members]
    for combination in itertools.product(*ranges):
        if max(combination) <= union <= sum(combination):
            for i, value in enumerate(combination):
                found[i].add(value)
    return found


@st.composite
def roll_ups(draw):
    """Member counts and a union between their largest and their sum."""
    members = draw(st.lists(st.integers(0, 30), min_size=2, max_size=4))
    union = draw(st.integers(max(members), sum(members)))
    return union, members


@settings(max_examples=300, deadline=None)
@given(roll_ups())
def test_a_roll_up_is_published_only_where_every_small_member_keeps_its_whole_range(roll_up):
    union, members = roll_up
    status = union_status(rule, union, members)
    statuses = [SMALL if rule.is_small(m) else SHOWN for m in members]
    found = union_values(union, members, statuses)
    for member, possible in zip(members, found, strict=True):
        assert member in possible
    narrowed = any(
        possible != WHOLE
        for member, possible in zip(members, found, strict=True)
        if rule.is_small(member)
    )
    if rule.is_small(union):
        assert status == SMALL
    else:
        # Hidden exactly where publishing it would narrow a 「5未満」 member.
        assert (status == COMPLEMENT) == narrowed, (union, members, status, found)


@pytest.mark.parametrize(
    ("union", "members", "status"),
    [
        (44, [30, 10, 4], COMPLEMENT),  # 44 − 40: the member is 4
        (42, [30, 10, 4], COMPLEMENT),  # at least 2: 1 is ruled out
        (41, [30, 10, 4], SHOWN),  # at least 1: nothing learned
        (47, [30, 10, 4, 3], COMPLEMENT),  # two small members: together at least 7
        (38, [30, 10, 4, 3], SHOWN),
        (3, [2, 1], SMALL),
    ],
)
def test_roll_up_examples(union, members, status):
    assert union_status(rule, union, members) == status


def hidden_values(values: list[int], shown: list[bool], upper: list[int]) -> list[set[int]]:
    """Unlabelled hidden counts: each between 0 and its group's n, adding up to the rest."""
    total = sum(values)
    ranges = [[v] if s else range(0, u + 1) for v, s, u in zip(values, shown, upper, strict=True)]
    found: list[set[int]] = [set() for _ in values]
    for combination in itertools.product(*ranges):
        if sum(combination) == total:
            for i, value in enumerate(combination):
                found[i].add(value)
    return found


@st.composite
def word_groups(draw):
    """A word's answers per group, the groups' n and which groups are printed."""
    values = draw(st.lists(st.integers(0, 8), min_size=2, max_size=4))
    upper = [v + draw(st.integers(0, 4)) for v in values]
    shown = draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values)))
    return values, shown, upper


@settings(max_examples=300, deadline=None)
@given(word_groups())
def test_bounded_recoverable_agrees_with_the_brute_force(group):
    values, shown, upper = group
    found = hidden_values(values, shown, upper)
    pinned = any(
        not s and rule.is_small(v) and len(possible) < 2
        for v, s, possible in zip(values, shown, found, strict=True)
    )
    assert bounded_recoverable(rule, values, shown, upper) == pinned, (values, shown, upper)
