"""The conditions of a rules file, evaluated over an analysed answer.

A condition is a tree of :class:`Expr`: a word, ``seq( )``, ``near( )``, and ``!``, ``&``
and ``|`` over them. Each returns the token positions that made it true (the evidence) or
``None``; words inside a negated stretch of the answer never count.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import product

from needs_analysis.text.tokens import Token

SEQ_MAX_GAP = 2


NEAR_DEFAULT = 5


@dataclass(frozen=True)
class AnalyzedAnswer:
    """An answer's tokens with canonical lemmas and which tokens a negation covers."""

    text: str
    tokens: tuple[Token, ...]
    lemmas: tuple[str, ...]
    negated: tuple[bool, ...]
    # lemma → token indices where it stands outside a negation, for fast lookups
    free_positions: dict[str, list[int]] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class Term:
    """One written word and the lemma sequences it may appear as.

    The first form is how the dictionary tokenises the word; a function word that MeCab
    reads differently in isolation (まで alone → まー + で) also matches as itself.
    """

    written: str
    forms: tuple[tuple[str, ...], ...]

    @property
    def lemmas(self) -> tuple[str, ...]:
        return self.forms[0]


@dataclass(frozen=True)
class Match:
    """Which tokens (by index) made a condition true."""

    positions: frozenset[int]


class Expr:
    """A condition over an analysed answer; ``match`` returns the evidence or ``None``."""

    def match(self, answer: AnalyzedAnswer) -> Match | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def terms(self) -> Iterable[Term]:  # pragma: no cover - abstract
        raise NotImplementedError

    def triggers(self) -> frozenset[str] | None:
        """Lemmas of which at least one must be present to match; None: no such set."""
        return frozenset(form[0] for term in self.terms() for form in term.forms)


def find_sequence(
    lemmas: Sequence[str], negated: Sequence[bool], wanted: Sequence[str], max_gap: int
) -> list[int] | None:
    """Token indices of the first non-negated occurrence of ``wanted`` in order."""
    for start, lemma in enumerate(lemmas):
        if lemma != wanted[0] or negated[start]:
            continue
        positions = sequence_at(lemmas, negated, wanted, max_gap, start)
        if positions is not None:
            return positions
    return None


def sequence_at(
    lemmas: Sequence[str], negated: Sequence[bool], wanted: Sequence[str], max_gap: int, start: int
) -> list[int] | None:
    """Token indices of ``wanted`` in order from ``start`` (which holds its first word),
    each next word at most ``max_gap`` tokens after the one before; None if it breaks off."""
    positions = [start]
    cursor = start
    for word in wanted[1:]:
        found = None
        for index in range(cursor + 1, min(len(lemmas), cursor + max_gap + 2)):
            if lemmas[index] == word and not negated[index]:
                found = index
                break
        if found is None:
            return None
        positions.append(found)
        cursor = found
    return positions


def _find_term(answer: AnalyzedAnswer, term: Term, start: int = 0) -> list[int] | None:
    # A word the dictionary splits must stay adjacent to count as the written word.
    lemmas = answer.lemmas
    for form in term.forms:
        for first in answer.free_positions.get(form[0], ()):
            if first < start:
                continue
            end = first + len(form)
            if end <= len(lemmas) and all(
                lemmas[first + k] == form[k] and not answer.negated[first + k]
                for k in range(1, len(form))
            ):
                return list(range(first, end))
    return None


@dataclass(frozen=True)
class WordExpr(Expr):
    term: Term

    def match(self, answer: AnalyzedAnswer) -> Match | None:
        positions = _find_term(answer, self.term)
        return Match(frozenset(positions)) if positions is not None else None

    def terms(self) -> Iterable[Term]:
        yield self.term


@dataclass(frozen=True)
class SeqExpr(Expr):
    parts: tuple[Term, ...]

    def match(self, answer: AnalyzedAnswer) -> Match | None:
        for forms in product(*(term.forms for term in self.parts)):
            wanted = [lemma for form in forms for lemma in form]
            positions = find_sequence(answer.lemmas, answer.negated, wanted, SEQ_MAX_GAP)
            if positions is not None:
                return Match(frozenset(positions))
        return None

    def terms(self) -> Iterable[Term]:
        yield from self.parts


@dataclass(frozen=True)
class NearExpr(Expr):
    parts: tuple[Term, ...]
    distance: int

    def match(self, answer: AnalyzedAnswer) -> Match | None:
        occurrences: list[list[list[int]]] = []
        for term in self.parts:
            found: list[list[int]] = []
            start = 0
            while (positions := _find_term(answer, term, start)) is not None:
                found.append(positions)
                start = positions[0] + 1
            if not found:
                return None
            occurrences.append(found)
        first, *rest = occurrences
        for anchor in first:
            chosen = [anchor]
            for candidates in rest:
                near = [c for c in candidates if abs(c[0] - anchor[0]) <= self.distance]
                if not near:
                    break
                chosen.append(near[0])
            else:
                return Match(frozenset(p for group in chosen for p in group))
        return None

    def terms(self) -> Iterable[Term]:
        yield from self.parts


@dataclass(frozen=True)
class NotExpr(Expr):
    inner: Expr

    def match(self, answer: AnalyzedAnswer) -> Match | None:
        return None if self.inner.match(answer) is not None else Match(frozenset())

    def terms(self) -> Iterable[Term]:
        yield from self.inner.terms()

    def triggers(self) -> frozenset[str] | None:
        return None  # matches when its words are absent


@dataclass(frozen=True)
class AndExpr(Expr):
    parts: tuple[Expr, ...]

    def match(self, answer: AnalyzedAnswer) -> Match | None:
        positions: set[int] = set()
        for part in self.parts:
            found = part.match(answer)
            if found is None:
                return None
            positions |= found.positions
        return Match(frozenset(positions))

    def terms(self) -> Iterable[Term]:
        for part in self.parts:
            yield from part.terms()

    def triggers(self) -> frozenset[str] | None:
        # Every part must match, so the smallest trigger set of any part will do.
        sets = [t for t in (part.triggers() for part in self.parts) if t is not None]
        return min(sets, key=len) if sets else None


@dataclass(frozen=True)
class OrExpr(Expr):
    parts: tuple[Expr, ...]

    def match(self, answer: AnalyzedAnswer) -> Match | None:
        positions: set[int] = set()
        for part in self.parts:
            found = part.match(answer)
            if found is not None:
                positions |= found.positions
        return Match(frozenset(positions)) if positions else None

    def terms(self) -> Iterable[Term]:
        for part in self.parts:
            yield from part.terms()

    def triggers(self) -> frozenset[str] | None:
        sets = [part.triggers() for part in self.parts]
        if any(t is None for t in sets):
            return None
        return frozenset().union(*sets)
