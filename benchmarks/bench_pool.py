"""The prefecture pool on Dask against one process doing the same stages.

    nice python benchmarks/bench_pool.py [--answers 1000000] [--towns 50] [--workers 2] [--runs 1]

Builds, reproducibly in a temporary folder, a pool of ``--towns`` towns sharing
``--answers`` free-text answers (every respondent writes one: one or two lines of the
sample's answer material, with a varied opening so most answers are distinct). Each town
has the sample's areas, resources and user dictionary. Then it runs, on the same files:

1. one process: read every town (``load_survey``), classify each town's answers in this
   process (``classify_responses``, one process, no forking), and compute each town's gap
   table (``year_tables``);
2. ``run_pool`` on a fresh LocalCluster of ``--workers`` single-threaded worker processes,
   started as ``needs-analysis pool`` starts it (in the background while the client reads
   the configs).

Both use the fast classifier path (rules and bag of words: lemmas and character n-grams;
no sentence encoder). Prints each side's stages, the end-to-end wall time of each (the
pool's from asking for the cluster to the last table) and their ratio, CPU seconds, the
peak memory of each worker process and of this process, and checks that both give the
same gap tables. ``--runs`` repeats both (pool first, then one process) and prints min and
median. A full-size run takes many minutes: run it once, niced, on a quiet machine;
``--answers 100000 --runs 3`` measures the end-to-end ratio.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
from _measure import load_average, min_median

from needs_analysis.paths import bundled_data_dir

OPENINGS = ["", "最近、", "冬になると", "膝が悪くて", "一人暮らしなので", "正直なところ", "母が"]
OPENINGS += ["夫が亡くなってから", "この春から", "近所の人も", "年をとって", "足腰が弱って"]


def build_pool(root: Path, answers: int, towns: int, seed: int = 16) -> Path:
    """Write ``towns`` towns and a pool file listing them; return the pool file."""
    rng = random.Random(seed)
    sample = bundled_data_dir("sample")
    with (sample / "pool" / "answers.tsv").open(encoding="utf-8") as handle:
        lines = [row["text"] for row in csv.DictReader(handle, delimiter="\t")]
    config = (sample / "config.toml").read_text(encoding="utf-8")
    config = config.replace('path = "survey_r7.xlsx"\nsheet = "回答"', 'path = "survey.csv"')
    areas = ["駅前", "桜台", "西原", "北山", "南ヶ丘"]
    pool = ['[pool]\nname = "ベンチ県"\nfiscal_year = 2025\n']
    for number in range(1, towns + 1):
        town = root / f"town{number:02d}"
        town.mkdir()
        name = f"ベンチ町{number:02d}"
        (town / "config.toml").write_text(
            config.replace('name = "和泉ヶ原町"', f'name = "{name}"', 1), encoding="utf-8"
        )
        for file in ("resources.csv", "user_dictionary.csv", "survey_r4.csv"):
            (town / file).write_bytes((sample / file).read_bytes())
        count = answers // towns + (1 if number <= answers % towns else 0)
        with (town / "survey.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["回答者ID", "圏域", "年齢区分", "性別", "世帯構成", "自由記述"])
            for respondent in range(1, count + 1):
                text = rng.choice(OPENINGS) + rng.choice(lines)
                if rng.random() < 0.3:
                    text += "それと、" + rng.choice(lines)
                writer.writerow([respondent, rng.choice(areas), "75-79歳", "女性", "", text])
        pool.append(f'[[towns]]\nconfig = "{town.name}/config.toml"\n')
    path = root / "pool.toml"
    path.write_text("\n".join(pool), encoding="utf-8")
    return path


def single_process(pool_path: Path) -> tuple[dict[str, float], dict[str, pd.DataFrame]]:
    """The same stages in this process: read, classify (no forking), gap tables."""
    from needs_analysis.classify.predictions import classify_responses
    from needs_analysis.config.load import load_config
    from needs_analysis.ingest.survey import load_survey
    from needs_analysis.pool.members import load_pool
    from needs_analysis.pool.tasks import build_classifier, town_run
    from needs_analysis.report.rundata import year_tables

    timings = dict.fromkeys(("read", "classify", "classify cpu", "tables"), 0.0)
    started = time.perf_counter()
    gaps = {}
    model = None
    for member in load_pool(pool_path).members:
        clock = time.perf_counter()
        config = load_config(member.config_path)
        survey = load_survey(config, member.fiscal_year)
        model = model or build_classifier(config, fast=True)
        timings["read"] += time.perf_counter() - clock
        clock, cpu = time.perf_counter(), time.process_time()
        classified = classify_responses(survey.responses[["area", "text"]], model, workers=1)
        timings["classify"] += time.perf_counter() - clock
        timings["classify cpu"] += time.process_time() - cpu
        clock = time.perf_counter()
        run = town_run(config, survey.fiscal_year, classified, survey.summary)
        gaps[config.municipality] = year_tables(run).gaps
        timings["tables"] += time.perf_counter() - clock
    timings["total"] = time.perf_counter() - started
    return timings, gaps


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def pooled(pool_path: Path, workers: int) -> tuple[dict[str, float], dict, dict[str, float]]:
    """``run_pool`` on a fresh LocalCluster, started in the background as ``needs-analysis
    pool`` starts it; the total runs from asking for the cluster to the last table."""
    from needs_analysis.pool.members import load_pool
    from needs_analysis.pool.runner import run_pool, starting_cluster

    started = time.perf_counter()
    with starting_cluster(workers=workers) as cluster:
        result = run_pool(load_pool(pool_path), cluster, fast=True)
        total = time.perf_counter() - started
        client = cluster.client()
        memory = client.run(_peak_rss_mib)
        cpu = client.run(_cpu_seconds)
    timings = {**result.timings, "worker cpu": sum(cpu.values()), "total": total}
    return timings, {t.town: t.gaps for t in result.towns}, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--towns", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    from needs_analysis.config.load import load_config
    from needs_analysis.pool.tasks import build_classifier

    build_classifier(load_config(None), fast=True)  # fit (or load) once, outside the timings
    pools, ones = [], []
    with tempfile.TemporaryDirectory(prefix="bench-pool-") as scratch:
        clock = time.perf_counter()
        pool_path = build_pool(Path(scratch), args.answers, args.towns)
        print(
            f"pool: {args.answers:,} answers in {args.towns} towns (written in "
            f"{time.perf_counter() - clock:.0f} s); classifier: fast path;"
            f" load average {load_average()}"
        )
        for number in range(1, args.runs + 1):
            pool_timings, pool_gaps, memory = pooled(pool_path, args.workers)
            one_timings, one_gaps = single_process(pool_path)
            for town, gaps in one_gaps.items():
                pd.testing.assert_frame_equal(pool_gaps[town], gaps)
            pools.append(pool_timings)
            ones.append(one_timings)
            report_run(number, args, one_timings, pool_timings, memory)
    one_totals = [t["total"] for t in ones]
    pool_totals = [t["total"] for t in pools]
    ratios = [one / pool for one, pool in zip(one_totals, pool_totals, strict=True)]
    print(f"one process, end to end: {min_median(one_totals)} s")
    print(f"pool, {args.workers} workers, end to end: {min_median(pool_totals)} s")
    print(
        f"pool speed-up, one process / pool, end to end: {min_median(ratios, 2)}"
        f" (ratio of medians {statistics.median(one_totals) / statistics.median(pool_totals):.2f}x)"
    )
    print(f"this process (client and one-process run): peak memory {_peak_rss_mib():,.0f} MiB")
    print("gap tables: pool equal to one process for every town")
    print(f"load average at the end: {load_average()} on {os.cpu_count()} cores")


def report_run(number: int, args, one: dict, pool: dict, memory: dict) -> None:
    print(
        f"run {number}: one process: read {one['read']:.1f} s, classify {one['classify']:.1f} s"
        f" ({args.answers / one['classify']:,.0f} answers/s, "
        f"{args.answers / one['classify cpu']:,.0f} per CPU-second), tables"
        f" {one['tables']:.1f} s, total {one['total']:.1f} s"
    )
    print(
        f"run {number}: pool, {args.workers} workers: "
        + ", ".join(f"{stage} {seconds:.1f} s" for stage, seconds in pool.items())
        + f" ({args.answers / pool['worker cpu']:,.0f} answers per worker CPU-second)"
    )
    peaks = ", ".join(f"{mib:,.0f}" for _, mib in sorted(memory.items()))
    print(
        f"run {number}: end to end one process / pool = {one['total'] / pool['total']:.2f}x;"
        f" worker peak memory {peaks} MiB; load average {load_average()}"
    )


if __name__ == "__main__":
    main()
