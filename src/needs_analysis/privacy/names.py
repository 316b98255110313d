"""Which characters of a text are a person's name, from its tokens.

Three sources, each a range of characters:

* what UniDic (or the town's user dictionary) tags 名詞-固有名詞-人名, as before;
* a name candidate before an honorific (:func:`titled_names`): 「中さん」「西さん」, a given name
  in kana before さん・ちゃん・くん, a kanji run that UniDic does not know before 様・さん・氏,
  whatever the tagger made of them;
* one of the town's own names used as a person's name (「川向さんが」), while the same name
  used as a place (「川向から」) is kept, even where UniDic reads it as a surname.

A span is ``(start, end, surface, part of speech)`` in the text the names are looked up in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

Span = tuple[int, int, str, str]

NAME_MASK = "〇〇"
PERSON_POS = "名詞-固有名詞-人名"
_GIVEN_NAME_POS = "名詞-固有名詞-人名-名"
# Endings of given names that UniDic splits off an unknown name (ミツ + 子, 健 + 太郎).
_NAME_ENDINGS = frozenset("子 郎 太郎 男 夫 雄 美 江 代 枝 恵 造 蔵 衛".split())
_AZA = frozenset("字 大字 小字".split())
HONORIFICS = frozenset("さん さま 様 君 くん ちゃん 氏 先生 殿".split())
# Honorifics that count whatever the tagger made of them (くん read as 汲む); the others
# only as a suffix (さん as the number 三 is not one).
_ANY_POS_HONORIFICS = frozenset("くん ちゃん 君 先生".split())
# Common nouns that take an honorific as the title of a role or a relation, not of a name.
# UniDic cannot tell them from a surname that is also a word (西, 北, 星, 浜), so a common
# noun of one kanji before an honorific counts as a name unless it is listed here; nouns
# of two or more kanji that UniDic knows (大家, 医者, 委員, 社長) are roles by that alone,
# and a loanword in katakana (ヘルパー, ケアマネ) too. お・ご before the noun (お隣さん,
# お医者さん, ご近所さん) and a suffix after it (パン屋さん, 看護師さん) make a role as well.
ROLE_WORDS = frozenset(
    # kinship, one kanji and in kana
    "母 父 兄 姉 弟 妹 娘 嫁 婿 孫 奥 夫 妻 子 甥 姪 親 婆 爺 姑 舅 主 嬢 坊"
    " ばあ じい ばば じじ おじ おば いとこ かあ とう にい ねえ あに あね おや まご よめ"
    # others, everyone, guests; those addressed with 様 as a title
    " 隣 皆 みな みんな 客 神 仏 王 殿 姫 僧 方 彼 君 私 僕 俺 各位"
    # pets
    " 猫 犬 ねこ いぬ ワン わん ニャン にゃん".split()
)
_IDEOGRAPH = re.compile(r"[㐀-䶿一-鿿豈-﫿𠀀-𲎯々〆ヶ]+")
_KANA_WORD = re.compile(r"[ぁ-ゖァ-ヺー]+")
_KANA_CHAR = re.compile(r"[ぁ-ゖァ-ヺー]")
_ROMAJI = r"[A-Z][a-z]+(?:[ ][A-Z][a-z]+)?"
_ROMAJI_NAME = re.compile(
    rf"(?:Mr|Mrs|Ms|Miss|Dr)\.?\s*{_ROMAJI}"
    rf"|{_ROMAJI}(?=\s?(?:{'|'.join(sorted(HONORIFICS, key=len, reverse=True))}))"
    rf"|(?<={NAME_MASK})\s?[(（]?{_ROMAJI}[)）]?"
    rf"|{_ROMAJI}\s?(?={NAME_MASK})"
)


def name_ranges(
    text: str, spans: Sequence[Span], places: Sequence[tuple[int, int]] = ()
) -> list[tuple[int, int]]:
    """The ranges of ``text`` that are names, merged where only white space parts them
    (姓 + 名 is one name). ``places``: where the town's own names stand in ``text``."""
    tagged = [span[:2] for span, name in zip(spans, tagged_names(spans), strict=True) if name]
    titled = titled_names(text, spans)
    used_as_names = [
        place for place in places if _before_a_name(text, place[1], spans, [*tagged, *titled])
    ]
    kept = [place for place in places if place not in used_as_names]
    tagged = [r for r in tagged if not any(s <= r[0] and r[1] <= e for s, e in kept)]
    return _merged(text, [*tagged, *titled, *used_as_names])


