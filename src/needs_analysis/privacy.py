"""Masking personal data in answers, suppressing small counts, and formula-safe cells.

Every answer shown in a report, a table or a workbook goes through :func:`mask_personal_data`.
"""

from __future__ import annotations

import re
import unicodedata

from needs_analysis.tokenize import Tokenizer

NAME_MASK = "〇〇"
PHONE_MASK = "【電話番号】"
POSTAL_MASK = "【郵便番号】"
EMAIL_MASK = "【メール】"
ADDRESS_MASK = "【番地】"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 〒 and a 3-4 postal code; without 〒 only the exact 3-4 digit shape, which phone
# numbers (more digit groups) never take because they are masked first.
_POSTAL = re.compile(r"〒\s*\d{3}\s*-?\s*\d{4}|(?<![\d-])\d{3}-\d{4}(?![\d-])")
# Japanese phone numbers: 0 + area/mobile code, hyphens, dots, spaces or brackets between
# the groups, 10 or 11 digits in all; also an unbroken run of 10-11 digits starting with 0.
_PHONE = re.compile(
    r"(?<!\d)(?:0\d{1,4}[-ー‐−.\s()（）]{1,2}\d{1,4}[-ー‐−.\s()（）]{1,2}\d{3,4}|0\d{9,10})(?!\d)"
)
# Street numbers: 1丁目2番3号, 2番地の5, 3-5-2, 12番地.
_ADDRESS = re.compile(
    r"\d+\s*丁目(?:\s*\d+\s*(?:番地?|-)(?:\s*の?\s*\d+\s*号?)?)?"
    r"|\d+\s*番地?(?:\s*の?\s*\d+\s*号?)?"
    r"|(?<![\d-])\d{1,4}-\d{1,4}-\d{1,4}(?![\d-])"
)
# UniDic's tag for personal names (姓, 名, 一般).
_PERSON_POS = "名詞-固有名詞-人名"
# Endings of given names that UniDic splits off an unknown name (ミツ + 子, 健 + 太郎).
_NAME_ENDINGS = frozenset("子 郎 太郎 男 夫 雄 美 江 代 枝 恵 造 蔵 衛".split())


def mask_personal_data(text: str, tokenizer: Tokenizer | None = None) -> str:
    """Mask names, phone numbers, postal codes, e-mail addresses and street numbers.

    The text is NFKC-normalised first so full-width digits are caught (０９０ → 090).
    Names are what UniDic tags as 名詞-固有名詞-人名; a name next to another name
    (姓 + 名) becomes one mask.

    >>> mask_personal_data("隣の佐藤さん（090-1234-5678）")
    '隣の〇〇さん(【電話番号】)'
    """
    if not text:
        return ""
    value = unicodedata.normalize("NFKC", str(text))
    value = _EMAIL.sub(EMAIL_MASK, value)
    value = _PHONE.sub(PHONE_MASK, value)
    value = _POSTAL.sub(POSTAL_MASK, value)
    value = _ADDRESS.sub(ADDRESS_MASK, value)
    return _mask_names(value, tokenizer or _default_tokenizer())


def _mask_names(text: str, tokenizer: Tokenizer) -> str:
    pieces: list[str] = []
    cursor = 0
    previous_was_name = False
    for token in tokenizer.tokenize(text.replace("\n", " ")):
        start = text.find(token.surface, cursor)
        if start < 0:  # MeCab dropped or changed the characters; leave the rest as is
            break
        gap = text[cursor:start]
        is_name = token.pos.startswith(_PERSON_POS) or (
            previous_was_name and not gap and token.surface in _NAME_ENDINGS
        )
        if is_name and previous_was_name and not gap.strip():
            pass  # 姓 + 名, with or without a space: one mask for the whole name
        elif is_name:
            pieces.append(gap)
            pieces.append(NAME_MASK)
        else:
            pieces.append(gap)
            pieces.append(token.surface)
        previous_was_name = is_name
        cursor = start + len(token.surface)
    pieces.append(text[cursor:])
    return "".join(pieces)


_shared_tokenizer: Tokenizer | None = None


def _default_tokenizer() -> Tokenizer:
    global _shared_tokenizer
    if _shared_tokenizer is None:
        _shared_tokenizer = Tokenizer()
    return _shared_tokenizer


def suppress_count(count: int, threshold: int) -> str:
    """A count as shown in handouts: below the threshold it reads 「5未満」.

    >>> suppress_count(3, 5), suppress_count(12, 5)
    ('5未満', '12')
    """
    return f"{threshold}未満" if 0 < count < threshold else str(count)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe.

    Numbers are left alone; only strings starting with = + - @ (or a tab or carriage
    return, which some spreadsheet programs strip before reading the formula) change.

    >>> escape_formula("=HYPERLINK(\\"x\\")"), escape_formula(-3)
    ('\\'=HYPERLINK("x")', -3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


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
