"""Characteristic words: the words that set a group (圏域, household type, category …)
apart from the rest of the answers, ranked by the log-likelihood ratio G²."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from needs_analysis.textstats.documents import (
    _group_order,
    _group_rows,
    _word_rows,
    select_documents,
)


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


def group_word_counts(
    documents: pd.DataFrame, by: str, words: list[str] | None = None
) -> pd.DataFrame:
    """Answers that contain each word, per group (圏域, household type …): the counts whose
    sum over the groups is the word's answer count. Columns: ``by``, word, count (groups
    with none are left out)."""
    selected = select_documents(documents)
    rows = _word_rows(selected).drop_duplicates(["doc", "word"])
    if words is not None:
        rows = rows[rows["word"].isin(set(words))]
    groups = _group_rows(selected, by)
    table = rows.merge(groups, on="doc").groupby(["group", "word"]).size()
    return table.reset_index(name="count").rename(columns={"group": by})
