"""The opinion map: every answer placed by meaning and grouped in two layers, as the
broad-listening tools (広聴AI, Talk to the City) draw it, offline and without any
language-model service.

- Meaning: the e5-small embedding of each masked answer (the encoder the classifier uses;
  computed once and kept in the embeddings cache), reduced to two dimensions by t-SNE
  (scikit-learn, PCA start, fixed seed) for the picture only.
- Groups: k-means on the embeddings gives about ∛n² sub-groups; Ward linkage of their
  centres (scipy) joins them into about ∛n groups, so every sub-group lies in one group
  (the two layers the tools use by default).
- Names: each group's characteristic words (the log-likelihood ratio G² of the answers
  containing a word in the group against the rest, as the word views rank them) and its
  most typical masked answer (the one nearest the group's centre).
- Privacy: group sizes go through the disclosure rule; a group of fewer answers than the
  threshold is shown as 「5未満」 with neither words nor an answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.cluster import hierarchy

from needs_analysis.privacy.disclosure import Disclosure
from needs_analysis.textstats.characteristic import log_likelihood_ratio
from needs_analysis.textstats.documents import _word_rows

SMALL_GROUP = "少数の回答のまとまり"
SEED = 0


def layer_sizes(n: int) -> tuple[int, int]:
    """About ∛n groups and ∛n² sub-groups (at least 1, at most n), the tools' default."""
    groups = max(1, min(n, round(n ** (1 / 3))))
    subgroups = max(groups, min(n, round(n ** (2 / 3))))
    return groups, subgroups


def embed_answers(texts: list[str]) -> np.ndarray:
    """The e5 embeddings of the masked answers, from the embeddings cache where kept."""
    from needs_analysis.classify.encoder import embeddings

    return embeddings(texts)


def reduce(vectors: np.ndarray, dimensions: int = 50) -> np.ndarray:
    """The embeddings' first principal components (most of their variance, far faster to
    lay out and group than 384 numbers)."""
    from sklearn.decomposition import PCA

    keep = min(dimensions, len(vectors), vectors.shape[1])
    if keep < 2:
        return np.asarray(vectors, dtype=float)
    return PCA(n_components=keep, random_state=SEED).fit_transform(vectors)


def place_answers(vectors: np.ndarray) -> np.ndarray:
    """Two coordinates per answer: t-SNE of the embeddings' principal components (PCA
    alone for very few answers)."""
    from sklearn.manifold import TSNE

    n = len(vectors)
    if n < 10:
        return reduce(vectors, 2) if n >= 2 else np.zeros((n, 2))
    perplexity = float(min(30, max(5, (n - 1) // 3)))
    tsne = TSNE(2, perplexity=perplexity, init="pca", random_state=SEED, max_iter=300)
    return tsne.fit_transform(reduce(vectors))


def group_answers(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(group, sub-group) of each answer, numbered from 1, largest first in each layer."""
    from sklearn.cluster import KMeans

    n_groups, n_sub = layer_sizes(len(vectors))
    if len(vectors) < 2:
        ones = np.ones(len(vectors), dtype=int)
        return ones, ones
    kmeans = KMeans(n_clusters=n_sub, n_init=1, random_state=SEED).fit(reduce(vectors))
    sub = kmeans.labels_
    if n_sub > 1 and n_groups > 1:
        linkage = hierarchy.linkage(kmeans.cluster_centers_, method="ward")
        of_sub = hierarchy.fcluster(linkage, t=n_groups, criterion="maxclust")
    else:
        of_sub = np.ones(n_sub, dtype=int)
    return _by_size(of_sub[sub]), _by_size(sub)


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber labels 1, 2, … from the largest group down (ties: first seen)."""
    values, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(values)), key=lambda i: (-counts[i], first[i]))
    number = {values[i]: rank for rank, i in enumerate(order, start=1)}
    return np.array([number[v] for v in labels], dtype=int)


@dataclass(frozen=True)
class OpinionMap:
    """``points``: doc, x, y, group, subgroup (one row per answer with text).
    ``groups``: level (1: group, 2: sub-group), group, subgroup, size, size_label, name,
    words, typical (a masked answer, "" for a small group)."""

    points: pd.DataFrame
    groups: pd.DataFrame


def opinion_map(
    documents: pd.DataFrame, vectors: np.ndarray, coords: np.ndarray, min_count: int = 5
) -> OpinionMap:
    """The map of the answers with text (``vectors`` and ``coords`` in their order)."""
    scope = documents[documents["has_text"].astype(bool)]
    group, sub = group_answers(vectors)
    points = pd.DataFrame(
        {
            "doc": scope.index.to_numpy(),
            "x": coords[:, 0],
            "y": coords[:, 1],
            "group": group,
            "subgroup": sub,
        }
    )
    rule = Disclosure(min_count)
    words = _word_rows(scope).drop_duplicates(["doc", "word"])
    rows = []
    for level, key in ((1, "group"), (2, "subgroup")):
        for number, members in points.groupby(key, sort=True):
            rows.append(_describe(scope, words, vectors, members, level, number, rule))
    return OpinionMap(points, pd.DataFrame(rows))


def _describe(scope, words, vectors, members, level, number, rule: Disclosure) -> dict:
    size = len(members)
    parent = int(members["group"].iloc[0])
    row = {
        "level": level,
        "group": parent,
        "subgroup": int(number) if level == 2 else 0,
        "size": size,
        "size_label": rule.label(size),
    }
    if rule.is_small(size):
        return {**row, "name": SMALL_GROUP, "words": "", "typical": ""}
    positions = members.index.to_numpy()
    top = characteristic_of(words, len(scope), positions)
    centre = vectors[positions].mean(axis=0)
    typical = positions[int(np.argmax(vectors[positions] @ centre))]
    name = "・".join(top[:3]) or f"まとまり{number}"
    return {**row, "name": name, "words": "、".join(top), "typical": scope["text"].iloc[typical]}


def characteristic_of(
    words: pd.DataFrame, n_answers: int, positions: np.ndarray, top_n: int = 5
) -> list[str]:
    """The words of the answers at ``positions`` most over-represented there against the
    rest of the ``n_answers``, by G² (words in at least two of the answers). ``words``:
    one row per (doc, word), doc being the answer's position."""
    inside = words["doc"].isin(set(positions.tolist()))
    count_in = words[inside]["word"].value_counts()
    count_all = words["word"].value_counts()
    count_in = count_in[count_in >= 2]
    if count_in.empty:
        return []
    n_in, n_out = len(positions), n_answers - len(positions)
    out = count_all.reindex(count_in.index).to_numpy() - count_in.to_numpy()
    g2 = log_likelihood_ratio(count_in.to_numpy(), n_in, out, max(n_out, 0))
    higher = count_in.to_numpy() / n_in > (out / n_out if n_out else 0)
    ranked = pd.DataFrame({"word": count_in.index, "g2": g2, "n": count_in.to_numpy()})[higher]
    ranked = ranked.sort_values(["g2", "n", "word"], ascending=[False, False, True])
    return list(ranked["word"].head(top_n))
