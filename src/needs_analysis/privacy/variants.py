"""Variant kanji (異体字) folded to their standard form, for looking names up.

髙橋, 山﨑, 濵田, 德永 and 𠮷田 are names, but UniDic knows them only as 高橋, 山崎, 濱田,
徳永 and 吉田, and NFKC leaves every one of them as it is. The name lookup reads a copy of
the text with each variant replaced by its standard form (``data/kanji_variants.tsv``,
derived from Unicode's Unihan database by ``scripts/kanji_variants.py``) and ideographic
variation selectors dropped; what is shown keeps the characters as written.
"""

from __future__ import annotations

from functools import lru_cache

from needs_analysis.paths import package_file

# Variation selectors (VS1-16 and the ideographic VS17-256) pick a glyph of the kanji
# before them; they carry no character of their own.
_SELECTORS = frozenset(chr(c) for c in [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)])


@lru_cache(maxsize=1)
def variant_table() -> dict[int, str]:
    """Code point of each variant → its standard form, as ``str.translate`` takes it."""
    table: dict[int, str] = {}
    text = package_file("kanji_variants.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.startswith("#"):
            variant, standard = line.split("\t")
            table[ord(variant)] = standard
    return table


def fold_variants(text: str) -> tuple[str, list[int] | None]:
    """The text with variant kanji in their standard form, and where each character of the
    result was in ``text`` (None: the same place, no selector was dropped).

    >>> fold_variants("髙橋さんと山﨑さん")
    ('高橋さんと山崎さん', None)
    """
    folded = text.translate(variant_table())
    if not _SELECTORS.intersection(folded):
        return folded, None
    kept = [i for i, char in enumerate(folded) if char not in _SELECTORS]
    return "".join(folded[i] for i in kept), kept
