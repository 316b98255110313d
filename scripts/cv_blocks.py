"""Choose the feature blocks' weights by k-fold cross-validation on the labeled answers.

    .venv/bin/python scripts/cv_blocks.py [--folds 5] [--encoder 0 1 2] [--rules 0.1] [--c 8]

Every answer is analysed (tokenised, rules matched) once; each fold fits the feature blocks
on its training part, then one head per setting: the fast path (rules and word features
only) and the sentence embedding block at several weights, with the rule weight and the
head's C varied around their defaults. Prints macro F1 and each label's F1 per setting.
Only the labeled answers are used; no evaluation set is read.
"""

from __future__ import annotations

import argparse
import itertools
import sys

import numpy as np
from scipy import sparse
from sklearn.model_selection import KFold
from sklearn.preprocessing import MultiLabelBinarizer

from needs_analysis.classify.evaluate import score
from needs_analysis.classify.features import build_pipeline
from needs_analysis.classify.head import LabelHead
from needs_analysis.classify.labeled import read_labeled
from needs_analysis.classify.sources import ModelSources
from needs_analysis.config.taxonomy import load_taxonomy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--encoder", type=float, nargs="+", default=[0.0, 1.0, 2.0, 3.0])
    parser.add_argument("--rules", type=float, nargs="+", default=[0.1])
    parser.add_argument("--c", type=float, nargs="+", default=[8.0])
    args = parser.parse_args()
    folds = args.folds
    sources = ModelSources.from_config(None)
    taxonomy = load_taxonomy(sources.taxonomy)
    labeled = read_labeled(sources.labeled, taxonomy)
    truth = labeled["labels"].tolist()
    y = MultiLabelBinarizer(classes=list(taxonomy.labels)).fit_transform(truth)
    pipeline = build_pipeline(taxonomy.labels, sources.rules)
    analyses = pipeline.named_steps["analyze"].fit(labeled["text"]).transform(labeled["text"])
    settings = list(itertools.product(args.encoder, args.rules, args.c))
    predicted = {setting: np.zeros_like(y) for setting in settings}
    splitter = KFold(n_splits=folds, shuffle=True, random_state=0)
    for train_index, test_index in splitter.split(labeled):
        union = pipeline.named_steps["features"]
        union.set_params(transformer_weights=None)
        train = sparse.csr_matrix(union.fit_transform([analyses[i] for i in train_index]))
        test = sparse.csr_matrix(union.transform([analyses[i] for i in test_index]))
        sizes = [len(t.get_feature_names_out()) for _, t in union.transformer_list]
        names = [name for name, _ in union.transformer_list]
        for setting in settings:
            weights = dict(zip(names, (1.0, 1.0, setting[1], setting[0]), strict=True))
            scale = sparse.diags(np.repeat([weights[n] for n in names], sizes))
            head = LabelHead(C=setting[2]).fit(train @ scale, y[train_index])
            predicted[setting][test_index] = head.predict_proba(test @ scale) >= 0.5
    for setting in settings:
        labels = [
            tuple(label for label, on in zip(taxonomy.labels, row, strict=True) if on)
            for row in predicted[setting]
        ]
        report = score(truth, labels, taxonomy.labels)
        per_label = " ".join(f"{r.label}={r.f1:.3f}" for r in report.per_label.itertuples())
        encoder, rules, c = setting
        print(f"encoder={encoder} rules={rules} C={c}\tmacro={report.macro_f1:.3f}\t{per_label}")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
