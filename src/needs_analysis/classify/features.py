"""The classifier's features: each answer analysed once, then its feature blocks.

:class:`AnswerAnalyzer` normalises and tokenises an answer and runs the coding rules on it
(synonyms, negation scopes, which rule lines match). :func:`build_pipeline` puts the blocks
side by side — TF-IDF over lemmas (marked when negated), TF-IDF over character n-grams, the
rule hits and the e5-small sentence embedding — in front of one logistic regression per
label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline

from needs_analysis.classify.head import EncoderFeatures, LabelHead
from needs_analysis.coding.rule_expr import AnalyzedAnswer
from needs_analysis.coding.rules import load_rules
from needs_analysis.paths import package_file
from needs_analysis.text.mecab import Tokenizer
from needs_analysis.text.normalize import normalize_text
from needs_analysis.text.tokens import Token

RULE_WEIGHT = 0.1
ENCODER_WEIGHT = 2.0
# Parts of speech that carry no meaning of their own as features or evidence.
_SKIP_POS = ("補助記号", "空白", "記号")


@dataclass(frozen=True)
class Analysis:
    """An analysed answer plus its rule hits (label → evidence words)."""

    answer: AnalyzedAnswer
    rule_hits: dict[str, list[str]] = field(default_factory=dict)


class AnswerAnalyzer(BaseEstimator, TransformerMixin):
    """Texts → :class:`Analysis` objects: normalise, tokenise, negation, rule matches.

    The rule set (with its tokenizer, whose tagger is rebuilt lazily) is loaded in ``fit``;
    the town's user dictionary, if given, keeps its words whole.
    """

    def __init__(self, rules_path: str | None = None, user_dictionary: str | None = None):
        self.rules_path = rules_path
        self.user_dictionary = user_dictionary

    def fit(self, texts: Sequence[str], y: object = None) -> AnswerAnalyzer:
        tokenizer = Tokenizer(self.user_dictionary) if self.user_dictionary else None
        self.rules_ = load_rules(self.rules_path or package_file("rules.txt"), tokenizer)
        return self

    def transform(
        self, texts: Iterable[str], tokens: Mapping[str, Sequence[Token]] | None = None
    ) -> list[Analysis]:
        """The analyses of ``texts``; ``tokens`` (normalised text → its tokens) spares
        tokenising the texts it holds again."""
        known = tokens or {}
        analyses = []
        for text in texts:
            normalized = normalize_text(text)
            answer = self.rules_.analyze(normalized, known.get(normalized))
            analyses.append(Analysis(answer, self.rules_.match(answer)))
        return analyses

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray(["analysis"], dtype=object)


def lemma_features(analysis: Analysis) -> list[str]:
    """Canonical lemmas (``NEG:`` inside a negation) and adjacent lemma pairs."""
    answer = analysis.answer
    words = [
        ("NEG:" if negated else "") + lemma
        for token, lemma, negated in zip(answer.tokens, answer.lemmas, answer.negated, strict=True)
        if not token.pos.startswith(_SKIP_POS)
    ]
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def answer_text(analysis: Analysis) -> str:
    """The normalised text, for character n-grams."""
    return analysis.answer.text


class RuleFeatures(BaseEstimator, TransformerMixin):
    """One 0/1 column per label: did any of the label's rule lines match."""

    def __init__(self, labels: Sequence[str] = ()):
        self.labels = labels

    def fit(self, analyses: Sequence[Analysis], y: object = None) -> RuleFeatures:
        self.labels_ = list(self.labels)
        return self

    def transform(self, analyses: Sequence[Analysis]) -> sparse.csr_matrix:
        index = {label: i for i, label in enumerate(self.labels_)}
        rows, cols = [], []
        for row, analysis in enumerate(analyses):
            for label in analysis.rule_hits:
                if label in index:
                    rows.append(row)
                    cols.append(index[label])
        data = np.ones(len(rows), dtype=np.float64)
        return sparse.csr_matrix((data, (rows, cols)), shape=(len(analyses), len(self.labels_)))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([f"rule:{label}" for label in self.labels_], dtype=object)


def build_pipeline(
    labels: Sequence[str],
    rules_path: Path | str | None = None,
    user_dictionary: Path | str | None = None,
    fast: bool = False,
    encoder_weight: float = ENCODER_WEIGHT,
) -> Pipeline:
    """The unfitted model: analysis, the feature blocks, one logistic regression per label."""
    blocks = [
        ("lemmas", TfidfVectorizer(analyzer=lemma_features, sublinear_tf=True)),
        (
            "chars",
            TfidfVectorizer(
                analyzer="char_wb",
                preprocessor=answer_text,
                ngram_range=(2, 3),
                min_df=2,
                sublinear_tf=True,
            ),
        ),
        ("rules", RuleFeatures(tuple(labels))),
    ]
    if not fast:
        blocks.append(("encoder", EncoderFeatures()))
    # The rules were written with the labeled answers in view, so on them a rule hit looks
    # almost decisive; at full weight the model then trusts a mere keyword. Down-weighted,
    # it only tips answers the words leave open. The sentence embedding carries what an
    # answer means when its words are not the usual ones; its weight was chosen by
    # cross-validation on the labeled answers (see README).
    weights = {"lemmas": 1.0, "chars": 1.0, "rules": RULE_WEIGHT, "encoder": encoder_weight}
    analyzer = AnswerAnalyzer(
        str(rules_path) if rules_path else None, str(user_dictionary) if user_dictionary else None
    )
    return Pipeline(
        [
            ("analyze", analyzer),
            (
                "features",
                FeatureUnion(
                    blocks, transformer_weights={name: weights[name] for name, _ in blocks}
                ),
            ),
            ("classify", LabelHead(C=8.0, class_weight="balanced", max_iter=2000)),
        ]
    )
