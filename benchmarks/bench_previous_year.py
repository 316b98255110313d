"""Would classifying the previous year's answers on the fast path move the year-over-year
comparison? Measured on the 30-圏域 town of bench_report.py.

    python benchmarks/bench_previous_year.py [--areas 30] [--respondents 30000]

On a town's first run, the answers of the previous fiscal year that this year does not
repeat are about half of what the sentence encoder must embed. This prepares the run as
``needs-analysis run`` does (both years with the full classifier, every answer embedded
once through the cache), then classifies the previous year again two ways:

* mixed: the fast path (rules and bag of words, no encoder) for the previous-year answers
  this year does not repeat, the full classifier for the rest;
* fast: every previous-year answer on the fast path;

and compares the previous year's rates with those of the full classifier: per 圏域 ×
category against that cell's 95% interval, per category for the whole town against the
town's 95% interval (Wilson, as the gap table), and the year-over-year verdicts. Both
years of the bench town draw their answers from the same material, so every move here is
the classifier's, not the town's. Prints the figures and whether any move exceeds its
interval.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd
from _measure import load_average
from bench_report import build_town

from needs_analysis.classify.predictions import classify_responses
from needs_analysis.classify.store import get_classifier
from needs_analysis.config.load import load_config
from needs_analysis.gaps.significance import wilson_interval
from needs_analysis.ingest.survey import load_survey
from needs_analysis.report.rundata import compute_year_tables
from needs_analysis.run.pipeline import prepare_run
from needs_analysis.text.normalize import normalize_text


def compare(name: str, full, other) -> bool:
    """Print how far ``other``'s previous year moved from ``full``'s; True if any move
    exceeds its interval."""
    before = full.previous_gaps.set_index(["area", "category"])
    after = other.previous_gaps.set_index(["area", "category"])
    shift = (after["rate"] - before["rate"]).abs()
    half = (before["ci_high"] - before["ci_low"]) / 2
    cells_over = int((shift > half).sum())
    verdicts = full.change.set_index(["area", "category"])["flag_change"]
    moved = int((other.change.set_index(["area", "category"])["flag_change"] != verdicts).sum())
    print(f"{name}:")
    print(
        f"  圏域 × category: {len(shift)} cells; previous rate moved beyond its 95% interval"
        f" in {cells_over}; move / half-interval median {(shift / half).median():.2f},"
        f" max {(shift / half).max():.2f}; year-over-year verdicts changed: {moved}"
    )
    town_before = before.groupby(level="category")[["municipal_count", "municipal_n"]].first()
    town_after = after.groupby(level="category")[["municipal_count", "municipal_n"]].first()
    town_over = 0
    for category, row in town_before.iterrows():
        count, n = int(row["municipal_count"]), int(row["municipal_n"])
        low, high = wilson_interval(count, n)
        rate, moved_rate = count / n, town_after.loc[category, "municipal_count"] / n
        beyond = not low <= moved_rate <= high
        town_over += beyond
        print(
            f"  town {category}: {rate:.2%} -> {moved_rate:.2%} (95% interval {low:.2%}–"
            f"{high:.2%}){' beyond the interval' if beyond else ''}"
        )
    return bool(cells_over or moved or town_over)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=30)
    parser.add_argument("--respondents", type=int, default=30_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-previous-") as scratch:
        config = load_config(build_town(Path(scratch), args.areas, args.respondents))
        started = time.perf_counter()
        run = prepare_run(config)
        print(f"run prepared in {time.perf_counter() - started:.0f} s; load {load_average()}")
        full = compute_year_tables(run)
        year = config.fiscal_year
        this_year = {normalize_text(text) for text in load_survey(config, year).responses["text"]}
        previous = load_survey(config, config.previous_fiscal_year(year)).responses
        fast = classify_responses(previous, get_classifier(config, fast=True))
        never = [
            bool(normalize_text(text)) and normalize_text(text) not in this_year
            for text in previous["text"]
        ]
        print(
            f"previous-year answers with text: {int(fast['has_text'].sum()):,}, not repeated"
            f" this year (never embedded for it): {sum(never):,}"
        )
        classified = run.previous_responses
        scenarios = {
            "mixed (fast path where never embedded)": [
                quick if skip else kept
                for kept, quick, skip in zip(
                    classified["categories"], fast["categories"], never, strict=True
                )
            ],
            "every previous-year answer on the fast path": list(fast["categories"]),
        }
        beyond = {}
        for name, categories in scenarios.items():
            run.previous_responses = classified.assign(categories=pd.Series(categories).values)
            beyond[name] = compare(name, full, compute_year_tables(run))
    for name, moved in beyond.items():
        print(f"{name}: {'moves beyond its intervals' if moved else 'within its intervals'}")
    print(f"load average at the end: {load_average()}")


if __name__ == "__main__":
    main()
