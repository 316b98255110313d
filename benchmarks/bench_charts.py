"""Time of the report's charts as the number of 圏域 grows (30, 60, 90 by default).

    python benchmarks/bench_charts.py [--areas 30 60 90] [--runs 3]

For each size it builds a gap table of that many 圏域 × the seven categories (reproducible
rates, some counts under the disclosure threshold) and times, ``--runs`` times each, the
overview's rate heatmap (``charts.rate_heatmap``), the year-over-year chart
(``charts.change_dumbbell``, every cell moved), one handout's chart
(``charts.area_against_municipality``), the supply bars, and the heatmap written into a
page (``charts.figure_html``). Printed: min and median per chart and size, the heatmap's
time at the largest size over its time at the smallest (linear growth gives the ratio of
the sizes, 3 for 90 against 30), the peak memory of the process, and the load average.
"""

from __future__ import annotations

import argparse
import random
import resource
import time

import pandas as pd
from _measure import load_average, min_median

from needs_analysis.report import charts

LABELS = ["移動支援", "居場所", "ゴミ出し", "見守り", "買い物支援", "家事支援", "配食"]


def gap_table(areas: int, seed: int = 90) -> pd.DataFrame:
    rng = random.Random(seed)
    rows = []
    for number in range(1, areas + 1):
        for label in LABELS:
            n = rng.randint(80, 400)
            count = rng.randint(0, n // 4)
            rate = count / n
            rows.append(
                {
                    "area": f"第{number:02d}圏域",
                    "category": label,
                    "n": n,
                    "count": count,
                    "rate": rate,
                    "ci_low": max(0.0, rate - 0.04),
                    "ci_high": rate + 0.05,
                    "residual": rng.uniform(-3, 3),
                    "municipal_rate": 0.12,
                    "resources": rng.randint(0, 4),
                    "per_1000": rng.uniform(0, 5),
                    "supply_unit": "resources",
                }
            )
    return pd.DataFrame(rows)


def timed(make, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        make()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, nargs="+", default=[30, 60, 90])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"load average at the start: {load_average()}")
    heatmap: dict[int, list[float]] = {}
    for size in args.areas:
        gaps = gap_table(size)
        areas = list(dict.fromkeys(gaps["area"]))
        change = gaps.assign(rate_previous=gaps["rate"] * 0.5, flag_change="該当なし")
        figure = charts.rate_heatmap(gaps, areas, LABELS, 5)
        cases = {
            "rate_heatmap": lambda g=gaps, a=areas: charts.rate_heatmap(g, a, LABELS, 5),
            "change_dumbbell": lambda c=change: charts.change_dumbbell(c, "前回", "今回"),
            "area_against_municipality": lambda g=gaps, a=areas: charts.area_against_municipality(
                g, a[0], 5
            ),
            "supply_bars": lambda g=gaps, a=areas: charts.supply_bars(g, a, LABELS),
            "figure_html(heatmap)": lambda f=figure: charts.figure_html(f, "plotly.min.js"),
        }
        for name, make in cases.items():
            times = timed(make, args.runs)
            if name == "rate_heatmap":
                heatmap[size] = times
            print(f"{size} 圏域 {name}: {min_median(times, 3)} s; load {load_average()}")
    if len(heatmap) > 1:
        small, large = min(heatmap), max(heatmap)
        ratio = min(heatmap[large]) / min(heatmap[small])
        print(
            f"rate_heatmap {large} / {small} 圏域 (minima): {ratio:.2f}x"
            f" (linear: {large / small:.1f}x)"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:,.0f} MiB; load average: {load_average()}")


if __name__ == "__main__":
    main()
