"""Which of e5-small's 250,002 tokens the shipped encoder keeps.

e5-small's vocabulary covers a hundred languages; an answer to a Japanese survey only ever
produces a small part of it. The shipped encoder keeps the embedding of every token whose
characters (the word-start mark ``▁`` aside) all lie in the ranges below: ASCII and Latin
letters with accents, Greek, punctuation and symbols, CJK ideographs (with their
extensions and compatibility forms), kana (with the half-width forms), full-width forms
and emoji, but not the Hangul or Hebrew characters among the enclosed, half-width and
letterlike forms. Every other token (Hangul, Cyrillic, Arabic, Thai, Devanagari …) is mapped to
``<unk>``, as are characters the vocabulary has no token for.

Why no Japanese answer loses a token: the tokeniser cuts the normalised text into pieces
of itself, so a token's characters are characters of the normalised text; the
normalisation map sends every kept character to kept characters (a test checks this), so a
text written only in kept characters only produces kept tokens.
"""

from __future__ import annotations

import bisect

WORD_START = "\u2581"

# Inclusive code-point ranges, sorted.
KEPT_RANGES: tuple[tuple[int, int], ...] = (
    (0x0009, 0x000D),  # tab and line breaks (normalised to a space)
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x036F),  # Latin-1, Latin extended A/B, IPA, modifier letters, diacritics
    (0x0370, 0x03FF),  # Greek (α, β, Ω in answers)
    (0x2000, 0x206F),  # general punctuation (incl. the zero-width joiner of emoji)
    (0x2070, 0x209F),  # super- and subscripts
    (0x20A0, 0x20CF),  # currency symbols
    (0x2100, 0x2134),  # letterlike symbols (before the Hebrew ones)
    (0x2139, 0x27BF),  # letterlike, numbers, arrows, maths, technical, enclosed, shapes, dingbats
    (0x2900, 0x2BFF),  # supplemental arrows and symbols
    (0x2E80, 0x2FDF),  # CJK and Kangxi radicals
    (0x3000, 0x30FF),  # CJK symbols and punctuation, hiragana, katakana
    (0x3190, 0x31FF),  # kanbun, CJK strokes, katakana phonetic extensions
    (0x321F, 0x325F),  # parenthesised ideographs, circled numbers (not the Hangul ones)
    (0x3280, 0x4DBF),  # circled ideographs, CJK compatibility, CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE00, 0xFE6F),  # variation selectors, vertical and small forms
    (0xFF00, 0xFF9F),  # full-width forms, half-width katakana
    (0xFFE0, 0xFFEF),  # full-width signs, half-width forms (not half-width Hangul)
    (0x1F000, 0x1FAFF),  # mahjong, cards, enclosed, emoji, pictographs, symbols
    (0x20000, 0x3134F),  # CJK extensions B–G
    (0xE0020, 0xE007F),  # emoji tag characters
)
_STARTS = [start for start, _ in KEPT_RANGES]


def kept_character(char: str) -> bool:
    """True if the character lies in one of the kept ranges."""
    code = ord(char)
    index = bisect.bisect_right(_STARTS, code) - 1
    return index >= 0 and code <= KEPT_RANGES[index][1]


def kept_piece(piece: str) -> bool:
    """True if every character of a vocabulary piece (``▁`` aside) is kept."""
    return all(kept_character(char) for char in piece if char != WORD_START)
