"""Word statistics over the free-text answers: what a coordinator opens KH Coder for.

Every answer is normalised, masked and tokenised once, in :func:`build_documents`; the
other functions take that "documents" frame (one row per respondent) and return new
DataFrames without changing it:

- :func:`word_frequencies` — how often each word occurs (term count) and in how many
  answers (document count), overall or per 圏域, category, household type …;
- :func:`kwic` — keyword in context, and :func:`why_labeled` — the same view for the
  answers of one category with the words that decided the category as the keyword;
- :func:`cooccurrence_network` — words that appear in the same answers (Jaccard), laid out
  with networkx; ``charts_text.network_figure`` draws it;
- :func:`characteristic_words` — the words of one 圏域 (or household type) against the
  rest, ranked by the log-likelihood ratio G²;
- :func:`category_crosstab` — categories by age group, sex and household type, with
  adjusted standardised residuals and small cells suppressed.

Words are UniDic lemmas mapped through the synonym table of the coding rules (ゴミ, ごみ and
塵 count as one word, shown as ゴミ), restricted to content parts of speech and with stop
words removed, exactly as :func:`needs_analysis.tokenize.content_tokens` filters them.

Privacy: the text is masked (names, phone numbers, addresses …) *before* it is tokenised,
so no name can become a "word" and every context shown is cut from the masked text. The
words inside a mask (電話 and 番号 of 【電話番号】) are not counted.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from pathlib import Path
from statistics import NormalDist
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import sparse, special

from needs_analysis.config import DEFAULT_MIN_COUNT, Config
from needs_analysis.normalize import normalize_text
from needs_analysis.paths import package_file
from needs_analysis.privacy import (
    ADDRESS_MASK,
    COMPLEMENT,
    COMPLEMENT_LABEL,
    EMAIL_MASK,
    NAME_MASK,
    PHONE_MASK,
    POSTAL_MASK,
    SHOWN,
    Disclosure,
    mask_personal_data,
    suppress_count,
)
from needs_analysis.rules import RuleSet, load_rules
from needs_analysis.significance import adjusted_residual
from needs_analysis.tables import label_set, require_columns
from needs_analysis.tokenize import (
    CONTENT_POS_PREFIXES,
    DEFAULT_STOPWORDS,
    Token,
    Tokenizer,
    content_tokens,
)

# Respondent attributes carried from the responses into the documents frame, when present.
# The raw answer is never carried: only its masked form, in ``text``.
CARRIED_COLUMNS = (
    "respondent_id",
    "fiscal_year",
    "area",
    "district",
    "age_group",
    "sex",
    "household",
    "categories",
    "confidence",
    "evidence",
)
# What a table can be grouped by, with the Japanese name of each grouping.
GROUPINGS: dict[str, str] = {
    "area": "圏域",
    "category": "分類",
    "household": "世帯構成",
    "age_group": "年齢区分",
    "sex": "性別",
}
CROSSTAB_DIMENSIONS = ("age_group", "sex", "household")
NO_ANSWER = "無回答"
# The taxonomy's label for answers with no need (classify gives it as ("その他",)).
OTHER_LABEL = "その他"
# Display order of the household types the survey offers; other values follow, sorted.
HOUSEHOLD_ORDER = ("一人暮らし", "夫婦のみ", "その他")

# Japanese headers for every column these functions return (see :func:`japanese_headers`).
COLUMN_LABELS: dict[str, str] = {
    "respondent_id": "回答者ID",
    "fiscal_year": "年度",
    "area": "圏域",
    "district": "行政区",
    "age_group": "年齢区分",
    "sex": "性別",
    "household": "世帯構成",
    "categories": "分類",
    "confidence": "確からしさ",
    "evidence": "根拠",
    "text": "回答（マスク済み）",
    "group": "集計単位",
    "grouping": "集計の軸",
    "category": "分類",
    "word": "語",
    "forms": "表記",
    "term_count": "出現回数",
    "doc_count": "出現回答数",
    "n_docs": "回答数",
    "doc_rate": "出現率",
    "rank": "順位",
    "left": "左の文脈",
    "keyword": "キーワード",
    "right": "右の文脈",
    "highlighted": "回答（根拠語に印）",
    "count_in": "回答数（対象）",
    "n_in": "回答者数（対象）",
    "rate_in": "出現率（対象）",
    "count_out": "回答数（それ以外）",
    "n_out": "回答者数（それ以外）",
    "rate_out": "出現率（それ以外）",
    "ratio": "出現率の比",
    "g2": "対数尤度比G²",
    "p_value": "p値",
    "dimension": "集計の軸",
    "level": "区分",
    "n": "自由記述の回答者数",
    "count": "該当人数",
    "rate": "割合",
    "residual": "調整済み標準化残差",
    "suppressed": "少数のため非表示",
    "count_label": "該当人数（表示）",
    "n_label": "回答者数（表示）",
    "source": "語1",
    "target": "語2",
    "cooccurrence": "共起回答数",
    "jaccard": "Jaccard係数",
    "community": "グループ",
    "color_group": "色分け",
    "degree": "つながりの数",
}

# Words the word views leave out on top of the tokenizer's stop words: politeness and
# fillers (よろしく, お願い, 後, 使う …) that top every town's list and say nothing about
# its needs. As UniDic lemmas; classification does not use this list.
FILLER_STOPWORDS: frozenset[str] = frozenset(
    "宜しく 宜しい 願う 御願い 有り難い 有り難う 下さる 頂く 致す 御座る 存じる 申す 申し上げる"
    " 後 前 使う 分かる 度 もう 最近 正直 色々 中々 是非 少し 等 又 皆様 今後 以上 先 其の 此の"
    " 思い 感じる 考える".split()
)

# Brackets around the evidence words in :func:`why_labeled`'s full text. They differ from
# the 【】 of the masks so that a masked phone number never looks like evidence.
HIGHLIGHT_OPEN = "《"
HIGHLIGHT_CLOSE = "》"
# An adjusted residual beyond this marks a cell as different from the rest (two-sided 5%).
ASSOCIATION_THRESHOLD = 1.96
ASSOCIATION_ALPHA = 0.05
NO_LEANING = "偏りなし"

_MASKS = (NAME_MASK, PHONE_MASK, POSTAL_MASK, EMAIL_MASK, ADDRESS_MASK)
_MASK_PATTERN = re.compile("|".join(re.escape(mask) for mask in _MASKS))
# UniDic's tag for personal names; the masker replaces them, and this drops any it missed.
_PERSON_POS = "名詞-固有名詞-人名"
# The parts of speech a query may end with and still mean its content word (送って → 送る).
_FUNCTION_POS = ("助詞", "助動詞", "補助記号", "接尾辞", "空白")

if TYPE_CHECKING:
    import networkx as nx

SortOrder = Literal["order", "left", "right"]
# Keys of DataFrame.attrs where build_documents records its rules file and user dictionary.
ATTRS_RULES = "needs_analysis.rules"
ATTRS_USER_DICTIONARY = "needs_analysis.user_dictionary"


# --------------------------------------------------------------------------- documents


def build_documents(
    responses: pd.DataFrame,
    config: Config | None = None,
    *,
    rules: RuleSet | Path | str | None = None,
    tokenizer: Tokenizer | None = None,
    stopwords: Iterable[str] | None = None,
    extra_stopwords: Iterable[str] = (),
    pos_prefixes: tuple[str, ...] = CONTENT_POS_PREFIXES,
    text_column: str = "text",
) -> pd.DataFrame:
    """One row per respondent with the masked answer and its words, tokenised once.

    ``responses`` is a survey frame (``io.load_survey``), classified or not. The synonym
    table comes from ``rules`` (a RuleSet or a rules file), else from the config's rules,
    else from the bundled ``rules.txt``; the tokenizer uses the config's user dictionary.

    Columns: the respondent attributes present in ``responses`` (respondent_id, area,
    age_group, sex, household, categories, evidence …), then

    - ``has_text``: the normalised answer is not empty;
    - ``text``: the normalised answer with personal data masked;
    - ``tokens``: its tokens, each lemma mapped through the synonym table;
    - ``starts``: where each token starts in ``text`` (-1 if it could not be placed);
    - ``lemmas`` / ``surfaces``: the counted words (content parts of speech, no stop words,
      nothing inside a mask), as canonical lemma and as written.
    """
    require_columns(responses, [text_column], "回答の表")
    rule_set = _resolve_rules(rules, config, tokenizer)
    tokenizer = tokenizer or rule_set.tokenizer
    default = DEFAULT_STOPWORDS | FILLER_STOPWORDS
    stop = frozenset(default if stopwords is None else stopwords) | frozenset(extra_stopwords)
    # A stop word written in any spelling of the synonym table stops the whole word.
    stop |= {rule_set.canonical(word) for word in stop}

    cache: dict[str, tuple] = {}
    rows: list[tuple] = []
    for value in responses[text_column].tolist():
        normalized = normalize_text(value)
        if normalized not in cache:
            cache[normalized] = _analyse(normalized, rule_set, tokenizer, stop, pos_prefixes)
        rows.append(cache[normalized])

    carried = [column for column in CARRIED_COLUMNS if column in responses.columns]
    documents = responses[carried].reset_index(drop=True)
    analysed = pd.DataFrame(
        rows, columns=["has_text", "text", "tokens", "starts", "lemmas", "surfaces"]
    )
    result = pd.concat([documents, analysed], axis=1)
    # Where the words came from, so that kwic reads a query with the same rules and words.
    result.attrs[ATTRS_RULES] = str(rule_set.path)
    user_dictionary = tokenizer.user_dictionary
    result.attrs[ATTRS_USER_DICTIONARY] = str(user_dictionary) if user_dictionary else ""
    return result


def _analyse(
    normalized: str,
    rule_set: RuleSet,
    tokenizer: Tokenizer,
    stopwords: frozenset[str],
    pos_prefixes: tuple[str, ...],
) -> tuple:
    if not normalized:
        return (False, "", (), (), (), ())
    masked = mask_personal_data(normalized, tokenizer)
    raw = tokenizer.tokenize(masked)
    starts = _token_starts(masked, raw)
    masked_spans = [match.span() for match in _MASK_PATTERN.finditer(masked)]

    def in_mask(start: int) -> bool:
        return any(begin <= start < end for begin, end in masked_spans)

    synonym = rule_set.synonyms.get
    tokens = tuple(
        Token(token.surface, synonym(token.lemma, token.lemma), token.pos) for token in raw
    )
    counted = {id(token) for token in content_tokens(raw, stopwords, pos_prefixes)}
    lemmas: list[str] = []
    surfaces: list[str] = []
    for token, canonical, start in zip(raw, tokens, starts, strict=True):
        if (
            id(token) in counted
            and canonical.lemma not in stopwords
            and not token.pos.startswith(_PERSON_POS)
            and start >= 0
            and not in_mask(start)
        ):
            lemmas.append(canonical.lemma)
            surfaces.append(token.surface)
    return (True, masked, tokens, tuple(starts), tuple(lemmas), tuple(surfaces))


def _token_starts(text: str, tokens: Sequence[Token]) -> list[int]:
    """Character offset of each token in ``text``; -1 after MeCab changed the characters."""
    starts: list[int] = []
    cursor = 0
    for token in tokens:
        start = text.find(token.surface, cursor) if cursor >= 0 else -1
        starts.append(start)
        cursor = start + len(token.surface) if start >= 0 else -1
    return starts


def _resolve_rules(
    rules: RuleSet | Path | str | None, config: Config | None, tokenizer: Tokenizer | None
) -> RuleSet:
    if isinstance(rules, RuleSet):
        return rules
    path = Path(rules) if rules is not None else None
    if path is None and config is not None:
        path = config.rules_path
    if tokenizer is None and config is not None and config.user_dictionary is not None:
        tokenizer = Tokenizer(config.user_dictionary)
    if tokenizer is not None:
        return load_rules(path or package_file("rules.txt"), tokenizer)
    return _bundled_rules(str(path or package_file("rules.txt")))


def _bundled_rules(path: str, user_dictionary: str = "") -> RuleSet:
    """Rules read once per process, and again when the rules file has been edited."""
    return _cached_rules(path, user_dictionary, Path(path).stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _cached_rules(path: str, user_dictionary: str, modified: int) -> RuleSet:
    tokenizer = Tokenizer(user_dictionary) if user_dictionary else None
    return load_rules(path, tokenizer)


def _rules_of(documents: pd.DataFrame, rules: RuleSet | Path | str | None) -> RuleSet:
    """The rules given, else the ones the documents were built with, else the bundled ones."""
    if rules is not None:
        return _resolve_rules(rules, None, None)
    path = documents.attrs.get(ATTRS_RULES)
    if path and Path(path).is_file():
        user_dictionary = documents.attrs.get(ATTRS_USER_DICTIONARY, "")
        if not user_dictionary or Path(user_dictionary).is_file():
            return _bundled_rules(str(path), str(user_dictionary))
    return _bundled_rules(str(package_file("rules.txt")))


def select_documents(
    documents: pd.DataFrame,
    *,
    area: str | None = None,
    category: str | None = None,
    household: str | None = None,
    with_text: bool = True,
) -> pd.DataFrame:
    """The documents of one 圏域, category and/or household type (answers only, by default)."""
    keep = pd.Series(True, index=documents.index)
    if with_text:
        require_columns(documents, ["has_text"], "文書の表")
        keep &= documents["has_text"].astype(bool)
    if area is not None:
        require_columns(documents, ["area"], "文書の表")
        keep &= documents["area"] == area
    if household is not None:
        require_columns(documents, ["household"], "文書の表")
        keep &= documents["household"] == household
    if category is not None:
        require_columns(documents, ["categories"], "文書の表")
        keep &= documents["categories"].map(lambda value: category in label_set(value))
    return documents.loc[keep]


def _word_rows(documents: pd.DataFrame) -> pd.DataFrame:
    """Long table of counted words: doc (row position), word, surface."""
    lengths = np.fromiter(map(len, documents["lemmas"]), dtype=np.int64, count=len(documents))
    return pd.DataFrame(
        {
            "doc": np.repeat(np.arange(len(documents)), lengths),
            "word": pd.Series(list(chain.from_iterable(documents["lemmas"])), dtype=object),
            "surface": pd.Series(list(chain.from_iterable(documents["surfaces"])), dtype=object),
        }
    )


def _group_rows(documents: pd.DataFrame, by: str) -> pd.DataFrame:
    """Long table doc (row position) → group; an answer with several categories repeats."""
    if by not in GROUPINGS:
        known = "、".join(GROUPINGS)
        raise ValueError(f"by には {known} のどれかを指定してください（指定: {by!r}）。")
    if by == "category":
        require_columns(documents, ["categories"], "文書の表")
        labels = [sorted(label_set(value)) for value in documents["categories"]]
        lengths = np.fromiter((len(x) for x in labels), dtype=np.int64, count=len(labels))
        return pd.DataFrame(
            {
                "doc": np.repeat(np.arange(len(documents)), lengths),
                "group": list(chain.from_iterable(labels)),
            }
        )
    require_columns(documents, [by], "文書の表")
    return pd.DataFrame(
        {"doc": np.arange(len(documents)), "group": [_level(v) for v in documents[by]]}
    )


def _level(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return NO_ANSWER
    text = str(value).strip()
    return text or NO_ANSWER


def _group_order(by: str, groups: Iterable[str]) -> list[str]:
    present = list(dict.fromkeys(groups))
    if by == "household":
        first = [g for g in HOUSEHOLD_ORDER if g in present]
        rest = sorted(g for g in present if g not in HOUSEHOLD_ORDER and g != NO_ANSWER)
        return first + rest + ([NO_ANSWER] if NO_ANSWER in present else [])
    if by in ("area", "category"):
        return present  # the order the data (or the taxonomy) gives
    rest = sorted(g for g in present if g != NO_ANSWER)
    return rest + ([NO_ANSWER] if NO_ANSWER in present else [])


# --------------------------------------------------------------------------- frequencies


def word_frequencies(
    documents: pd.DataFrame,
    by: str | None = None,
    *,
    area: str | None = None,
    category: str | None = None,
    top_n: int | None = None,
    min_doc_count: int = 1,
) -> pd.DataFrame:
    """Term count and document count of every word, overall or per group.

    ``by`` groups the table: "area", "category" (an answer counts in each of its
    categories), "household", "age_group" or "sex". ``area`` / ``category`` first narrow
    the documents. Rows are ranked by term count (then document count) within each group;
    ``top_n`` keeps the first rows of each group.

    Columns: [``group``,] word (canonical lemma), forms (how it was written, commonest
    first), term_count, doc_count, n_docs (answers in the group), doc_rate, rank.
    """
    selected = select_documents(documents, area=area, category=category)
    words = _word_rows(selected)
    forms = _forms(words)
    if by is None:
        words = words.assign(group="")
        n_docs = pd.Series({"": len(selected)})
    else:
        groups = _group_rows(selected, by)
        words = words.merge(groups, on="doc")
        n_docs = groups.groupby("group").size()
    counts = (
        words.groupby(["group", "word"], sort=False)
        .agg(term_count=("doc", "size"), doc_count=("doc", "nunique"))
        .reset_index()
    )
    counts = counts[counts["doc_count"] >= min_doc_count]
    counts["n_docs"] = counts["group"].map(n_docs).astype("int64")
    counts["doc_rate"] = counts["doc_count"] / counts["n_docs"]
    counts["forms"] = counts["word"].map(forms)
    order = _group_order(by or "", counts["group"]) if by else [""]
    counts["_order"] = counts["group"].map({g: i for i, g in enumerate(order)})
    counts = counts.sort_values(
        ["_order", "term_count", "doc_count", "word"], ascending=[True, False, False, True]
    )
    counts["rank"] = counts.groupby("group").cumcount() + 1
    if top_n is not None:
        counts = counts[counts["rank"] <= top_n]
    columns = ["word", "forms", "term_count", "doc_count", "n_docs", "doc_rate", "rank"]
    if by is not None:
        counts = counts.rename(columns={"group": by})
        columns = [by, *columns]
    return counts[columns].reset_index(drop=True)


def _forms(words: pd.DataFrame, most: int = 3) -> pd.Series:
    """word → its commonest written forms, joined with ・."""
    if words.empty:
        return pd.Series(dtype=object)
    surfaces = (
        words.groupby(["word", "surface"])
        .size()
        .reset_index(name="times")
        .sort_values(["word", "times", "surface"], ascending=[True, False, True])
    )
    return surfaces.groupby("word").head(most).groupby("word")["surface"].agg("・".join)


# --------------------------------------------------------------------------- KWIC


def kwic(
    documents: pd.DataFrame,
    word: str,
    *,
    area: str | None = None,
    category: str | None = None,
    width: int = 20,
    sort: SortOrder = "order",
    rules: RuleSet | Path | str | None = None,
) -> pd.DataFrame:
    """Keyword in context: every occurrence of ``word`` with the masked text around it.

    ``word`` may be written in any inflection or spelling (送って, 送る; ごみ, ゴミ): it
    matches the tokens with the same canonical lemma, or the same written form, and a
    phrase (病院に行く) matches the same lemmas in a row. ``width`` characters of context
    are shown on each side. ``sort``: "order" (as in the survey), "left" (by the words just
    before the keyword, read right to left, as KH Coder sorts) or "right". The query is read
    with the rules (synonyms, user dictionary) the documents were built with, unless
    ``rules`` names others.

    Columns: respondent attributes, left, keyword, right, text (the whole masked answer).
    """
    if not normalize_text(word):
        raise ValueError("探す語を指定してください（空の文字列では探せません）。")
    rule_set = _rules_of(documents, rules)
    wanted = _query_lemmas(word, rule_set)
    selected = select_documents(documents, area=area, category=category)
    records: list[dict[str, object]] = []
    for position, (text, tokens, starts) in enumerate(
        zip(selected["text"], selected["tokens"], selected["starts"], strict=True)
    ):
        for first, last in _find_query(tokens, wanted, word):
            begin = starts[first]
            end = starts[last] + len(tokens[last].surface) if starts[last] >= 0 else -1
            if begin < 0 or end < 0:
                continue
            records.append(_kwic_record(position, text, begin, end, width))
    return _sorted_kwic(_kwic_frame(selected, records), sort)


def _query_lemmas(word: str, rule_set: RuleSet) -> list[str]:
    """The canonical lemmas a query stands for; trailing particles and endings dropped."""
    query = normalize_text(word)
    tokens = rule_set.tokenizer.tokenize(query)
    lemmas = [rule_set.canonical(token.lemma) for token in tokens]
    while len(lemmas) > 1 and tokens[len(lemmas) - 1].pos.startswith(_FUNCTION_POS):
        lemmas.pop()
    return lemmas


def _find_query(
    tokens: Sequence[Token], wanted: Sequence[str], written: str
) -> list[tuple[int, int]]:
    """(first, last) token indices of each occurrence of the query."""
    written = normalize_text(written)
    if not wanted:
        wanted = [written]
    found: list[tuple[int, int]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if len(wanted) == 1:
            hit = token.lemma == wanted[0] or token.surface == written
            span = 1
        else:
            span = len(wanted)
            hit = (
                all(
                    index + k < len(tokens) and tokens[index + k].lemma == wanted[k]
                    for k in range(span)
                )
                # a word of the user dictionary read as one token by the documents' tagger
                or token.surface == written
                or token.lemma == written
            )
            if hit and (token.surface == written or token.lemma == written):
                span = 1
        if hit:
            found.append((index, index + span - 1))
            index += span
        else:
            index += 1
    return found


def _kwic_record(position: int, text: str, begin: int, end: int, width: int) -> dict[str, object]:
    return {
        "_row": position,
        "left": text[max(0, begin - width) : begin],
        "keyword": text[begin:end],
        "right": text[end : end + width],
        "_offset": begin,
    }


def _kwic_frame(selected: pd.DataFrame, records: list[dict[str, object]]) -> pd.DataFrame:
    attributes = [
        c
        for c in ("respondent_id", "area", "household", "age_group", "sex", "categories")
        if c in selected.columns
    ]
    lines = pd.DataFrame(records, columns=["_row", "left", "keyword", "right", "_offset"])
    base = selected[attributes + ["text"]].reset_index(drop=True)
    joined = base.iloc[lines["_row"].to_numpy()].reset_index(drop=True)
    lines = lines.reset_index(drop=True)
    result = pd.concat([joined[attributes], lines], axis=1)
    result["text"] = joined["text"].to_numpy()
    return result


def _sorted_kwic(lines: pd.DataFrame, sort: SortOrder) -> pd.DataFrame:
    if sort not in ("order", "left", "right"):
        raise ValueError(f"sort には order、left、right のどれかを指定してください（{sort!r}）。")
    if sort == "left":
        lines = lines.assign(_key=lines["left"].map(lambda s: s[::-1]))
        lines = lines.sort_values(["_key", "_row", "_offset"], kind="stable")
    elif sort == "right":
        lines = lines.sort_values(["right", "_row", "_offset"], kind="stable")
    else:
        lines = lines.sort_values(["_row", "_offset"], kind="stable")
    return lines.drop(columns=[c for c in ("_row", "_offset", "_key") if c in lines]).reset_index(
        drop=True
    )


def evidence_words(evidence: object, category: str) -> list[str]:
    """The evidence words of one category in a classifier evidence string.

    >>> evidence_words("移動支援: 送迎・病院／見守り: 声かけ", "移動支援")
    ['送迎', '病院']
    """
    if not isinstance(evidence, str):
        return []
    for part in evidence.split("／"):
        label, sep, words = part.partition(":")
        if sep and label.strip() == category:
            return [w.strip() for w in words.split("・") if w.strip()]
    return []


def why_labeled(
    documents: pd.DataFrame,
    category: str,
    *,
    area: str | None = None,
    width: int = 20,
    sort: SortOrder = "order",
) -> pd.DataFrame:
    """Why was this answer labeled X: the answers of a category, evidence as the keyword.

    One line per answer of ``category``: the first evidence word (from the classifier's
    ``evidence`` column) is the keyword with ``width`` characters of masked context;
    ``evidence`` lists all its evidence words and ``highlighted`` is the whole masked
    answer with each of them in 《》. An answer whose evidence words cannot be found in
    the text keeps an empty keyword.
    """
    require_columns(documents, ["categories", "evidence"], "文書の表")
    selected = select_documents(documents, area=area, category=category)
    records: list[dict[str, object]] = []
    evidence_lists: list[str] = []
    highlighted: list[str] = []
    for position, (text, tokens, starts, evidence) in enumerate(
        zip(
            selected["text"],
            selected["tokens"],
            selected["starts"],
            selected["evidence"],
            strict=True,
        )
    ):
        words = evidence_words(evidence, category)
        spans = _evidence_spans(text, tokens, starts, words)
        if spans:
            begin, end = spans[0]
            records.append(_kwic_record(position, text, begin, end, width))
        else:
            records.append(
                {"_row": position, "left": "", "keyword": "", "right": text[:width], "_offset": 0}
            )
        evidence_lists.append("・".join(words))
        highlighted.append(_highlight(text, spans))
    lines = _kwic_frame(selected, records)
    lines["evidence"] = evidence_lists
    lines["highlighted"] = highlighted
    return _sorted_kwic(lines, sort)


def _evidence_spans(
    text: str, tokens: Sequence[Token], starts: Sequence[int], words: Sequence[str]
) -> list[tuple[int, int]]:
    """Character spans of the evidence words: tokens written so, or with that lemma."""
    wanted = set(words)
    spans = [
        (start, start + len(token.surface))
        for token, start in zip(tokens, starts, strict=True)
        if start >= 0 and (token.surface in wanted or token.lemma in wanted)
    ]
    if not spans:  # the tokens of the masked text may split a word differently
        for word in wanted:
            spans.extend(m.span() for m in re.finditer(re.escape(word), text))
    return sorted(set(spans))


def _highlight(text: str, spans: Sequence[tuple[int, int]]) -> str:
    pieces: list[str] = []
    cursor = 0
    for begin, end in spans:
        if begin < cursor:
            continue
        pieces += [text[cursor:begin], HIGHLIGHT_OPEN, text[begin:end], HIGHLIGHT_CLOSE]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


# --------------------------------------------------------------------------- co-occurrence


@dataclass(frozen=True)
class Network:
    """A co-occurrence network ready to draw.

    ``nodes``: word, doc_count, community (1 = largest), color_group, degree, x, y.
    ``edges``: source, target, cooccurrence (answers with both), jaccard.
    ``notes``: Japanese sentences for the reader (caps applied, why nothing is drawn).
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    n_documents: int
    color_by: str
    notes: tuple[str, ...] = field(default_factory=tuple)
    subject: str = "全体"

    @property
    def note(self) -> str:
        return "".join(self.notes)


