"""Word vectors: real chiVe vectors from the installed package, looked up and averaged."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from needs_analysis import wordvectors
from needs_analysis.classify import Analysis, VectorFeatures
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.paths import package_file
from needs_analysis.rules import load_rules
from needs_analysis.wordvectors import load_word_vectors, vectors_version


@pytest.fixture(scope="module")
def vectors():
    return load_word_vectors()


@pytest.fixture(scope="module")
def rules():
    return load_rules(package_file("rules.txt"))


def similarity(vectors, first: str, second: str) -> float:
    return float(vectors.table[vectors.row(first)] @ vectors.table[vectors.row(second)])


def test_related_words_lie_closer_than_unrelated_ones(vectors):
    assert similarity(vectors, "電球", "蛍光灯") > similarity(vectors, "電球", "弁当") + 0.3
    assert similarity(vectors, "タクシー", "バス") > similarity(vectors, "タクシー", "寂しい") + 0.3


def test_rows_are_unit_length(vectors):
    norms = np.linalg.norm(vectors.table[[vectors.row("掃除"), vectors.row("通院")]], axis=1)
    assert np.allclose(norms, 1.0, atol=1e-5)


def test_lookup_falls_back_to_later_forms(vectors):
    assert vectors.row("ぬぬぬぬ存在しない語") == -1
    assert vectors.row("ぬぬぬぬ存在しない語", "電球") == vectors.row("電球") >= 0


def test_mean_vectors_are_normalised_means_and_zero_without_words(vectors):
    rows = [vectors.row("買い物"), vectors.row("スーパー"), vectors.row("重い")]
    means = vectors.mean_vectors([rows, [], rows[:1]])
    expected = vectors.table[rows].mean(axis=0)
    assert np.allclose(means[0], expected / np.linalg.norm(expected), atol=1e-5)
    assert not means[1].any()
    assert np.allclose(means[2], vectors.table[rows[0]], atol=1e-5)


def test_features_leave_out_negated_words(rules):
    def features(text: str) -> np.ndarray:
        answer = rules.analyze(text)
        return VectorFeatures().fit([]).transform([Analysis(answer)])[0]

    # 見守り sits inside the negation, so only the words outside it remain.
    assert np.allclose(
        features("一人暮らしだが見守りは必要ない"), features("一人暮らしだが"), atol=1e-6
    )
    assert not np.allclose(
        features("一人暮らしで見守りがほしい"), features("一人暮らしで"), atol=1e-3
    )


def test_version_names_the_package():
    assert vectors_version().startswith("ja-ginza 5.")


def test_missing_package_is_one_clear_sentence(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(NeedsAnalysisError, match="ja-ginza"):
        wordvectors._vocab_dir()


def test_vector_evidence_names_words_of_the_answer():
    from needs_analysis.classify import get_classifier

    model = get_classifier()
    text = "バス停まで遠くて歩けない"
    [analysis] = model.pipeline.named_steps["analyze"].transform([text])
    words = model._vector_evidence(analysis, "移動支援")
    assert words, "a transport answer has words pointing towards 移動支援"
    assert all(word in text for word in words)
    surfaces = {token.surface for token in analysis.answer.tokens if token.is_content()}
    assert set(words) <= surfaces
