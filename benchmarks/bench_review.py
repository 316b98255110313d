"""What the review loop is worth: correcting the uncertain answers against random ones.

    python benchmarks/bench_review.py [--seed 20251130] [--sizes 50 100 200] [--town voices_]

A simulation on our own labelled answers, with a fixed seed. The files whose names start
with ``--town`` (by default the ``voices_*`` files, answers written in residents' own words)
play the town; the other bundled files are the base the model starts from. The town's
answers are split in half: from the first half the review picks N answers, the way
``needs-analysis review`` does (least certain first, spread over categories), or N at
random; their gold labels stand in for the coordinator's marks; the model is refitted on
the base plus those corrections (weighted as the default config does) and scored on the
other half. Prints macro and micro F1 before and after, for each N and each way of picking.
"""

from __future__ import annotations

import argparse
import random
import time

import pandas as pd

from needs_analysis.classify.evaluate import evaluate_model
from needs_analysis.classify.labeled import read_labeled
from needs_analysis.classify.model import NeedClassifier
from needs_analysis.classify.predictions import predict_answers
from needs_analysis.config.settings import DEFAULT_CORRECTIONS_WEIGHT
from needs_analysis.config.taxonomy import load_taxonomy
from needs_analysis.paths import labeled_data_dir, package_file
from needs_analysis.review.sheet import uncertain_answers
from needs_analysis.text.normalize import normalize_text


def split(prefix: str, seed: int):
    taxonomy = load_taxonomy()
    files = sorted(labeled_data_dir().glob("*.tsv"))
    town_files = [f for f in files if f.name.startswith(prefix)]
    base = pd.concat([read_labeled(f, taxonomy) for f in files if f not in town_files])
    town = pd.concat([read_labeled(f, taxonomy) for f in town_files], ignore_index=True)
    # Texts the base already holds would make the simulation too easy.
    seen = set(base["text"].map(normalize_text))
    town = town[~town["text"].map(normalize_text).isin(seen)]
    town = town.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    half = len(town) // 2
    return taxonomy, base.reset_index(drop=True), town.iloc[:half], town.iloc[half:]


def fit(taxonomy, base: pd.DataFrame, corrections: pd.DataFrame, weight: float):
    frame = pd.concat(
        [base.assign(weight=1.0), corrections.assign(weight=float(weight))], ignore_index=True
    )
    model = NeedClassifier.for_taxonomy(taxonomy, rules_path=package_file("rules.txt"))
    return model.fit(frame["text"], frame["labels"], sample_weight=frame["weight"].to_numpy())


def uncertain_picks(model, pool: pd.DataFrame, n: int) -> pd.DataFrame:
    frame = pool.assign(area="—", prediction=predict_answers(model, pool["text"].tolist()))
    picked = uncertain_answers(frame, model, n)
    return pool.loc[picked.index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20251130)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--town", default="voices_")
    parser.add_argument("--weight", type=float, default=DEFAULT_CORRECTIONS_WEIGHT)
    args = parser.parse_args()
    taxonomy, base, pool, test = split(args.town, args.seed)
    print(
        f"base {len(base):,} answers; town '{args.town}*': pool {len(pool):,}, "
        f"test {len(test):,}; seed {args.seed}; corrections weight {args.weight:g}"
    )
    started = time.perf_counter()
    model = fit(taxonomy, base, base.head(0), args.weight)
    before = evaluate_model(model, test)
    print(f"before: macro F1 {before.macro_f1:.3f}, micro F1 {before.micro_f1:.3f}")
    rng = random.Random(args.seed)
    rows = []
    for n in args.sizes:
        picks = {
            "uncertain": uncertain_picks(model, pool, n),
            "random": pool.loc[sorted(rng.sample(list(pool.index), min(n, len(pool))))],
        }
        for how, corrections in picks.items():
            after = evaluate_model(fit(taxonomy, base, corrections, args.weight), test)
            rows.append((n, how, len(corrections), before, after))
            print(
                f"N={n:>3} {how:<9} macro F1 {before.macro_f1:.3f} -> {after.macro_f1:.3f}"
                f" ({after.macro_f1 - before.macro_f1:+.3f}); micro F1"
                f" {before.micro_f1:.3f} -> {after.micro_f1:.3f}",
                flush=True,
            )
    print()
    print("| N | picked | answers | macro F1 before | macro F1 after | change | micro F1 after |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for n, how, count, first, after in rows:
        print(
            f"| {n} | {how} | {count} | {first.macro_f1:.3f} | {after.macro_f1:.3f} |"
            f" {after.macro_f1 - first.macro_f1:+.3f} | {after.micro_f1:.3f} |"
        )
    print(f"\n{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