def tagged_names(spans: Sequence[Span]) -> list[bool]:
    """Which tokens the tagger marks as (part of) a personal name."""
    names = [pos.startswith(PERSON_POS) for _, _, _, pos in spans]
    for i in range(1, len(spans)):  # 字川向, 大字上野: a 字 name is a place
        if spans[i - 1][2] in _AZA and spans[i - 1][1] == spans[i][0]:
            names[i] = False
    for i in range(1, len(spans)):
        touching = spans[i][0] == spans[i - 1][1]
        if names[i - 1] and touching and spans[i][2] in _NAME_ENDINGS:
            names[i] = True
    for i, (start, end, surface, pos) in enumerate(spans):
        if names[i] and pos.startswith(_GIVEN_NAME_POS) and len(surface) == 1:
            before = i > 0 and names[i - 1] and spans[i - 1][1] >= start - 1
            after = i + 1 < len(spans) and spans[i + 1][0] <= end + 1
            named_after = after and (names[i + 1] or spans[i + 1][2] in HONORIFICS)
            names[i] = before or named_after
    return names


def titled_names(text: str, spans: Sequence[Span]) -> list[tuple[int, int]]:
    """Name candidates before an honorific: ``[candidate] + 敬称`` is a name."""
    found = []
    for i, (start, _, surface, _) in enumerate(spans):
        cut = _honorific_at(spans, i)
        if cut is None:
            continue
        before = spans[i - 1] if cut == 0 and i > 0 and spans[i - 1][1] == start else None
        if before is not None and before[3].startswith(_WORD_POS):
            first = _candidate_start(spans, i - 1)
            if first is not None:
                found.append((spans[first][0], start))
        elif cut > 0 or (before is not None and surface in ("くん", "ちゃん")):
            kana = _kana_name_before(text, spans, start + cut)
            if kana is not None:
                found.append(kana)
    return found


# Tokens that can end a name candidate; after anything else (はる + と + くん) the tagger
# has made other words of a name, and the kana before くん・ちゃん are taken instead.
_WORD_POS = ("名詞", "接尾辞", "接頭辞", "補助記号")


def _honorific_at(spans: Sequence[Span], i: int) -> int | None:
    """Where in token ``i`` an honorific starts, or None. くん that the tagger read as a
    verb (はると + くん, そう + たくん) counts unless the verb goes on (くんで, くんない)."""
    _, _, surface, pos = spans[i]
    if surface not in HONORIFICS and not surface.endswith("くん"):
        return None
    following = spans[i + 1] if i + 1 < len(spans) else (0, 0, "", "")
    verb_goes_on = following[3].startswith(("助動詞", "動詞", "形容詞")) or following[2] in (
        "で",
        "だ",
    )
    loose = not verb_goes_on
    if surface in HONORIFICS and pos.startswith("接尾辞"):
        return 0
    if surface in _ANY_POS_HONORIFICS and loose:
        return 0
    if pos.startswith("動詞") and surface.endswith("くん") and len(surface) > 2 and loose:
        return len(surface) - 2
    return None