def cooccurrence_network(
    documents: pd.DataFrame,
    *,
    area: str | None = None,
    category: str | None = None,
    min_doc_count: int = 2,
    min_cooccurrence: int = 2,
    max_nodes: int = 60,
    top_edges: int = 60,
    color_by: str = "community",
    seed: int = 1,
) -> Network:
    """Words that appear in the same answers, like KH Coder's 共起ネットワーク.

    Candidate words occur in at least ``min_doc_count`` answers; when there are more than
    ``max_nodes`` of them only the most frequent are kept (and a note says so). Between the
    candidates, the Jaccard coefficient over answers (both / either) is computed from a
    sparse answer × word matrix; pairs found together in at least ``min_cooccurrence``
    answers are ranked, and the ``top_edges`` strongest drawn. Words without an edge are
    left out. Positions come from networkx's spring layout with a fixed ``seed``.

    ``color_by``: "community" (networkx greedy modularity communities), or a grouping
    ("area", "category", "household" …): the group where the word is most over-represented
    (largest adjusted standardised residual, significant at 5% after a Bonferroni
    correction for the number of groups; otherwise 偏りなし).
    """
    if color_by != "community" and color_by not in GROUPINGS:
        known = "、".join(["community", *GROUPINGS])
        raise ValueError(f"color_by には {known} のどれかを指定してください（{color_by!r}）。")
    selected = select_documents(documents, area=area, category=category)
    subject = "・".join(str(x) for x in (area, category) if x is not None) or "全体"
    notes: list[str] = []
    words = _word_rows(selected).drop_duplicates(["doc", "word"])
    doc_counts = words["word"].value_counts()
    candidates = doc_counts[doc_counts >= min_doc_count]
    candidates = candidates.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    if len(candidates) > max_nodes:
        notes.append(
            f"{min_doc_count}件以上の回答に出てくる語が{len(candidates):,}語あるため、"
            f"出現回答数の多い上位{max_nodes}語に絞りました。"
        )
        candidates = candidates.iloc[:max_nodes]
    vocabulary = list(candidates.index)
    edges = _jaccard_edges(words, vocabulary, min_cooccurrence)
    if len(edges) > top_edges:
        notes.append(
            f"共起の強い上位{top_edges}本の線だけを描いています（条件を満たす線 {len(edges):,}本）。"
        )
        edges = edges.iloc[:top_edges].reset_index(drop=True)
    if edges.empty:
        notes.append("条件を満たす語の組み合わせがないため、ネットワークを描けません。")
        nodes = pd.DataFrame(
            columns=["word", "doc_count", "community", "color_group", "degree", "x", "y"]
        )
        return Network(nodes, edges, len(selected), color_by, tuple(notes), subject)

    import networkx as nx  # here: the other views (and the notebooks' start) do without it

    graph = nx.Graph()
    graph.add_weighted_edges_from(
        edges[["source", "target", "jaccard"]].itertuples(index=False), weight="jaccard"
    )
    # Nodes in a fixed order so the layout depends on the seed only.
    ordered = nx.Graph()
    ordered.add_nodes_from(w for w in vocabulary if w in graph)
    ordered.add_edges_from(graph.edges(data=True))
    positions = _layout(ordered, seed)
    communities = nx.community.greedy_modularity_communities(ordered, weight="jaccard")
    community_of = {
        word: number
        for number, members in enumerate(
            sorted(communities, key=lambda c: (-len(c), min(vocabulary.index(w) for w in c))),
            start=1,
        )
        for word in members
    }
    nodes = pd.DataFrame({"word": list(ordered.nodes)})
    nodes["doc_count"] = nodes["word"].map(doc_counts).astype("int64")
    nodes["community"] = nodes["word"].map(community_of).astype("int64")
    nodes["degree"] = [ordered.degree(word) for word in nodes["word"]]
    nodes["x"] = [float(positions[word][0]) for word in nodes["word"]]
    nodes["y"] = [float(positions[word][1]) for word in nodes["word"]]
    if (color_by == "area" and area is not None) or (color_by == "category" and category):
        notes.append(
            f"{GROUPINGS[color_by]}を1つに絞った図なので、色は{GROUPINGS[color_by]}ではなく"
            "語のグループ（よく一緒に出てくる語のまとまり）で分けています。"
        )
        color_by = "community"
    if color_by == "community":
        names = _community_names(nodes)
        nodes["color_group"] = [names[number] for number in nodes["community"]]
    else:
        leaning = word_leanings(selected, color_by, words=list(nodes["word"]))
        nodes["color_group"] = [str(leaning.get(word, NO_LEANING)) for word in nodes["word"]]
    return Network(nodes, edges, len(selected), color_by, tuple(notes), subject)


