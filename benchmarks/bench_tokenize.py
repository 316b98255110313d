"""Tokenisation throughput against raw MeCab, measured in the same process.

    python benchmarks/bench_tokenize.py [--count 100000]

Prints answers per second for ``fugashi.Tagger.parse`` (MeCab's own text output, no
Python objects) and for ``Tokenizer.tokenize`` (surface, lemma and part of speech per
token), and their ratio. The target ratio is at least 0.5.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import fugashi

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _texts import survey_like_texts  # noqa: E402

from needs_analysis.text.mecab import Tokenizer  # noqa: E402
from needs_analysis.text.normalize import normalize_text  # noqa: E402


def _rate(function, texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        function(text)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    count = parser.parse_args().count
    texts = survey_like_texts(count)

    raw_tagger = fugashi.Tagger()
    tokenizer = Tokenizer()
    # Warm both up so dictionary loading is not timed.
    raw_tagger.parse(texts[0])
    tokenizer.tokenize(texts[0])

    raw = _rate(raw_tagger.parse, texts)
    ours = _rate(tokenizer.tokenize, texts)
    with_normalise = _rate(lambda text: tokenizer.tokenize(normalize_text(text)), texts)
    tokens = sum(len(tokenizer.tokenize(text)) for text in texts[:1000]) / 1000

    print(f"answers: {count:,} (about {tokens:.1f} tokens each)")
    print(f"raw fugashi.Tagger.parse:        {raw:12,.0f} answers/s")
    print(f"Tokenizer.tokenize (lemmas):     {ours:12,.0f} answers/s")
    print(f"normalize_text + tokenize:       {with_normalise:12,.0f} answers/s")
    print(f"ratio tokenize / raw parse:      {ours / raw:12.2f}  (target >= 0.5)")
    print(f"ratio normalize+tokenize / raw:  {with_normalise / raw:12.2f}")


if __name__ == "__main__":
    main()
