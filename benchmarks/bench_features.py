"""What each feature group adds, scored on labeled files held out of training.

    python benchmarks/bench_features.py [HELD_OUT ...]
        (default: the three voices_*.tsv files in data/labeled/)

The model is fitted on every other labeled file, then once more with each feature group's
weight set to zero (lemmas, character n-grams, rule hits, sentence embedding). The held-out files
were written after the rules and the other files, by other writers, so they stand in for
answers the model has not seen. Prints macro F1 over the seven labels and F1 per label.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from sklearn.metrics import f1_score
from sklearn.preprocessing import MultiLabelBinarizer

from needs_analysis.classify.features import build_pipeline
from needs_analysis.classify.labeled import read_labeled
from needs_analysis.classify.model import DEFAULT_THRESHOLD
from needs_analysis.classify.sources import ModelSources
from needs_analysis.config.taxonomy import load_taxonomy

DEFAULT_HELD_OUT = (
    "voices_idou_gomi.tsv",
    "voices_kaji_haishoku_kaimono.tsv",
    "voices_mimamori_ibasho.tsv",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("held_out", nargs="*", default=DEFAULT_HELD_OUT, help="file names")
    args = parser.parse_args()

    taxonomy = load_taxonomy()
    sources = ModelSources.from_config()
    files = sorted([*sources.labeled.glob("*.tsv"), *sources.labeled.glob("*.csv")])
    held = {Path(name).name for name in args.held_out}
    missing = held - {path.name for path in files}
    if missing:
        raise SystemExit(f"not in {sources.labeled}: {', '.join(sorted(missing))}")
    train = pd.concat([read_labeled(p, taxonomy) for p in files if p.name not in held])
    test = pd.concat([read_labeled(p, taxonomy) for p in files if p.name in held])
    y_train = MultiLabelBinarizer(classes=list(taxonomy.labels)).fit_transform(train["labels"])
    y_test = MultiLabelBinarizer(classes=list(taxonomy.labels)).fit_transform(test["labels"])
    print(f"training answers: {len(train):,}; held-out answers: {len(test):,}")
    print(f"held out: {', '.join(sorted(held))}\n")

    full = build_pipeline(taxonomy.labels, sources.rules)
    weights = full.named_steps["features"].transformer_weights
    variants = {"full model": weights}
    for group in weights:
        variants[f"without {group}"] = {**weights, group: 0.0}

    print(f"{'variant':20} {'macro F1':>8}   " + " ".join(f"{x:>5}" for x in taxonomy.labels))
    for name, variant in variants.items():
        started = time.perf_counter()
        pipeline = build_pipeline(taxonomy.labels, sources.rules)
        pipeline.set_params(features__transformer_weights=variant)
        pipeline.fit(list(train["text"]), y_train)
        predicted = pipeline.predict_proba(list(test["text"])) >= DEFAULT_THRESHOLD
        per_label = f1_score(y_test, predicted.astype(int), average=None, zero_division=0)
        print(
            f"{name:20} {per_label.mean():8.3f}   "
            + " ".join(f"{value:5.2f}" for value in per_label)
            + f"   ({time.perf_counter() - started:.1f} s)",
            flush=True,
        )


if __name__ == "__main__":
    main()
