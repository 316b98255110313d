"""Masking personal data in answers: names, identifiers, and the town's own names kept.

Every answer shown in a report, a table or a workbook goes through :func:`mask_personal_data`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from needs_analysis.privacy.names import NAME_MASK, mask_romaji, name_ranges
from needs_analysis.privacy.patterns import (
    PATTERN_MASKS,
    mask_patterns,
)
from needs_analysis.privacy.variants import fold_variants
from needs_analysis.text.tokens import Token, place_tokens

if TYPE_CHECKING:  # the tagger is loaded only when a text has to be tokenised here
    from needs_analysis.text.mecab import Tokenizer

MASKS = (NAME_MASK, *PATTERN_MASKS)


def mask_personal_data(
    text: str,
    tokenizer: Tokenizer | None = None,
    tokens: Sequence[Token] | None = None,
    *,
    places: Iterable[str] | None = None,
) -> str:
    """Mask names and identifiers: phone numbers, postal codes, e-mail addresses, street
    and room numbers, the individual number, dates of birth, messenger IDs, number plates.

    The text is NFKC-normalised first so full-width digits are caught (０９０ → 090), and
    numbers written in kanji digits are found as well (〇九〇の…, 一丁目二番三号).
    Names are what UniDic (or the town's user dictionary) tags as 名詞-固有名詞-人名, looked
    up with variant kanji in their standard form (髙橋 as 高橋); a name candidate before an
    honorific (中さん, はるとくん); romaji names beside a Japanese name or an honorific.

    ``places``: the town's own names (areas, 行政区, resources; default: the tokenizer's),
    kept where they are used as places (「川向から」) and masked where used as a name
    (「川向さんが」). ``tokens``: the tokens of the normalised text
    (:func:`~needs_analysis.text.normalize.normalize_text`), when the caller has them; names are
    then found from them, and the text is tokenised again (with ``tokenizer``, or without a
    user dictionary) only when it holds a variant kanji.

    >>> mask_personal_data("隣の佐藤さん（090-1234-5678）")
    '隣の〇〇さん(【電話番号】)'
    """
    if not text:
        return ""
    names = _places(tokenizer, places)
    original = unicodedata.normalize("NFKC", str(text))
    value, origin = mask_patterns(original, names)
    lookup, positions = fold_variants(value)
    occurrences = _occurrences(lookup, names)
    if tokens is None or lookup != value:
        tagger = _lookup_tokenizer(tokenizer, names)
        spans = _token_spans(lookup, tagger.tokenize(lookup.replace("\n", " ")))
    else:
        spans = _spans_outside_masks(original, origin, tokens)
    ranges = name_ranges(lookup, spans, occurrences)
    return mask_romaji(_replace(value, ranges, positions))


def _places(tokenizer: Tokenizer | None, places: Iterable[str] | None) -> tuple[str, ...]:
    if places is None:
        return getattr(tokenizer, "places", ()) if tokenizer is not None else ()
    return _place_names(tuple(places))


@lru_cache(maxsize=16)
def _place_names(places: tuple[str, ...]) -> tuple[str, ...]:
    """The names, NFKC-normalised, longest first, as the tokenizer keeps them."""
    names = {unicodedata.normalize("NFKC", name).strip() for name in places}
    return tuple(sorted((n for n in names if n), key=lambda n: (-len(n), n)))


@lru_cache(maxsize=16)
def _place_pattern(places: tuple[str, ...]) -> re.Pattern[str]:
    folded = sorted({fold_variants(p)[0] for p in places}, key=lambda n: (-len(n), n))
    return re.compile("|".join(re.escape(place) for place in folded))


def _occurrences(text: str, places: tuple[str, ...]) -> list[tuple[int, int]]:
    if not places:
        return []
    return [match.span() for match in _place_pattern(places).finditer(text)]


def _replace(value: str, ranges: list[tuple[int, int]], positions: list[int] | None) -> str:
    """``value`` with each range (in the folded text) replaced by the name mask."""
    pieces: list[str] = []
    cursor = 0
    for start, end in ranges:
        if positions is not None:  # the folded text dropped variation selectors
            start, end = positions[start], positions[end - 1] + 1
            while end < len(value) and fold_variants(value[end])[0] == "":
                end += 1
        pieces += [value[cursor:start], NAME_MASK]
        cursor = end
    pieces.append(value[cursor:])
    return "".join(pieces)


def _token_spans(text: str, tokens: Sequence[Token]) -> list[tuple[int, int, str, str]]:
    """(start, end, surface, pos) of the tokens of ``text``, up to one MeCab changed."""
    spans: list[tuple[int, int, str, str]] = []
    cursor = 0
    for token in tokens:
        start = text.find(token.surface, cursor)
        if start < 0:  # MeCab dropped or changed the characters; leave the rest as is
            break
        cursor = start + len(token.surface)
        spans.append((start, cursor, token.surface, token.pos))
    return spans


def _spans_outside_masks(
    original: str, origin: list[int], tokens: Sequence[Token]
) -> list[tuple[int, int, str, str]]:
    """The spans, in the pattern-masked text, of the tokens no pattern mask covers."""
    if len(origin) == len(original) and origin[-1:] == [len(original) - 1] and -1 not in origin:
        return [  # nothing was masked: the text is the original
            (start, start + len(token.surface), token.surface, token.pos)
            for start, token in place_tokens(original, tokens)
        ]
    moved = [-1] * len(original)
    for position, source in enumerate(origin):
        if source >= 0:
            moved[source] = position
    spans = []
    for start, token in place_tokens(original, tokens):
        end = start + len(token.surface)
        first = moved[start] if start < len(moved) else -1
        if first < 0 or any(moved[k] != first + k - start for k in range(start, end)):
            continue
        spans.append((first, first + end - start, token.surface, token.pos))
    return spans


_shared_tokenizer: Tokenizer | None = None


def _default_tokenizer() -> Tokenizer:
    global _shared_tokenizer
    if _shared_tokenizer is None:
        from needs_analysis.text.mecab import Tokenizer

        _shared_tokenizer = Tokenizer()
    return _shared_tokenizer


def _lookup_tokenizer(tokenizer: Tokenizer | None, places: tuple[str, ...]) -> Tokenizer:
    """The tokenizer names are looked up with: the caller's, holding the town's names."""
    if not places:
        return tokenizer or _default_tokenizer()
    if tokenizer is not None and set(getattr(tokenizer, "places", ())) == set(places):
        return tokenizer
    user_dictionary = tokenizer.user_dictionary if tokenizer is not None else None
    return _tokenizer_with_places(user_dictionary, places)


@lru_cache(maxsize=8)
def _tokenizer_with_places(user_dictionary, places: tuple[str, ...]) -> Tokenizer:
    from needs_analysis.text.mecab import Tokenizer

    return Tokenizer(user_dictionary, places)


# Columns that, shown beside an answer, could point to the person who wrote it.
QUASI_IDENTIFIERS = ("respondent_id", "age_group", "sex", "household")


def without_quasi_identifiers(frame):
    """A copy of a table of answers without the respondent's ID and attributes."""
    return frame.drop(columns=[c for c in QUASI_IDENTIFIERS if c in frame.columns])


def mask_table(frame, tokenizer: Tokenizer | None = None, *, places: Iterable[str] | None = None):
    """A copy of a table with every text cell masked (rejected rows, raw exports).

    Numbers are left alone; the input is not changed. ``places``: as for
    :func:`mask_personal_data`.
    """
    tokenizer = tokenizer or _default_tokenizer()
    places = None if places is None else tuple(places)
    masked = frame.copy()
    for column in masked.columns:
        masked[column] = masked[column].map(
            lambda value: (
                mask_personal_data(value, tokenizer, places=places)
                if isinstance(value, str)
                else value
            )
        )
    return masked
