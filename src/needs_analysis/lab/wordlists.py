"""The town's word lists, edited from the workbench: its stop words (``stopwords.txt``
beside the config) and its forced-extraction words (compounds kept whole: the user
dictionary of ``[dictionary] user``), and compound-word suggestions.

Suggestions are adjacent nouns in the masked answers (「配食」+「サービス」) ranked by
Dunning's log-likelihood ratio G² of the pair against independence: the 2 × 2 table of
all adjacent token pairs (first word is A or not) × (second word is B or not). A pair is
suggested when it occurs at least ``min_count`` times, more often than chance (B follows A
more often than it follows other words), and is not in the user dictionary yet; the
pointwise mutual information log₂(P(AB) / P(A)P(B)) is shown beside G².
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from pathlib import Path

import pandas as pd

from needs_analysis.config.settings import Config
from needs_analysis.config.stopwords import read_stopwords, stopwords_path
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.privacy.masking import MASKS
from needs_analysis.text.mecab import read_user_words
from needs_analysis.text.normalize import normalize_text
from needs_analysis.textstats.characteristic import log_likelihood_ratio

USER_DICTIONARY_HEADER = ("表記", "読み", "種類")
NOUN = "名詞"
_NOT_COMPOUNDABLE = ("名詞-数詞", "名詞-固有名詞-人名")
STOPWORDS_HEADER = (
    "# 語の一覧・共起ネットワークなどで数えない語（1行1語）。次の needs-analysis run から使います。"
)


def save_stopwords(config: Config, words: list[str]) -> Path:
    """Write the town's stop words (blanks and repeats dropped); returns the file."""
    path = stopwords_path(config)
    cleaned = list(dict.fromkeys(w for w in (normalize_text(word) for word in words) if w))
    partial = path.with_suffix(".tmp")
    partial.write_text("\n".join([STOPWORDS_HEADER, *cleaned]) + "\n", encoding="utf-8")
    partial.replace(path)
    return path


def add_stopwords(config: Config, words: list[str]) -> tuple[str, ...]:
    """Add words to the town's stop words; returns the whole list."""
    current = list(read_stopwords(stopwords_path(config)))
    save_stopwords(config, [*current, *words])
    return read_stopwords(stopwords_path(config))


def remove_stopwords(config: Config, words: list[str]) -> tuple[str, ...]:
    drop = {normalize_text(word) for word in words}
    current = [w for w in read_stopwords(stopwords_path(config)) if w not in drop]
    save_stopwords(config, current)
    return read_stopwords(stopwords_path(config))


def forced_words(config: Config) -> list[str]:
    """The town's forced-extraction words (the user dictionary's 表記)."""
    if config.user_dictionary is None or not config.user_dictionary.is_file():
        return []
    return [surface for surface, _, _ in read_user_words(config.user_dictionary)]


def add_forced_words(config: Config, words: list[str]) -> list[str]:
    """Append words to the user dictionary as nouns (read as written); returns the new ones.

    The file keeps its other lines as they are; a word already there is not added twice.
    """
    path = config.user_dictionary
    if path is None:
        raise NeedsAnalysisError(
            f"設定ファイル {config.path} に [dictionary] の user（ユーザー辞書の CSV）がありません。"
            '「[dictionary]」の下に「user = "user_dictionary.csv"」と書いてから追加してください。'
        )
    known = set(forced_words(config))
    new: list[str] = []
    for word in (normalize_text(w) for w in words):
        if not word or word in known or word in new:
            continue
        if "," in word or " " in word:
            raise NeedsAnalysisError(f"「{word}」には区切りの記号や空白を含められません。")
        new.append(word)
    if not new:
        return []
    exists = path.is_file() and path.stat().st_size > 0
    text = path.read_text(encoding="utf-8-sig") if exists else ""
    with path.open("a", encoding="utf-8", newline="") as handle:
        if not exists:
            csv.writer(handle, lineterminator="\n").writerow(USER_DICTIONARY_HEADER)
        elif not text.endswith("\n"):
            handle.write("\n")
        writer = csv.writer(handle, lineterminator="\n")
        for word in new:
            writer.writerow([word, "", NOUN])
    return new


def suggest_compounds(
    documents: pd.DataFrame, *, min_count: int = 3, top_n: int = 30, known: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Adjacent noun pairs that occur together far more than chance, strongest first.

    Columns: compound, first, second, count, g2, pmi.
    """
    pairs, firsts, seconds, total = _adjacent_pairs(documents)
    columns = ["compound", "first", "second", "count", "g2", "pmi"]
    rows = []
    for (first, second), count in pairs.items():
        if count < min_count or (first + second) in known:
            continue
        n_in, after_b = firsts[first], seconds[second]
        out, n_out = after_b - count, total - n_in
        if n_out <= 0 or count / n_in <= out / n_out:
            continue
        g2 = float(log_likelihood_ratio(count, n_in, out, n_out)[0])
        pmi = math.log2(count * total / (n_in * after_b))
        rows.append((first + second, first, second, count, g2, pmi))
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(["g2", "count", "compound"], ascending=[False, False, True])
    return table.head(top_n).reset_index(drop=True)


def _adjacent_pairs(documents: pd.DataFrame) -> tuple[Counter, Counter, Counter, int]:
    """Noun-noun pairs written side by side, and every adjacent token pair's first and
    second words (the margins of G²)."""
    pairs: Counter = Counter()
    firsts: Counter = Counter()
    seconds: Counter = Counter()
    total = 0
    texts = documents[documents["has_text"].astype(bool)]
    for tokens, starts in zip(texts["tokens"], texts["starts"], strict=True):
        for i in range(len(tokens) - 1):
            a, b = tokens[i], tokens[i + 1]
            if starts[i] < 0 or starts[i] + len(a.surface) != starts[i + 1]:
                continue
            total += 1
            firsts[a.surface] += 1
            seconds[b.surface] += 1
            if _compoundable(a) and _compoundable(b):
                pairs[(a.surface, b.surface)] += 1
    return pairs, firsts, seconds, total


def _compoundable(token) -> bool:
    return (
        token.pos.startswith(NOUN)
        and not token.pos.startswith(_NOT_COMPOUNDABLE)
        and not any(mark in token.surface for mark in ("【", "】", *MASKS))
    )
