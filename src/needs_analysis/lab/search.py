"""Searching the masked answers: by word (any inflection or spelling), phrase or plain text,
narrowed by 圏域, category and attributes, with the disclosure rule applied to every result.

Only masked text is ever returned, and never beside a respondent's ID or attributes. A
selection of fewer answers than the disclosure threshold gives its count as 「5未満」 and
no text at all, so that narrowing the filters cannot single a respondent out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from needs_analysis.frames import label_set
from needs_analysis.privacy.disclosure import Disclosure
from needs_analysis.text.normalize import normalize_text
from needs_analysis.textstats.frequencies import kwic

WORD = "word"  # a word or phrase, by lemma: 送って finds 送る, ごみ finds ゴミ
TEXT = "text"  # the characters as written in the masked answer
MODES = {WORD: "語・句（活用・表記ゆれも）", TEXT: "文字列（書いたとおり）"}
ATTRIBUTES = ("age_group", "sex", "household")


@dataclass(frozen=True)
class Filters:
    """Which answers to look in: "" means any."""

    area: str = ""
    category: str = ""
    age_group: str = ""
    sex: str = ""
    household: str = ""

    def select(self, documents: pd.DataFrame) -> pd.DataFrame:
        """The answers with text that pass every filter (document index kept)."""
        keep = documents["has_text"].astype(bool)
        for column in ("area", *ATTRIBUTES):
            value = getattr(self, column)
            if value and column in documents.columns:
                keep &= documents[column].astype(str) == value
        if self.category:
            keep &= documents["categories"].map(lambda found: self.category in label_set(found))
        return documents.loc[keep]


@dataclass(frozen=True)
class Found:
    """What a search may show: the count as printed, and the answers when allowed.

    ``answers``: doc (the row of the documents frame), text (masked), categories.
    ``hidden``: the count is under the threshold, so no text is shown.
    """

    count: int
    label: str
    answers: pd.DataFrame
    hidden: bool
    notes: tuple[str, ...] = field(default_factory=tuple)


def search_answers(
    documents: pd.DataFrame,
    query: str,
    filters: Filters = Filters(),
    *,
    mode: str = WORD,
    min_count: int = 5,
    limit: int = 200,
) -> Found:
    """The answers that contain ``query`` (all answers when it is empty) under ``filters``."""
    scope = filters.select(documents)
    query = normalize_text(query)
    if query and mode == WORD:
        matched = _word_matches(scope, query)
    elif query:
        matched = scope[scope["text"].str.contains(query, regex=False)]
    else:
        matched = scope
    return _disclosed(matched, Disclosure(min_count), limit)


def _word_matches(scope: pd.DataFrame, query: str) -> pd.DataFrame:
    """The answers where the query's lemmas occur (the KWIC view's matching)."""
    if scope.empty:
        return scope
    lines = kwic(_with_doc(scope), query)
    if lines.empty:
        return scope.iloc[0:0]
    docs = list(dict.fromkeys(lines["respondent_id"]))
    return scope.loc[docs]


def _with_doc(scope: pd.DataFrame) -> pd.DataFrame:
    """The scope with each answer's row of the documents frame in place of its ID, so that
    a KWIC line leads back to its answer without the ID ever leaving this module."""
    return scope.assign(respondent_id=scope.index.to_numpy())


def _disclosed(matched: pd.DataFrame, rule: Disclosure, limit: int) -> Found:
    count = len(matched)
    if rule.is_small(count):
        note = f"該当する回答が{rule.threshold}件未満のため、回答は表示しません。"
        return Found(count, rule.label(count), _answer_frame(matched.iloc[0:0]), True, (note,))
    notes: tuple[str, ...] = ()
    if count > limit:
        notes = (f"{count:,}件のうち、初めの{limit:,}件を表示しています。",)
    return Found(count, rule.label(count), _answer_frame(matched.head(limit)), False, notes)


def _answer_frame(matched: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "doc": matched.index.to_list(),
            "text": matched["text"].to_list(),
            "categories": ["・".join(sorted(label_set(v))) for v in matched["categories"]],
        }
    )


def kwic_lines(
    documents: pd.DataFrame,
    word: str,
    filters: Filters = Filters(),
    *,
    width: int = 20,
    sort: str = "right",
    min_count: int = 5,
) -> Found:
    """Keyword in context under the filters: doc, left, keyword, right (no IDs or attributes).

    The disclosure rule counts the answers the lines come from.
    """
    scope = filters.select(documents)
    lines = kwic(_with_doc(scope), word, width=width, sort=sort) if not scope.empty else None
    rule = Disclosure(min_count)
    answers = 0 if lines is None or lines.empty else lines["respondent_id"].nunique()
    if lines is None or lines.empty or rule.is_small(answers):
        empty = pd.DataFrame(columns=["doc", "left", "keyword", "right"])
        notes = (
            (f"該当する回答が{rule.threshold}件未満のため、文脈は表示しません。",)
            if rule.is_small(answers)
            else (f"「{word}」を含む回答はありません。",)
        )
        return Found(answers, rule.label(answers), empty, bool(answers), notes)
    shown = lines.rename(columns={"respondent_id": "doc"})[["doc", "left", "keyword", "right"]]
    return Found(answers, rule.label(answers), shown.reset_index(drop=True), False)


def answer_text(documents: pd.DataFrame, doc: int) -> tuple[str, str]:
    """One answer whole: its masked text and its categories (nothing else about it)."""
    row = documents.loc[doc]
    return str(row["text"]), "・".join(sorted(label_set(row["categories"])))


def filter_choices(documents: pd.DataFrame, column: str) -> list[str]:
    """The values a filter offers, in the data's order (areas) or sorted (attributes)."""
    if column not in documents.columns:
        return []
    values = [str(v) for v in documents[column].dropna().unique() if str(v).strip()]
    return values if column == "area" else sorted(values)