def _candidate_start(spans: Sequence[Span], j: int) -> int | None:
    """The first token of the name candidate that ends with token ``j``, or None when the
    word before the honorific is a role, a relation, an organisation or no noun."""
    _, _, surface, pos = spans[j]
    before = spans[j - 1] if j > 0 and spans[j - 1][1] == spans[j][0] else None
    if pos.startswith(PERSON_POS):
        return j  # a name the tagger found (also after 字, where it is read as a place)
    if pos.startswith(("接頭辞", "名詞-固有名詞-一般")):
        return None  # お・ご; an organisation (ヤクルトさん)
    if pos.startswith("接尾辞"):  # パン屋さん, 看護師さん; but 𡈽屋さん is a name
        unknown = before is not None and _is_kanji_noun(before) and not _known(before[2])
        return _extend(spans, j - 1) if unknown else None
    if pos.startswith("名詞-固有名詞"):
        return _extend(spans, j)  # a place name as a surname (鍬ヶ崎さん)
    if not (pos.startswith("名詞") or _IDEOGRAPH.fullmatch(surface)) or pos.startswith("名詞-数詞"):
        return None
    if before and before[3].startswith("接頭辞"):
        return None
    if surface in _NAME_ENDINGS and before is not None and before[3].startswith("名詞"):
        return _extend(spans, j - 1)  # ツヤ + 子 + さん
    if surface in ROLE_WORDS:
        return None
    if _KANA_WORD.fullmatch(surface):  # ヘルパー is a loanword; おかげ, お巡り are polite words
        origin = _lexicon_origin(surface)
        polite = origin is not None and surface.startswith(("お", "ご"))
        return None if origin == "外" or polite else j
    if _IDEOGRAPH.fullmatch(surface) and (len(surface) == 1 or not _known(surface)):
        return _extend(spans, j)
    return None


def _extend(spans: Sequence[Span], j: int) -> int:
    """Token ``j`` and the kanji nouns touching it on the left (月見 + 里, 西原 + 田)."""
    while j > 0 and spans[j - 1][1] == spans[j][0] and _is_kanji_noun(spans[j - 1]):
        if spans[j - 1][2] in ROLE_WORDS:
            break
        j -= 1
    return j


def _is_kanji_noun(span: Span) -> bool:
    _, _, surface, pos = span
    noun = pos.startswith(("名詞", "補助記号")) and not pos.startswith("名詞-数詞")
    return noun and _IDEOGRAPH.fullmatch(surface) is not None


def _kana_name_before(text: str, spans: Sequence[Span], at: int) -> tuple[int, int] | None:
    """A run of kana before くん・ちゃん that the tagger split into other words
    (はる + と + くん): less a particle that belongs to the word before it (孫の)."""
    start = at
    while start > 0 and _KANA_CHAR.fullmatch(text[start - 1]):
        start -= 1
    for s, e, _, pos in spans:
        if s == start and start > 0 and pos.startswith("助詞") and e < at:
            start = e if not _KANA_CHAR.fullmatch(text[start - 1]) else start
    return (start, at) if at - start >= 2 else None


def _before_a_name(
    text: str, end: int, spans: Sequence[Span], names: Sequence[tuple[int, int]]
) -> bool:
    """Whether a place name ending at ``end`` is used as a name: an honorific or a given
    name follows it (川向さん, 西原花子)."""
    for start, _, surface, pos in spans:
        if start == end:
            return surface in HONORIFICS or pos.startswith(PERSON_POS)
    return any(start == end for start, _ in names)


def _merged(text: str, ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and not text[merged[-1][1] : start].strip():
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def mask_romaji(text: str) -> str:
    """Romaji names beside a Japanese name (already 〇〇) or an honorific, and titles."""
    text = _ROMAJI_NAME.sub(NAME_MASK, text)
    while NAME_MASK + NAME_MASK in text:
        text = text.replace(NAME_MASK + NAME_MASK, NAME_MASK)
    return text


def _known(word: str) -> bool:
    return _lexicon_origin(word) is not None


@lru_cache(maxsize=4096)
def _lexicon_origin(word: str) -> str | None:
    """UniDic's word origin (語種: 和, 漢, 外, 固 …) of a word it knows as one word, or None."""
    nodes = _lexicon().parseToNodeList(word)
    if len(nodes) != 1 or nodes[0].stat != 0 or len(nodes[0].feature) <= 12:
        return None
    return nodes[0].feature[12]


def _lexicon():
    from needs_analysis.text.mecab import shared_tagger

    return shared_tagger(None)
