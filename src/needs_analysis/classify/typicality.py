"""How typical an answer is of each category it carries, for choosing residents' voices.

A handout quotes a few answers for each of its area's leading needs; the answers should
stand for what the town's residents wrote about the need, not for its oddest corner. An
answer's *typicality* for a category is the cosine similarity between the answer and the
centre of the category: the mean of the unit vectors of all the year's answers in the town
that carry the category (the coordinator's categories where an answer was checked, the
model's elsewhere), made unit length again. The vectors are the answers' e5-small sentence
embeddings (the ones the classifier used, read back from the cache); on the fast path
without the encoder, the TF-IDF vectors of the answers' lemmas.

The scores are computed in the run and saved with it (``typicality``: a dict of category →
score per answer), so that the report picks voices without loading the encoder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from needs_analysis.text.tokens import Token

# Scores are rounded: they only order answers, and a rounded number pickles the same on
# every machine.
DECIMALS = 4


def typicality_scores(
    texts: Sequence[str],
    label_sets: Sequence[frozenset[str]],
    fast: bool = False,
    tokens: Mapping[str, Sequence[Token]] | None = None,
) -> list[dict[str, float]]:
    """For each normalised answer, its score for every category it carries.

    ``label_sets``: each answer's categories; ``fast``: use lemma TF-IDF vectors instead of
    the sentence encoder (``tokens`` maps a normalised text to its tokens).
    An answer without text or categories gets an empty dict.
    """
    written = [i for i, text in enumerate(texts) if text and label_sets[i]]
    scores: list[dict[str, float]] = [{} for _ in texts]
    if not written:
        return scores
    vectors = _vectors([texts[i] for i in written], fast, tokens or {})
    categories = sorted({label for i in written for label in label_sets[i]})
    for label in categories:
        members = [row for row, i in enumerate(written) if label in label_sets[i]]
        centre = np.asarray(vectors[members].mean(axis=0)).ravel()
        length = float(np.linalg.norm(centre))
        if length == 0:
            continue
        similarity = np.asarray(vectors[members] @ (centre / length)).ravel()
        for row, value in zip(members, similarity, strict=True):
            scores[written[row]][label] = round(float(value), DECIMALS)
    return scores


def _vectors(texts: list[str], fast: bool, tokens: Mapping[str, Sequence[Token]]):
    """Unit-length rows: sentence embeddings, or lemma TF-IDF on the fast path."""
    if not fast:
        from needs_analysis.classify.encoder import embeddings

        matrix = embeddings(texts).astype(np.float64)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return matrix / np.where(norms == 0, 1.0, norms)
    from sklearn.feature_extraction.text import TfidfVectorizer

    lemmas = [[token.lemma for token in tokens.get(text, ())] or list(text) for text in texts]
    vectorizer = TfidfVectorizer(analyzer=_identity, norm="l2")
    return vectorizer.fit_transform(lemmas)


def _identity(words: list[str]) -> list[str]:
    return words
