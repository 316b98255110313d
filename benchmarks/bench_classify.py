"""Classification throughput against raw MeCab, measured in the same process.

    python benchmarks/bench_classify.py [--count 100000]

The answers are built reproducibly from the sample town's hand-written pool (one or two
pool answers joined, so nearly all texts are distinct). Prints answers per second for raw
``fugashi.Tagger.parse`` and for ``NeedClassifier.predict`` (normalise, tokenise, rules,
features, model, evidence) on the same texts, and their ratio; the target ratio is 0.3.
The model is fitted (or taken from the cache) before timing starts.
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from pathlib import Path

import fugashi

from needs_analysis.classify import get_classifier
from needs_analysis.paths import bundled_data_dir


def pool_texts(count: int, seed: int = 7) -> list[str]:
    pool_path = bundled_data_dir("sample") / "pool" / "answers.tsv"
    with Path(pool_path).open(encoding="utf-8", newline="") as handle:
        pool = [row["text"] for row in csv.DictReader(handle, delimiter="\t")]
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        first = rng.choice(pool)
        texts.append(first if rng.random() < 0.5 else f"{first}。{rng.choice(pool)}")
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    count = parser.parse_args().count
    texts = pool_texts(count)
    distinct = len(set(texts))

    started = time.perf_counter()
    model = get_classifier()
    prepare = time.perf_counter() - started

    tagger = fugashi.Tagger()
    tagger.parse(texts[0])
    start = time.perf_counter()
    for text in texts:
        tagger.parse(text)
    raw = count / (time.perf_counter() - start)

    model.predict(texts[:10])
    start = time.perf_counter()
    predictions = model.predict(texts)
    ours = count / (time.perf_counter() - start)

    labelled = sum(1 for p in predictions if p.labels)
    print(f"answers: {count:,} ({distinct:,} distinct); {labelled:,} with a need label")
    print(f"model ready in {prepare:.1f} s (fit or cache)")
    print(f"raw fugashi.Tagger.parse:   {raw:10,.0f} answers/s")
    print(f"NeedClassifier.predict:     {ours:10,.0f} answers/s")
    print(f"ratio predict / raw parse:  {ours / raw:10.2f}  (target >= 0.3)")


if __name__ == "__main__":
    main()
