"""Text normalisation for matching and counting; the original text is kept for display."""

from __future__ import annotations

import math
import re
import unicodedata

# Marks that residents repeat for emphasis ("！！！", "ーーー", "〜〜"): one is enough.
_REPEATED_MARK = re.compile(r"([!?。、,ー〜])\1+")
# "・・・", "...", "…" all mean a trailing-off: write them as one ellipsis.
_ELLIPSIS = re.compile(r"(?:・{2,}|\.{2,}|…+)")
_WHITESPACE = re.compile(r"\s+")
_INVISIBLE = frozenset(("Cc", "Cf", "Cs", "Co", "Cn"))


def normalize_text(text: object) -> str:
    """Return the text in the one form that rules, the model and word counts see.

    Steps, in order:

    1. Missing values (``None``, ``NaN``) become the empty string; other values are cast to
       ``str``.
    2. Unicode NFKC: full-width letters and digits become half-width, half-width katakana
       becomes full-width (ｺﾞﾐ → ゴミ), circled digits become digits (① → 1).
    3. The tilde ``~`` (from full-width ～ after NFKC) becomes the wave dash ``〜``, so both
       spellings of "10時〜12時" agree.
    4. Control and format characters (line feeds inside a cell count as white space, not
       as control characters) are removed: zero-width spaces, BOMs, bell characters …
    5. Runs of white space, including line breaks inside a cell, become one space; leading
       and trailing space is removed.
    6. Ellipses written as "・・・", "..." or "……" become one "…".
    7. A repeated mark ("!!!", "??", "。。", "、、", "ーーー", "〜〜") becomes one.

    >>> normalize_text("ｺﾞﾐ出しが　大変！！")
    'ゴミ出しが 大変!'
    >>> normalize_text("すごーーーく\\n遠い・・・")
    'すごーく 遠い…'
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    value = unicodedata.normalize("NFKC", str(text))
    value = value.replace("~", "〜")
    if not value.isprintable():  # C-speed check; most answers skip the per-character pass
        value = "".join(
            " " if char.isspace() else char
            for char in value
            if char.isspace() or unicodedata.category(char) not in _INVISIBLE
        )
    value = _WHITESPACE.sub(" ", value).strip()
    value = _ELLIPSIS.sub("…", value)
    value = _REPEATED_MARK.sub(r"\1", value)
    return value