def _community_names(nodes: pd.DataFrame, words: int = 3) -> dict[int, str]:
    """Community number → its most frequent words joined with ・ (「買い物・バス・病院」)."""
    ordered = nodes.sort_values(["doc_count", "word"], ascending=[False, True])
    return {
        int(number): "・".join(group["word"].head(words))
        for number, group in ordered.groupby("community", sort=False)
    }


def _layout(graph: nx.Graph, seed: int) -> dict[str, tuple[float, float]]:
    """Spring layout per connected component, components packed in rows, largest first.

    One spring layout of a disconnected graph throws small components to the edges and
    squeezes the big one into the middle; laying each out in its own box keeps every word
    readable. Within a component, the seeded spring layout is refined by Kamada-Kawai,
    which spaces the words more evenly. Both are unweighted so that words linked to each
    other in a clique do not pile up; the edge widths show the strength instead.
    """
    import networkx as nx

    components = sorted(
        (sorted(c, key=list(graph.nodes).index) for c in nx.connected_components(graph)),
        key=lambda c: (-len(c), list(graph.nodes).index(c[0])),
    )
    sides = [1.25 * math.sqrt(len(c)) for c in components]
    gap = 0.8  # between components, in the units of the sides (about two node widths)
    row_width = max(math.sqrt(sum(side * side for side in sides)) * 1.3, sides[0])
    positions: dict[str, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for component, side in zip(components, sides, strict=True):
        if x > 0 and x + side > row_width:
            x, y, row_height = 0.0, y - row_height - gap, 0.0
        sub = graph.subgraph(component)
        if len(component) <= 2:
            local = {w: np.array([i * 0.8 - 0.4, 0.0]) for i, w in enumerate(component)}
        else:
            start = nx.spring_layout(sub, weight=None, seed=seed, iterations=100)
            local = nx.kamada_kawai_layout(sub, pos=start, weight=None)
        points = np.array([local[w] for w in component], dtype=float)
        span = np.ptp(points, axis=0)
        span[span == 0] = 1.0
        scaled = (points - points.min(axis=0)) / span.max() * side
        for word, (px, py) in zip(component, scaled, strict=True):
            positions[word] = (float(x + px), float(y - py))
        x += side + gap
        row_height = max(row_height, side)
    return positions


def _jaccard_edges(
    words: pd.DataFrame, vocabulary: Sequence[str], min_cooccurrence: int
) -> pd.DataFrame:
    """Jaccard coefficient between each pair of ``vocabulary`` over the answers of ``words``.

    ``words`` holds one row per (doc, word). The answer × word 0/1 matrix X gives the
    answers with both words as XᵀX and the answers with either as df_i + df_j − both.
    """
    columns = ["source", "target", "cooccurrence", "jaccard"]
    index = {word: i for i, word in enumerate(vocabulary)}
    present = words[words["word"].isin(index)]
    if present.empty or len(vocabulary) < 2:
        return pd.DataFrame(columns=columns)
    docs = pd.factorize(present["doc"])[0]
    matrix = sparse.csr_matrix(
        (np.ones(len(present)), (docs, present["word"].map(index).to_numpy())),
        shape=(int(docs.max()) + 1, len(vocabulary)),
    )
    both = sparse.triu(matrix.T @ matrix, k=1).tocoo()
    df = np.asarray(matrix.sum(axis=0)).ravel()
    keep = both.data >= min_cooccurrence
    rows, cols, counts = both.row[keep], both.col[keep], both.data[keep]
    jaccard = counts / (df[rows] + df[cols] - counts)
    edges = pd.DataFrame(
        {
            "source": [vocabulary[i] for i in rows],
            "target": [vocabulary[j] for j in cols],
            "cooccurrence": counts.astype("int64"),
            "jaccard": jaccard,
            "_i": rows,
            "_j": cols,
        }
    )
    edges = edges.sort_values(
        ["jaccard", "cooccurrence", "_i", "_j"], ascending=[False, False, True, True]
    )
    return edges[columns].reset_index(drop=True)


def jaccard_matrix(
    documents: pd.DataFrame, words: Sequence[str], *, area: str | None = None
) -> pd.DataFrame:
    """The Jaccard coefficient between each pair of the given words (a square table)."""
    selected = select_documents(documents, area=area)
    rows = _word_rows(selected).drop_duplicates(["doc", "word"])
    edges = _jaccard_edges(rows, list(words), min_cooccurrence=1)
    table = pd.DataFrame(0.0, index=list(words), columns=list(words))
    for source, target, value in edges[["source", "target", "jaccard"]].itertuples(index=False):
        table.loc[source, target] = table.loc[target, source] = value
    for word in words:
        table.loc[word, word] = 1.0 if word in set(rows["word"]) else 0.0
    return table


def word_leanings(
    documents: pd.DataFrame, by: str, *, words: Sequence[str] | None = None
) -> pd.Series:
    """word → the group it leans to most, from the answers with text.

    A word leans to the group where its adjusted standardised residual is largest, if that
    residual is significant at ``ASSOCIATION_ALPHA`` (two-sided) after a Bonferroni
    correction for the number of groups: with 30 圏域, the largest of 30 residuals passes
    1.96 for most words by chance alone, so the bar is 3.14 there (2.58 with 5 groups).
    Words that lean to no group are left out of the result.
    """
    selected = select_documents(documents)
    rows = _word_rows(selected).drop_duplicates(["doc", "word"])
    if words is not None:
        rows = rows[rows["word"].isin(set(words))]
    groups = _group_rows(selected, by)
    joined = rows.merge(groups, on="doc")
    table = pd.crosstab(joined["word"], joined["group"])
    if table.empty:
        return pd.Series(dtype=object)
    total = len(selected)
    group_sizes = groups.groupby("group").size().reindex(table.columns).to_numpy(dtype=float)
    word_docs = rows.groupby("word").size().reindex(table.index).to_numpy(dtype=float)
    residual = _adjusted_residuals(table.to_numpy(dtype=float), word_docs, group_sizes, total)
    residual = np.where(np.isnan(residual), -np.inf, residual)  # NaN: an empty margin
    best = residual.argmax(axis=1)
    strongest = residual[np.arange(len(best)), best]
    leaning = pd.Series(table.columns[best], index=table.index)
    threshold = NormalDist().inv_cdf(1 - ASSOCIATION_ALPHA / (2 * groups["group"].nunique()))
    return leaning[strongest >= threshold]


def _adjusted_residuals(
    observed: np.ndarray, row_totals: np.ndarray, column_totals: np.ndarray, total: float
) -> np.ndarray:
    """Adjusted standardised residual of every cell (rows: words present; columns: groups).

    The same formula as :func:`needs_analysis.gaps.adjusted_residual`, for arrays; NaN
    where a margin is empty or full.
    """
    expected = np.outer(row_totals, column_totals) / total
    variance = expected * np.outer(1 - row_totals / total, 1 - column_totals / total)
    with np.errstate(divide="ignore", invalid="ignore"):
        residual = (observed - expected) / np.sqrt(variance)
    return np.where(variance > 0, residual, np.nan)


# --------------------------------------------------------------------------- characteristic


def characteristic_words(
    documents: pd.DataFrame,
    by: str = "area",
    *,
    group: str | None = None,
    top_n: int = 20,
    min_doc_count: int = 3,
) -> pd.DataFrame:
    """The words that set each group apart from the rest, ranked by G².

    For each group (圏域, household type, category …) and word, the 2 × 2 table
    (answers in the group / the rest) × (contains the word / not) gives the
    log-likelihood ratio G² (scipy's ``xlogy``; p from χ² with 1 degree of freedom). Only
    words more frequent in the group than in the rest, in at least ``min_doc_count``
    answers of the group, are listed; ``top_n`` per group, ``group`` for one group only.

    Columns: ``by``, word, count_in, n_in, rate_in, count_out, n_out, rate_out, ratio, g2,
    p_value, rank.
    """
    selected = select_documents(documents)
    rows = _word_rows(selected).drop_duplicates(["doc", "word"])
    groups = _group_rows(selected, by)
    total = len(selected)
    n_in = groups.groupby("group").size()
    word_docs = rows.groupby("word").size()
    table = (
        rows.merge(groups, on="doc").groupby(["group", "word"]).size().reset_index(name="count_in")
    )
    if group is not None:
        table = table[table["group"] == group]
    table = table[table["count_in"] >= min_doc_count].copy()
    table["n_in"] = table["group"].map(n_in).astype("int64")
    # astype before subtracting: with pyarrow installed, mapping an empty text column keeps
    # the text dtype, which cannot be subtracted from.
    table["count_out"] = table["word"].map(word_docs).astype("int64") - table["count_in"]
    table["n_out"] = total - table["n_in"]
    table["rate_in"] = table["count_in"] / table["n_in"]
    table["rate_out"] = table["count_out"] / table["n_out"].where(table["n_out"] > 0)
    # Empty where the word never occurs outside the group (the ratio would be infinite).
    table["ratio"] = table["rate_in"] / table["rate_out"].where(table["rate_out"] > 0)
    table["g2"] = log_likelihood_ratio(
        table["count_in"].to_numpy(),
        table["n_in"].to_numpy(),
        table["count_out"].to_numpy(),
        table["n_out"].to_numpy(),
    )
    table["p_value"] = special.chdtrc(1, table["g2"].to_numpy())  # χ² upper tail, 1 df
    table = table[(table["n_out"] > 0) & (table["rate_in"] > table["rate_out"])]
    order = _group_order(by, groups["group"])
    table["_order"] = table["group"].map({g: i for i, g in enumerate(order)})
    table = table.sort_values(
        ["_order", "g2", "count_in", "word"], ascending=[True, False, False, True]
    )
    table["rank"] = table.groupby("group").cumcount() + 1
    table = table[table["rank"] <= top_n].rename(columns={"group": by})
    columns = [by, "word", "count_in", "n_in", "rate_in", "count_out", "n_out", "rate_out"]
    return table[[*columns, "ratio", "g2", "p_value", "rank"]].reset_index(drop=True)


def log_likelihood_ratio(
    count_in: np.ndarray, n_in: np.ndarray, count_out: np.ndarray, n_out: np.ndarray
) -> np.ndarray:
    """G² = 2 Σ O ln(O / E) of the 2 × 2 tables [[a, n_in − a], [c, n_out − c]], vectorised.

    >>> round(float(log_likelihood_ratio(10, 20, 10, 80)[0]), 3)
    12.071
    """
    a = np.atleast_1d(np.asarray(count_in, dtype=float))
    c = np.atleast_1d(np.asarray(count_out, dtype=float))
    n1 = np.atleast_1d(np.asarray(n_in, dtype=float))
    n2 = np.atleast_1d(np.asarray(n_out, dtype=float))
    total = n1 + n2
    observed = (a, n1 - a, c, n2 - c)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = (
            n1 * (a + c) / total,
            n1 * (total - a - c) / total,
            n2 * (a + c) / total,
            n2 * (total - a - c) / total,
        )
        g2 = 2 * sum(
            special.xlogy(o, o) - special.xlogy(o, e)
            for o, e in zip(observed, expected, strict=True)
        )
    return np.where(total > 0, np.maximum(g2, 0.0), np.nan)


# --------------------------------------------------------------------------- cross-tabulation


def category_crosstab(
    documents: pd.DataFrame,
    by: str | Sequence[str] = CROSSTAB_DIMENSIONS,
    *,
    min_count: int = DEFAULT_MIN_COUNT,
    labels: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Categories by age group, sex and household type, with small cells suppressed.

    For each dimension in ``by`` and each of its levels: n = respondents of the level who
    wrote an answer, count = those whose answer carries the category, rate = count / n,
    and the adjusted standardised residual of the cell in the table levels × (has / has
    not). A count from 1 to ``min_count`` − 1 is suppressed: count, rate and residual are
    empty, ``count_label`` reads 「5未満」 and ``suppressed`` is True. ``labels`` fixes the
    categories and their order (default: as they first appear). Works on the documents
    frame or on classified responses (``has_text`` and ``categories``).

    Columns: dimension, level, category, n, n_label, count, count_label, rate, residual,
    suppressed.
    """
    dimensions = [by] if isinstance(by, str) else list(by)
    require_columns(documents, ["categories", *dimensions], "回答の表")
    if "has_text" in documents.columns:
        answered = documents[documents["has_text"].astype(bool)]
    else:
        answered = documents[documents["categories"].map(lambda v: bool(label_set(v)))]
    sets = [label_set(value) for value in answered["categories"]]
    if labels is None:
        labels = _labels_by_frequency(sets)
    total = len(answered)
    records: list[dict[str, object]] = []
    for dimension in dimensions:
        levels = [_level(value) for value in answered[dimension]]
        for label in labels:
            has = np.array([label in s for s in sets], dtype=bool)
            has_total = int(has.sum())
            for level in _group_order(dimension, levels):
                in_level = np.array([lv == level for lv in levels], dtype=bool)
                n = int(in_level.sum())
                count = int((has & in_level).sum())
                residual = adjusted_residual(count, n, has_total - count, total - n)
                small = Disclosure(min_count).is_small(count)
                records.append(
                    {
                        "dimension": dimension,
                        "level": level,
                        "category": label,
                        "n": n,
                        "n_label": suppress_count(n, min_count),
                        "count": pd.NA if small else count,
                        "count_label": suppress_count(count, min_count),
                        "rate": math.nan if small or n == 0 else count / n,
                        "residual": math.nan if small else residual,
                        "suppressed": small,
                        "_raw": count,
                    }
                )
    result = pd.DataFrame(
        records,
        columns=[
            "dimension",
            "level",
            "category",
            "n",
            "n_label",
            "count",
            "count_label",
            "rate",
            "residual",
            "suppressed",
            "_raw",
        ],
    )
    return _complements(result, Disclosure(min_count)).drop(columns="_raw")


def _complements(result: pd.DataFrame, rule: Disclosure) -> pd.DataFrame:
    """Hide further cells where a small one could be found by subtraction from a total.

    The levels of a dimension add up to all answers (n) and, per category, to the town's
    count of the category, which the plan table publishes.
    """
    result = result.copy()
    status = rule.protect(result, "_raw", ["dimension", "category"])
    levels = result.drop_duplicates(["dimension", "level"])
    n_status = rule.protect(levels, "n", ["dimension"])
    level_status = dict(
        zip(zip(levels["dimension"], levels["level"], strict=True), n_status, strict=True)
    )
    keys = list(zip(result["dimension"], result["level"], strict=True))
    level_hidden = np.array([level_status[key] != SHOWN for key in keys], dtype=bool)
    complement = (status == COMPLEMENT).to_numpy()
    result.loc[complement, "count_label"] = COMPLEMENT_LABEL
    result.loc[complement, "count"] = pd.NA
    result["n_label"] = [
        rule.label(n, level_status[key]) for n, key in zip(result["n"], keys, strict=True)
    ]
    hidden = complement | level_hidden
    result.loc[hidden, ["rate", "residual"]] = math.nan
    result["suppressed"] = result["suppressed"] | complement
    result["count"] = result["count"].astype("Int64")
    return result


def _labels_by_frequency(sets: Sequence[frozenset[str]]) -> list[str]:
    """Categories from the most frequent down; the no-need category (その他) last."""
    counts = pd.Series([label for labels in sets for label in labels], dtype=object)
    ordered = (
        counts.value_counts(sort=False).sort_index().sort_values(ascending=False, kind="stable")
    )
    labels = list(ordered.index)
    return [label for label in labels if label != OTHER_LABEL] + (
        [OTHER_LABEL] if OTHER_LABEL in labels else []
    )


def crosstab_table(
    crosstab: pd.DataFrame, threshold: float = ASSOCIATION_THRESHOLD
) -> pd.DataFrame:
    """The cross-tabulation as a Japanese display table: a row per level, a column per category.

    A cell reads 「12人（34.5%）▲」: ▲ where the adjusted residual is above ``threshold``
    (more than the other levels), ▽ where it is below −``threshold``; suppressed cells
    read 「5未満」 alone.
    """

    def cell(row: pd.Series) -> str:
        if row["suppressed"]:
            return str(row["count_label"])
        text = f"{row['count_label']}人"
        if not pd.isna(row["rate"]):
            text += f"（{row['rate'] * 100:.1f}%）"
        if not pd.isna(row["residual"]):
            text += (
                "▲" if row["residual"] > threshold else "▽" if row["residual"] < -threshold else ""
            )
        return text

    if crosstab.empty:
        return pd.DataFrame()
    categories = list(dict.fromkeys(crosstab["category"]))
    rows: dict[tuple[str, str], dict[str, object]] = {}
    for _, record in crosstab.iterrows():
        key = (record["dimension"], record["level"])
        row = rows.setdefault(
            key,
            {
                "集計の軸": GROUPINGS.get(record["dimension"], record["dimension"]),
                "区分": record["level"],
                "自由記述の回答者数": record["n_label"],
            },
        )
        row[record["category"]] = cell(record)
    table = pd.DataFrame(list(rows.values()))
    return table[["集計の軸", "区分", "自由記述の回答者数", *categories]]


# --------------------------------------------------------------------------- display


def japanese_headers(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with Japanese column headers; list-like cells (categories) joined with ・.

    Token columns (tokens, starts, lemmas, surfaces) are dropped: they are for computing.
    """
    shown = frame.drop(
        columns=[c for c in ("tokens", "starts", "lemmas", "surfaces") if c in frame.columns]
    )
    for column in shown.columns:
        if (
            shown[column].dtype == object
            and shown[column].map(lambda v: isinstance(v, (tuple, list, set, frozenset))).any()
        ):
            shown[column] = shown[column].map(
                lambda v: (
                    "・".join(map(str, v)) if isinstance(v, (tuple, list, set, frozenset)) else v
                )
            )
    return shown.rename(columns=COLUMN_LABELS)


def style_kwic(lines: pd.DataFrame, show_text: bool = False):
    """A KWIC table (``kwic`` / ``why_labeled``) styled for a notebook: Japanese headers,
    left context aligned to the keyword, keyword in bold. Returns a pandas Styler.

    The whole answer (``text``) is left out unless ``show_text``.
    """
    shown = lines if show_text else lines.drop(columns=["text"], errors="ignore")
    shown = japanese_headers(shown)
    left, keyword = COLUMN_LABELS["left"], COLUMN_LABELS["keyword"]
    return (
        shown.style.hide(axis="index")
        .set_properties(subset=[left], **{"text-align": "right", "white-space": "nowrap"})
        .set_properties(
            subset=[keyword], **{"font-weight": "bold", "color": "#b03a2e", "text-align": "center"}
        )
    )
