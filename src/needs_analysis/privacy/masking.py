"""Masking personal data in answers, suppressing small counts, and formula-safe cells.

Every answer shown in a report, a table or a workbook goes through :func:`mask_personal_data`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from needs_analysis.text.tokens import Token, place_tokens

if TYPE_CHECKING:  # the tagger is loaded only when a text has to be tokenised here
    from needs_analysis.text.mecab import Tokenizer

NAME_MASK = "〇〇"
PHONE_MASK = "【電話番号】"
POSTAL_MASK = "【郵便番号】"
EMAIL_MASK = "【メール】"
ADDRESS_MASK = "【番地】"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Patterns below run on a "shadow" of the text in which kanji digits are ASCII digits
# (〇九〇 → 090), one character for one, so a match's span is the span in the text itself.
_KANJI_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
# Dashes that people type between digit groups (after NFKC: hyphen, dashes, long vowel).
_DASH = r"\-ー‐−―–—"
# 〒 and a 3-4 postal code; without 〒 only the exact 3-4 digit shape, which phone
# numbers (more digit groups) never take because they are masked first.
_POSTAL = re.compile(rf"〒\s*\d{{3}}\s*[{_DASH}]?\s*\d{{4}}|(?<![\d-])\d{{3}}-\d{{4}}(?![\d-])")
# Japanese phone numbers: 0 + area/mobile code, hyphens, dots, spaces, brackets or の
# between the groups, 10 or 11 digits in all; an unbroken run of 10-11 digits starting
# with 0; the same with +81 instead of the leading 0.
_SEP = rf"[{_DASH}.\s()（）の]"
_PHONE = re.compile(
    rf"\+\s*81{_SEP}{{0,3}}\d{{1,4}}{_SEP}{{0,3}}\d{{1,4}}{_SEP}{{0,3}}\d{{3,4}}(?!\d)"
    rf"|(?<!\d)(?:(?:[(（]0\d{{1,4}}[)）]\s?|0\d{{1,4}}{_SEP}{{1,3}})\d{{1,4}}{_SEP}{{1,3}}\d{{3,4}}|0\d{{9,10}})(?!\d)"
)
# Street numbers: 1丁目2番3号, 2番地の5, 3-5-2, 12番地.
_ADDRESS = re.compile(
    r"\d+\s*丁目(?:\s*\d+\s*(?:番地?|-)(?:\s*の?\s*\d+\s*号?)?)?"
    r"|\d+\s*番地?(?:\s*の?\s*\d+\s*号?)?"
    r"|(?<![\d-])\d{1,4}-\d{1,4}-\d{1,4}(?![\d-])"
)
# The same in kanji (一丁目二番三号, 十二番地, 三―五―八), stricter: 一番 alone is "most".
_K = r"[\d十]"
_KANJI_ADDRESS = re.compile(
    rf"{_K}+丁目(?:{_K}+番地?(?:の?{_K}+号)?)?"
    rf"|{_K}+番地(?:の?{_K}+号?)?"
    rf"|{_K}+番{_K}+号"
    rf"|(?<![\d{_DASH}]){_K}{{1,3}}[{_DASH}]{_K}{{1,3}}[{_DASH}]{_K}{{1,3}}(?![\d{_DASH}])"
)
# UniDic's tag for personal names (姓, 名, 一般).
_PERSON_POS = "名詞-固有名詞-人名"
_GIVEN_NAME_POS = "名詞-固有名詞-人名-名"
# Endings of given names that UniDic splits off an unknown name (ミツ + 子, 健 + 太郎).
_NAME_ENDINGS = frozenset("子 郎 太郎 男 夫 雄 美 江 代 枝 恵 造 蔵 衛".split())
_HONORIFICS = frozenset("さん さま 様 君 くん ちゃん 氏 先生 殿".split())
# Romaji names are masked only beside a Japanese name (already 〇〇) or an honorific.
_ROMAJI = r"[A-Z][a-z]+(?:[ ][A-Z][a-z]+)?"
_ROMAJI_NAME = re.compile(
    rf"(?:Mr|Mrs|Ms|Miss|Dr)\.?\s*{_ROMAJI}"
    rf"|{_ROMAJI}(?=\s?(?:{'|'.join(sorted(_HONORIFICS, key=len, reverse=True))}))"
    rf"|(?<={NAME_MASK})\s?[(（]?{_ROMAJI}[)）]?"
    rf"|{_ROMAJI}\s?(?={NAME_MASK})"
)


def mask_personal_data(
    text: str, tokenizer: Tokenizer | None = None, tokens: Sequence[Token] | None = None
) -> str:
    """Mask names, phone numbers, postal codes, e-mail addresses and street numbers.

    The text is NFKC-normalised first so full-width digits are caught (０９０ → 090), and
    numbers written in kanji digits are found as well (〇九〇の…, 一丁目二番三号).
    Names are what UniDic (or the town's user dictionary) tags as 名詞-固有名詞-人名; a
    one-character given name counts only beside another name or an honorific (行 in
    「次の行」 is not a name); a name next to another name (姓 + 名) becomes one mask;
    romaji names count beside a Japanese name or an honorific.

    ``tokens``: the tokens of the normalised text (:func:`~needs_analysis.text.normalize.normalize_text`),
    when the caller has them; names are then found from them and the text is not tokenised
    again. A token the phone, postal, e-mail or address masks cover is not looked at.

    >>> mask_personal_data("隣の佐藤さん（090-1234-5678）")
    '隣の〇〇さん(【電話番号】)'
    """
    if not text:
        return ""
    original = unicodedata.normalize("NFKC", str(text))
    value, origin = _mask_patterns(original)
    if tokens is None:
        tokenizer = tokenizer or _default_tokenizer()
        spans = _token_spans(value, tokenizer.tokenize(value.replace("\n", " ")))
    else:
        spans = _spans_outside_masks(original, origin, tokens)
    value = _replace_names(value, spans)
    value = _ROMAJI_NAME.sub(NAME_MASK, value)
    return value.replace(NAME_MASK + NAME_MASK, NAME_MASK)


# Applied in this order, each to the text the one before left; True: on the kanji-digit shadow.
_PATTERN_MASKS = (
    (_EMAIL, EMAIL_MASK, False),
    (_PHONE, PHONE_MASK, True),
    (_POSTAL, POSTAL_MASK, True),
    (_ADDRESS, ADDRESS_MASK, False),
    (_KANJI_ADDRESS, ADDRESS_MASK, True),
)


def _mask_patterns(text: str) -> tuple[str, list[int]]:
    """The text with e-mail addresses, phone and postal numbers and street numbers masked,
    and where each character of the result was in ``text`` (-1 for a mask's characters)."""
    origin = list(range(len(text)))
    for pattern, mask, on_shadow in _PATTERN_MASKS:
        searched = text.translate(_KANJI_DIGITS) if on_shadow else text
        pieces: list[str] = []
        places: list[int] = []
        cursor = 0
        for match in pattern.finditer(searched):
            pieces += [text[cursor : match.start()], mask]
            places += origin[cursor : match.start()] + [-1] * len(mask)
            cursor = match.end()
        if pieces:
            text = "".join(pieces) + text[cursor:]
            origin = places + origin[cursor:]
    return text, origin


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


def _replace_names(text: str, spans: list[tuple[int, int, str, str]]) -> str:
    names = _name_flags(spans)
    pieces: list[str] = []
    cursor = 0
    for (start, end, surface, _), is_name in zip(spans, names, strict=True):
        gap = text[cursor:start]
        if is_name and pieces and pieces[-1] == NAME_MASK and not gap.strip():
            pass  # 姓 + 名, with or without a space: one mask for the whole name
        else:
            pieces += [gap, NAME_MASK if is_name else surface]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _name_flags(spans: list[tuple[int, int, str, str]]) -> list[bool]:
    """Which tokens are (part of) a personal name."""
    names = [pos.startswith(_PERSON_POS) for _, _, _, pos in spans]
    for i in range(1, len(spans)):
        touching = spans[i][0] == spans[i - 1][1]
        if names[i - 1] and touching and spans[i][2] in _NAME_ENDINGS:
            names[i] = True
    for i, (start, end, surface, pos) in enumerate(spans):
        if names[i] and pos.startswith(_GIVEN_NAME_POS) and len(surface) == 1:
            before = i > 0 and names[i - 1] and spans[i - 1][1] >= start - 1
            after = i + 1 < len(spans) and spans[i + 1][0] <= end + 1
            named_after = after and (names[i + 1] or spans[i + 1][2] in _HONORIFICS)
            names[i] = before or named_after
    return names


_shared_tokenizer: Tokenizer | None = None


def _default_tokenizer() -> Tokenizer:
    global _shared_tokenizer
    if _shared_tokenizer is None:
        from needs_analysis.text.mecab import Tokenizer

        _shared_tokenizer = Tokenizer()
    return _shared_tokenizer


# Columns that, shown beside an answer, could point to the person who wrote it.
QUASI_IDENTIFIERS = ("respondent_id", "age_group", "sex", "household")


def without_quasi_identifiers(frame):
    """A copy of a table of answers without the respondent's ID and attributes."""
    return frame.drop(columns=[c for c in QUASI_IDENTIFIERS if c in frame.columns])


def mask_table(frame, tokenizer: Tokenizer | None = None):
    """A copy of a table with every text cell masked (rejected rows, raw exports).

    Numbers are left alone; the input is not changed.
    """
    tokenizer = tokenizer or _default_tokenizer()
    masked = frame.copy()
    for column in masked.columns:
        masked[column] = masked[column].map(
            lambda value: mask_personal_data(value, tokenizer) if isinstance(value, str) else value
        )
    return masked
