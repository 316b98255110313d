"""Choose the neighbours' vote and the need-status gate by cross-validation on the labelled
answers, holding out whole source files.

    .venv/bin/python scripts/cv_heldout.py [--folds 5] [--k 5 10 20 40]
        [--share 0 0.1 0.2 0.3 0.4 0.5] [--gate 0 0.3 0.4 0.5 0.6]
        [--without indirect_] [--dev DEV.tsv] [--out results.json]

Two splits of ``data/labeled``: the ordinary one (5 folds of answers, shuffled, seed 0,
as ``needs-analysis evaluate --cv 5``) and one that holds out whole files (5 groups of
files): answers written together in one file are near-copies of each other, so the
ordinary split lets a neighbour from the same file answer for a held-out answer and reads
optimistic. In every fold the real :class:`NeedClassifier` is fitted on the training
part; the head's probabilities, the status head's need probability and the training
answers nearest to each held-out answer are kept, and every setting is scored from them:

* ``k`` labelled answers vote, blended ``share`` into each label's probability (the need
  probability is blended the same way);
* the gate removes every label where the need probability is below ``gate`` (0: no gate).

The setting with the best macro F1 in the file-held-out split is chosen (ties: the simpler
one). ``--without PREFIX`` leaves the files whose names start with it out of every
training part (the held-out answers stay the same), to measure what those files add;
``--report PREFIX`` (default: the ``--without`` prefixes) scores those files' answers and
the rest apart as well.
``--dev`` then fits on all the labelled answers and scores the evaluation file for today's
model, the chosen vote without the gate, and the chosen vote with the gate — the
evaluation file chooses nothing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold, KFold

from needs_analysis.classify.evaluate import score
from needs_analysis.classify.labeled import read_labeled
from needs_analysis.classify.model import NeedClassifier
from needs_analysis.classify.neighbours import blend
from needs_analysis.classify.sources import ModelSources
from needs_analysis.config.taxonomy import load_taxonomy


@dataclass
class FoldNumbers:
    """What one fitted fold says about its held-out answers."""

    index: np.ndarray
    head: np.ndarray
    status: np.ndarray  # the status head's need probability
    votes: dict[int, tuple[np.ndarray, np.ndarray]]  # k -> (label vote, need vote)


def fold_numbers(
    model: NeedClassifier, labeled: pd.DataFrame, train: np.ndarray, test: np.ndarray, ks
) -> FoldNumbers:
    part = labeled.iloc[train]
    model.fit(part["text"], part["labels"], statuses=part["status"])
    features = model.features(model.analyze(labeled["text"].iloc[test].tolist()))
    head = model.head_proba(features)
    status = model.status_head_.predict_proba(features)[:, 1]
    start, stop = model.blocks_["encoder"]
    vectors = features[:, start:stop].toarray() / model.encoder_weight
    nearest = model.neighbours_.vote(vectors, max(ks)).nearest
    votes = {}
    for k in ks:
        vote = model.neighbours_.vote_of(nearest[:, :k])
        votes[k] = (vote.labels, np.where(np.isnan(vote.need), status, vote.need))
    return FoldNumbers(test, head, status, votes)


def run_split(labeled, taxonomy, rules, splitter, groups, ks, without) -> list[FoldNumbers]:
    folds = []
    for number, (train, test) in enumerate(splitter.split(labeled, groups=groups)):
        if without:
            keep = ~labeled["source"].iloc[train].str.startswith(tuple(without)).to_numpy()
            train = train[keep]
        model = NeedClassifier.for_taxonomy(
            taxonomy, rules_path=rules, neighbours_k=max(ks), status_gate=0.0
        )
        folds.append(fold_numbers(model, labeled, train, test, ks))
        print(f"  fold {number + 1}: {len(train):,} answers trained", file=sys.stderr)
    return folds


def predictions(folds, size, labels, k, share, gate) -> np.ndarray:
    predicted = np.zeros((size, len(labels)), dtype=bool)
    for fold in folds:
        votes, need_votes = fold.votes[k]
        probabilities = blend(fold.head, votes, share)
        need = blend(fold.status, need_votes, share)
        chosen = probabilities >= 0.5
        if gate > 0:
            chosen &= (need >= gate)[:, None]
        predicted[fold.index] = chosen
    return predicted


def as_sets(matrix: np.ndarray, labels) -> list[tuple[str, ...]]:
    return [tuple(label for label, on in zip(labels, row, strict=True) if on) for row in matrix]


def settings_table(folds_by_split, labeled, labels, grid, subsets) -> list[dict]:
    truth = labeled["labels"].tolist()
    rows = []
    for k, share, gate in grid:
        row = {"k": k, "share": share, "gate": gate}
        for split, folds in folds_by_split.items():
            predicted = as_sets(predictions(folds, len(labeled), labels, k, share, gate), labels)
            for name, mask in subsets.items():
                chosen = [i for i in range(len(truth)) if mask[i]]
                report = score([truth[i] for i in chosen], [predicted[i] for i in chosen], labels)
                suffix = "" if name == "all" else f" {name}"
                row[f"{split}{suffix}"] = round(report.macro_f1, 4)
                if name == "all":
                    row[f"{split} per label"] = {
                        r.label: round(r.f1, 3) for r in report.per_label.itertuples()
                    }
        rows.append(row)
    return rows


def dev_scores(labeled, taxonomy, rules, dev_path, vote, gated, without) -> list[dict]:
    """Fit on every labelled answer (less ``without``) and score the evaluation file for
    today's model, the chosen vote (``vote``: k, share) and the chosen vote with the gate
    (``gated``: k, share, gate)."""
    dev = read_labeled(dev_path, taxonomy)
    train = labeled
    if without:
        train = labeled[~labeled["source"].str.startswith(tuple(without))]
    model = NeedClassifier.for_taxonomy(
        taxonomy, rules_path=rules, neighbours_k=vote[0], status_gate=0.0
    ).fit(train["text"], train["labels"], statuses=train["status"])
    features = model.features(model.analyze(dev["text"].tolist()))
    rows = []
    for name, (k, s, g) in {
        "today": (vote[0], 0.0, 0.0),
        "vote": (*vote, 0.0),
        "vote + gate": gated,
    }.items():
        model.neighbours_k, model.neighbours_share = k, s
        model.status_gate = g if g > 0 else None
        predicted = as_sets(model.chosen(model.scores(features)), taxonomy.labels)
        report = score(dev["labels"].tolist(), predicted, taxonomy.labels)
        rows.append(
            {
                "setting": name,
                "k": k,
                "share": s,
                "gate": g,
                "dev": round(report.macro_f1, 4),
                "dev per label": {r.label: round(r.f1, 3) for r in report.per_label.itertuples()},
            }
        )
    return rows


def choose(rows: list[dict], column: str) -> dict:
    """The best row by ``column``; among rows within 0.0005 of it, the simplest (no gate,
    smallest share, smallest k)."""
    best = max(row[column] for row in rows)
    close = [row for row in rows if row[column] >= best - 0.0005]
    return min(close, key=lambda row: (row["gate"], row["share"], row["k"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--k", type=int, nargs="+", default=[5, 10, 20, 40])
    parser.add_argument("--share", type=float, nargs="+", default=[0, 0.1, 0.2, 0.3, 0.4, 0.5])
    parser.add_argument("--gate", type=float, nargs="+", default=[0, 0.3, 0.4, 0.5, 0.6])
    parser.add_argument("--without", nargs="*", default=[], help="file-name prefixes")
    parser.add_argument(
        "--report", nargs="*", default=[], help="also score these files' answers apart"
    )
    parser.add_argument("--splits", nargs="+", default=["cv", "files"], choices=["cv", "files"])
    parser.add_argument("--dev", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    sources = ModelSources.from_config(None)
    taxonomy = load_taxonomy(sources.taxonomy)
    labeled = read_labeled(sources.labeled, taxonomy)
    files = labeled["source"].str.split(":").str[0]
    splitters = {
        "cv": (KFold(n_splits=args.folds, shuffle=True, random_state=0), None),
        "files": (GroupKFold(n_splits=args.folds), files.to_numpy()),
    }
    folds_by_split = {}
    for split in args.splits:
        print(f"{split}: fitting {args.folds} folds", file=sys.stderr)
        splitter, groups = splitters[split]
        folds_by_split[split] = run_split(
            labeled, taxonomy, sources.rules, splitter, groups, args.k, args.without
        )
    subsets = {"all": np.ones(len(labeled), dtype=bool)}
    apart = tuple(args.report or args.without)
    if apart:
        subsets["named"] = files.str.startswith(apart).to_numpy()
        subsets["others"] = ~subsets["named"]
    grid = list(itertools.product(args.k, args.share, args.gate))
    rows = settings_table(folds_by_split, labeled, taxonomy.labels, grid, subsets)
    decider = "files" if "files" in args.splits else args.splits[0]
    chosen = choose(rows, decider)
    chosen_vote = choose([row for row in rows if row["gate"] == 0], decider)
    result = {
        "answers": len(labeled),
        "without": args.without,
        "today": next(r for r in rows if r["share"] == 0 and r["gate"] == 0),
        "chosen vote": chosen_vote,
        "chosen vote + gate": chosen,
        "grid": rows,
    }
    if args.dev:
        vote = (chosen_vote["k"], chosen_vote["share"])
        gated = (chosen["k"], chosen["share"], chosen["gate"])
        result["dev"] = dev_scores(
            labeled, taxonomy, sources.rules, args.dev, vote, gated, args.without
        )
    text = json.dumps(result, ensure_ascii=False, indent=1)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    for name in ("today", "chosen vote", "chosen vote + gate"):
        row = result[name]
        figures = "  ".join(f"{s}={row[s]:.3f}" for s in args.splits)
        print(f"{name:<20} k={row['k']} share={row['share']} gate={row['gate']}  {figures}")
    for row in result.get("dev", []):
        print(f"dev {row['setting']:<16} {row['dev']:.3f}  {row['dev per label']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
