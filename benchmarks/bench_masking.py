"""Masking throughput on the sample town's answers, measured in the same process.

    python benchmarks/bench_masking.py [--repeat 3] [--baseline old_privacy.py]

Prints answers per second for :func:`~needs_analysis.privacy.masking.mask_personal_data` as the
report run calls it (tokens given, the town's names passed) and as the other commands call
it (the text tokenised here), each with and without the town's names. ``--baseline``: a
``privacy.py`` of an earlier version (saved with ``git show REV:src/needs_analysis/privacy.py``),
timed on the same answers in the same process.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from pathlib import Path

from needs_analysis.config.load import load_config
from needs_analysis.ingest.places import town_place_names
from needs_analysis.ingest.survey import load_survey
from needs_analysis.paths import sample_config_path
from needs_analysis.privacy.masking import mask_personal_data
from needs_analysis.text.mecab import Tokenizer
from needs_analysis.text.normalize import normalize_text


def _rate(function, texts: list[str], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            function(text)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", type=Path)
    args = parser.parse_args()
    config = load_config(sample_config_path())
    texts = [
        text
        for year in sorted(config.surveys)
        for text in load_survey(config, year).responses["text"].tolist()
        if isinstance(text, str) and text
    ]
    tokenizer = Tokenizer(config.user_dictionary)
    words = {normalize_text(t): tokenizer.tokenize(normalize_text(t)) for t in texts}
    places = town_place_names(config)
    runs = {
        "tokens given, town names": lambda t: mask_personal_data(
            t, tokenizer, tokens=words[normalize_text(t)], places=places
        ),
        "tokens given, no names": lambda t: mask_personal_data(t, tokens=words[normalize_text(t)]),
        "tokenised here, town names": lambda t: mask_personal_data(t, tokenizer, places=places),
        "tokenised here, no names": lambda t: mask_personal_data(t, tokenizer),
    }
    if args.baseline:
        spec = importlib.util.spec_from_file_location("baseline_privacy", args.baseline)
        baseline = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(baseline)
        runs["baseline, tokens given"] = lambda t: baseline.mask_personal_data(
            t, tokens=words[normalize_text(t)]
        )
        runs["baseline, tokenised here"] = lambda t: baseline.mask_personal_data(t, tokenizer)
    for function in runs.values():  # build taggers and caches before timing
        function(texts[0])
    print(f"{len(texts)} answers of the sample town, best of {args.repeat}")
    for name, function in runs.items():
        print(f"  {name:28s} {_rate(function, texts, args.repeat):10,.0f} answers/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
