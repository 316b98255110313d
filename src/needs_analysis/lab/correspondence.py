"""Correspondence analysis of words × 圏域 (or an attribute) and the clustering of words,
as KH Coder draws them (対応分析, 階層的クラスター分析).

The correspondence analysis is the singular value decomposition of the table's standardised
residuals (Greenacre, *Correspondence Analysis in Practice*, ch. 4 and appendix A):
S = D_r^{-1/2} (P − r cᵀ) D_c^{-1/2} = U Σ Vᵀ; the principal inertias are σ², the rows'
principal coordinates D_r^{-1/2} U Σ and the columns' D_c^{-1/2} V Σ. The words are
clustered by their Jaccard distance over the answers (1 − answers with both / answers with
either), average linkage (scipy), as KH Coder clusters words by default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy
from scipy.spatial.distance import squareform

from needs_analysis.privacy.disclosure import Disclosure
from needs_analysis.textstats.common import GROUPINGS
from needs_analysis.textstats.documents import _group_rows, _word_rows, select_documents
from needs_analysis.textstats.network import jaccard_matrix


@dataclass(frozen=True)
class CorrespondenceResult:
    """Principal coordinates of rows and columns, the principal inertias and their shares."""

    rows: pd.DataFrame
    columns: pd.DataFrame
    inertias: np.ndarray
    total_inertia: float

    @property
    def explained(self) -> np.ndarray:
        """Each dimension's share of the total inertia."""
        return self.inertias / self.total_inertia


def correspondence_analysis(table: pd.DataFrame, dimensions: int = 2) -> CorrespondenceResult:
    """Simple correspondence analysis of a table of counts (rows × columns)."""
    counts = table.to_numpy(dtype=float)
    if counts.ndim != 2 or min(counts.shape) < 2 or counts.sum() <= 0:
        raise ValueError("対応分析には2行2列以上の、0でない表が必要です。")
    keep_rows, keep_cols = counts.sum(axis=1) > 0, counts.sum(axis=0) > 0
    table = table.loc[keep_rows, keep_cols]
    p = table.to_numpy(dtype=float) / counts.sum()
    r, c = p.sum(axis=1), p.sum(axis=0)
    residuals = (p - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    u, sigma, vt = np.linalg.svd(residuals, full_matrices=False)
    rank = min(p.shape) - 1
    u, sigma, vt = u[:, :rank], sigma[:rank], vt[:rank]
    # One sign per dimension, whatever the LAPACK build: the largest row coordinate positive.
    signs = np.sign(u[np.abs(u).argmax(axis=0), np.arange(rank)])
    u, vt = u * signs, vt * signs[:, None]
    shown = min(dimensions, rank)
    names = [f"dim{k + 1}" for k in range(shown)]
    row_coords = (u[:, :shown] * sigma[:shown]) / np.sqrt(r)[:, None]
    col_coords = (vt[:shown].T * sigma[:shown]) / np.sqrt(c)[:, None]
    return CorrespondenceResult(
        pd.DataFrame(row_coords, index=table.index, columns=names),
        pd.DataFrame(col_coords, index=table.columns, columns=names),
        sigma**2,
        float((residuals**2).sum()),
    )


def word_group_table(
    documents: pd.DataFrame,
    by: str = "area",
    *,
    top_words: int = 60,
    min_doc_count: int = 3,
    min_count: int = 5,
) -> tuple[pd.DataFrame, list[str]]:
    """Answers containing each word, per group: the ``top_words`` commonest words (in at
    least ``min_doc_count`` answers) × the groups with at least ``min_count`` answers.

    Returns the table and Japanese notes (groups left out for having too few answers).
    """
    selected = select_documents(documents)
    words = _word_rows(selected).drop_duplicates(["doc", "word"])
    groups = _group_rows(selected, by)
    sizes = groups.groupby("group").size()
    rule = Disclosure(min_count)
    small = [str(g) for g, n in sizes.items() if rule.is_small(n)]
    joined = words.merge(groups[~groups["group"].isin(small)], on="doc")
    doc_counts = joined.drop_duplicates(["doc", "word"])["word"].value_counts()
    common = doc_counts[doc_counts >= min_doc_count]
    common = common.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    chosen = list(common.index[:top_words])
    table = pd.crosstab(joined["word"], joined["group"]).reindex(chosen).fillna(0).astype(int)
    notes = []
    if small:
        label = GROUPINGS.get(by, by)
        notes.append(
            f"回答が{rule.threshold}件未満の{label}（{len(small)}件）は表から除いています。"
        )
    return table, notes


@dataclass(frozen=True)
class WordClusters:
    """The words, their linkage matrix (scipy) and each word's cluster number (1 …)."""

    words: list[str]
    linkage: np.ndarray
    clusters: pd.Series


def cluster_words(documents: pd.DataFrame, words: list[str], n_clusters: int = 6) -> WordClusters:
    """Average-linkage clustering of ``words`` by Jaccard distance over the answers."""
    if len(words) < 3:
        raise ValueError("クラスター分析には3語以上が必要です。")
    similarity = jaccard_matrix(documents, words).to_numpy(dtype=float)
    distance = 1.0 - similarity
    np.fill_diagonal(distance, 0.0)
    linkage = hierarchy.linkage(squareform(distance, checks=False), method="average")
    labels = hierarchy.fcluster(linkage, t=min(n_clusters, len(words)), criterion="maxclust")
    return WordClusters(list(words), linkage, pd.Series(labels, index=list(words), name="cluster"))
