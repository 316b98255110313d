"""Co-occurrence networks and word leanings: which words go together, and with which groups."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import sparse

if TYPE_CHECKING:
    import networkx as nx

from needs_analysis.textstats.common import (
    ASSOCIATION_ALPHA,
    GROUPINGS,
    NO_LEANING,
)
from needs_analysis.textstats.documents import (
    _group_rows,
    _word_rows,
    select_documents,
)

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
    vocabulary = _candidate_words(doc_counts, min_doc_count, max_nodes, notes)
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
    nodes = _network_nodes(edges, vocabulary, doc_counts, seed)
    if (color_by == "area" and area is not None) or (color_by == "category" and category):
        notes.append(
            f"{GROUPINGS[color_by]}を1つに絞った図なので、色は{GROUPINGS[color_by]}ではなく"
            "語のグループ（よく一緒に出てくる語のまとまり）で分けています。"
        )
        color_by = "community"
    nodes["color_group"] = _color_groups(nodes, selected, color_by)
    return Network(nodes, edges, len(selected), color_by, tuple(notes), subject)


def _color_groups(nodes: pd.DataFrame, selected: pd.DataFrame, color_by: str) -> list[str]:
    """Each node's colour group: its community's name, or the group it leans towards."""
    if color_by == "community":
        names = _community_names(nodes)
        return [names[number] for number in nodes["community"]]
    leaning = word_leanings(selected, color_by, words=list(nodes["word"]))
    return [str(leaning.get(word, NO_LEANING)) for word in nodes["word"]]


def _candidate_words(
    doc_counts: pd.Series, min_doc_count: int, max_nodes: int, notes: list[str]
) -> list[str]:
    """Words in at least ``min_doc_count`` answers, the ``max_nodes`` most frequent (a note
    says so when some are left out); ties in alphabetical order."""
    candidates = doc_counts[doc_counts >= min_doc_count]
    candidates = candidates.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    if len(candidates) > max_nodes:
        notes.append(
            f"{min_doc_count}件以上の回答に出てくる語が{len(candidates):,}語あるため、"
            f"出現回答数の多い上位{max_nodes}語に絞りました。"
        )
        candidates = candidates.iloc[:max_nodes]
    return list(candidates.index)


def _network_nodes(
    edges: pd.DataFrame, vocabulary: list[str], doc_counts: pd.Series, seed: int
) -> pd.DataFrame:
    """The words with an edge: answers, community, degree and position."""
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
    return nodes


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

    The same formula as :func:`needs_analysis.gaps.table.adjusted_residual`, for arrays; NaN
    where a margin is empty or full.
    """
    expected = np.outer(row_totals, column_totals) / total
    variance = expected * np.outer(1 - row_totals / total, 1 - column_totals / total)
    with np.errstate(divide="ignore", invalid="ignore"):
        residual = (observed - expected) / np.sqrt(variance)
    return np.where(variance > 0, residual, np.nan)
