"""Word frequencies, keyword in context (KWIC) and why an answer got its category."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from needs_analysis.frames import require_columns
from needs_analysis.text.normalize import normalize_text
from needs_analysis.text.tokens import (
    Token,
)

if TYPE_CHECKING:
    from needs_analysis.coding.rules import RuleSet
from needs_analysis.textstats.common import (
    _FUNCTION_POS,
    HIGHLIGHT_CLOSE,
    HIGHLIGHT_OPEN,
    SortOrder,
)
from needs_analysis.textstats.documents import (
    _group_order,
    _group_rows,
    _rules_of,
    _word_rows,
    select_documents,
)

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
    rows = lines["_row"].to_numpy(dtype=np.int64)
    joined = selected[attributes].reset_index(drop=True).iloc[rows].reset_index(drop=True)
    result = pd.concat([joined, lines.reset_index(drop=True)], axis=1)
    # Each line refers to its answer's text instead of copying it (a text column of
    # pandas' string type would copy a long answer once per occurrence of the word).
    texts = selected["text"].to_numpy(dtype=object)
    result["text"] = pd.Series(texts[rows], dtype=object)
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
