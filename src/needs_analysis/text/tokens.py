"""Words as the tokenizer gives them, and which of them are worth counting.

Kept apart from :mod:`needs_analysis.text.mecab` (which loads MeCab) so that code reading a
saved run's tokens, such as the report notebooks, needs no tagger.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

# Content words for counting and rules; particles, auxiliaries, symbols and bound forms
# (いる, する as 非自立可能) carry no topic of their own.
CONTENT_POS_PREFIXES: tuple[str, ...] = (
    "名詞-普通名詞",
    "名詞-固有名詞",
    "動詞-一般",
    "形容詞-一般",
    "形状詞-一般",
    "副詞",
)
DEFAULT_STOPWORDS: frozenset[str] = frozenset(
    "する ある いる なる できる 思う 言う こと もの よう ため 方 時 今 事 物 所 感じ 様"
    " 人 日 回 特に 自分 私 皆さん".split()
)


class Token(NamedTuple):
    """One word: the form written, its dictionary form, and UniDic's part of speech."""

    surface: str
    lemma: str
    pos: str

    def is_content(self) -> bool:
        return self.pos.startswith(CONTENT_POS_PREFIXES)


def content_tokens(
    tokens: Sequence[Token],
    stopwords: frozenset[str] = DEFAULT_STOPWORDS,
    pos_prefixes: tuple[str, ...] = CONTENT_POS_PREFIXES,
) -> list[Token]:
    """Tokens worth counting: content parts of speech, minus stop words and bare numbers."""
    return [
        token
        for token in tokens
        if token.pos.startswith(pos_prefixes)
        and token.lemma not in stopwords
        and not token.lemma.isdigit()
    ]


# What may lie between two placed tokens: white space, control characters, and the marks
# that normalisation folds (「!!!」 → 「!」, 「・・・」 → 「…」, 「~」 → 「〜」).
_FOLDED_MARKS = frozenset("!?。、,ー〜~・.…")


def _only_folded(gap: str, masks: Sequence[str]) -> bool:
    for mask in masks:
        gap = gap.replace(mask, "")
    return all(char.isspace() or not char.isprintable() or char in _FOLDED_MARKS for char in gap)


def _skippable_end(text: str, cursor: int, masks: Sequence[str]) -> int:
    """Where the run of white space, folded marks and masks that starts at ``cursor`` ends."""
    index = cursor
    while index < len(text):
        char = text[index]
        if char.isspace() or not char.isprintable() or char in _FOLDED_MARKS:
            index += 1
            continue
        mask = next((mask for mask in masks if mask and text.startswith(mask, index)), None)
        if mask is None:
            return index
        index += len(mask)
    return index


def place_tokens(
    text: str, tokens: Sequence[Token], masks: Sequence[str] = ()
) -> list[tuple[int, Token]]:
    """Where each token of ``text`` (or of a form of it) starts, for the tokens found in order.

    The tokens may come from a slightly different form of the text: its normalised form
    (runs of marks folded, white space collapsed) or, with the ``masks`` that may stand in
    for words, a masked form. A token is placed where its surface next occurs with nothing
    but white space, folded marks or masks before it; a token not found so (a word a mask
    replaced, 「…」 written 「・・・」) is left out, and the tokens after it are still placed.

    >>> words = [("駅", "名詞"), ("まで", "助詞"), ("!", "補助記号"),
    ...          ("佐藤", "名詞-固有名詞-人名"), ("さん", "接尾辞")]
    >>> tokens = [Token(surface, surface, pos) for surface, pos in words]
    >>> [(start, token.surface) for start, token in place_tokens("駅まで!! 〇〇さん", tokens, ["〇〇"])]
    [(0, '駅'), (1, 'まで'), (3, '!'), (8, 'さん')]
    """
    placed: list[tuple[int, Token]] = []
    cursor = 0
    for token in tokens:
        # Only an occurrence that starts before the first character that may not be skipped
        # can be placed: the search stops there (a word a mask replaced is not looked for
        # through the rest of a long answer).
        end = _skippable_end(text, cursor, masks) + len(token.surface)
        start = text.find(token.surface, cursor, end)
        if start < 0 or not _only_folded(text[cursor:start], masks):
            continue
        placed.append((start, token))
        cursor = start + len(token.surface)
    return placed
