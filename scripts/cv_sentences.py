"""Whether an answer of several sentences should get the union of its sentences' needs:
cross-validation on the labelled answers, the whole answer against its sentences.

    .venv/bin/python scripts/cv_sentences.py [--folds 5] [--fast] [--out results.json]

In each fold (5 folds of answers, shuffled, seed 0, as ``needs-analysis evaluate --cv
5``) the real :class:`NeedClassifier` is fitted on the training part, as ``run`` fits it
(labels and need statuses), and every held-out answer is labelled three ways:

* ``whole``: the answer as one text (what ``run`` does);
* ``sentences``: the union of the labels of its sentences, each classified on its own;
* ``whole+sentences``: the union of both.

Sentences are split where the rules' negation stops (``coding/rules.py``): 。！？…, a
slash between two parts, and white space (a line break in the cell); a piece under
:data:`MIN_SENTENCE` characters stays with the one before it. An answer of one sentence
gets the same labels in all three. The macro and micro F1 of each, over all answers and
over the answers of several sentences, are printed and written to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import pandas as pd
from sklearn.model_selection import KFold

from needs_analysis.classify.evaluate import score
from needs_analysis.classify.labeled import read_labeled
from needs_analysis.classify.model import NeedClassifier
from needs_analysis.classify.predictions import predict_answers
from needs_analysis.classify.sources import ModelSources
from needs_analysis.config.taxonomy import load_taxonomy
from needs_analysis.text.normalize import normalize_text

MIN_SENTENCE = 4  # characters: a shorter piece (「はい。」) is no sentence of its own
_BOUNDARY = re.compile(r"(?<=[。!?…])|[/／|｜]|\s+")


def sentences(text: str) -> list[str]:
    """The sentences of a normalised answer (pieces under MIN_SENTENCE joined to the last).

    >>> sentences("買い物は大丈夫です。話を聞いてもらえる場所があれば")
    ['買い物は大丈夫です。', '話を聞いてもらえる場所があれば']
    >>> sentences("はい。ゴミ出しが大変")
    ['はい。ゴミ出しが大変']
    """
    pieces: list[str] = []
    for piece in (p for p in _BOUNDARY.split(normalize_text(text)) if p and p.strip()):
        if pieces and len(pieces[-1]) < MIN_SENTENCE:
            pieces[-1] += piece
        elif pieces and len(piece) < MIN_SENTENCE:
            pieces[-1] += piece
        else:
            pieces.append(piece)
    return pieces


def fold_predictions(labeled: pd.DataFrame, folds: int, fast: bool) -> dict[str, list]:
    """Every held-out answer's labels, the three ways."""
    taxonomy = load_taxonomy(ModelSources.from_config(None).taxonomy)
    rules = ModelSources.from_config(None).rules
    ways = {"whole": [()] * len(labeled), "sentences": [()] * len(labeled)}
    splitter = KFold(n_splits=folds, shuffle=True, random_state=0)
    for number, (train_index, test_index) in enumerate(splitter.split(labeled), start=1):
        started = time.perf_counter()
        train = labeled.iloc[train_index]
        model = NeedClassifier.for_taxonomy(taxonomy, rules_path=rules, fast=fast)
        model.fit(train["text"], train["labels"], statuses=train["status"])
        texts = labeled["text"].iloc[test_index].tolist()
        split = [sentences(text) for text in texts]
        pieces = sorted({piece for parts in split for piece in parts if len(parts) > 1})
        whole = predict_answers(model, texts, explain=False)
        by_piece = dict(
            zip(
                pieces,
                (p.labels for p in predict_answers(model, pieces, explain=False)),
                strict=True,
            )
        )
        for position, answer, parts in zip(test_index, whole, split, strict=True):
            ways["whole"][position] = tuple(answer.labels)
            if len(parts) > 1:
                found = {label for part in parts for label in by_piece[part]}
                ways["sentences"][position] = tuple(sorted(found))
            else:
                ways["sentences"][position] = tuple(answer.labels)
        print(
            f"fold {number}/{folds}: {len(test_index):,} answers, {len(pieces):,} sentences "
            f"({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
        )
    ways["whole+sentences"] = [
        tuple(sorted(set(a) | set(b)))
        for a, b in zip(ways["whole"], ways["sentences"], strict=True)
    ]
    return ways


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--fast", action="store_true", help="without the sentence encoder")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    sources = ModelSources.from_config(None)
    taxonomy = load_taxonomy(sources.taxonomy)
    labeled = read_labeled(sources.labeled, taxonomy).reset_index(drop=True)
    several = labeled["text"].map(lambda text: len(sentences(text)) > 1).to_numpy()
    ways = fold_predictions(labeled, args.folds, args.fast)
    truth = labeled["labels"].tolist()
    results = {"answers": len(labeled), "several_sentences": int(several.sum()), "ways": {}}
    for way, predicted in ways.items():
        every = score(truth, predicted, taxonomy.labels)
        some = score(
            [t for t, s in zip(truth, several, strict=True) if s],
            [p for p, s in zip(predicted, several, strict=True) if s],
            taxonomy.labels,
        )
        results["ways"][way] = {
            "macro_f1": round(every.macro_f1, 4),
            "micro_f1": round(every.micro_f1, 4),
            "exact": round(every.exact_match, 4),
            "several_macro_f1": round(some.macro_f1, 4),
            "several_micro_f1": round(some.micro_f1, 4),
        }
        print(way, json.dumps(results["ways"][way]))
    if args.out:
        args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
