"""End-to-end time of `needs-analysis run` on a 30-圏域 municipality (~30,000 respondents).

    python benchmarks/bench_report.py [--areas 30] [--respondents 30000] [--keep DIR]

The town is built reproducibly in a temporary folder from the sample's answer pool (about
40% of respondents write an answer, one or two pool answers each), with a resource
inventory per 圏域 and both fiscal years. Prints the wall time of the whole command and
the time of each stage as the command reports it. Target: under 90 seconds on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from needs_analysis.paths import bundled_data_dir

RESOURCE_TYPES = [
    "サロン",
    "通いの場",
    "見守り活動",
    "買い物支援",
    "移動支援",
    "ゴミ出し支援",
    "除雪",
    "配食",
]
CATEGORIES = {
    "サロン": "居場所",
    "通いの場": "居場所",
    "見守り活動": "見守り",
    "買い物支援": "買い物支援",
    "移動支援": "移動支援",
    "ゴミ出し支援": "ゴミ出し",
    "除雪": "家事支援",
    "配食": "配食",
}


def build_town(directory: Path, areas: int, respondents: int, seed: int = 30) -> Path:
    rng = random.Random(seed)
    with (bundled_data_dir("sample") / "pool" / "answers.tsv").open(encoding="utf-8") as handle:
        pool = [row["text"] for row in csv.DictReader(handle, delimiter="\t")]
    names = [f"第{i:02d}圏域" for i in range(1, areas + 1)]
    config = [
        "[municipality]",
        'name = "ベンチ市"',
        "fiscal_year = 2025",
        "",
        "[surveys.2025]",
        'path = "survey_2025.csv"',
        "",
        "[surveys.2022]",
        'path = "survey_2022.csv"',
        "",
        "[resources]",
        'path = "resources.csv"',
        "",
        "[resource_categories]",
        *[f'"{kind}" = ["{label}"]' for kind, label in CATEGORIES.items()],
        "",
    ]
    for name in names:
        config += ["[[areas]]", f'name = "{name}"', f"population_65 = {rng.randint(600, 1600)}", ""]
    (directory / "config.toml").write_text("\n".join(config), encoding="utf-8")
    for year in (2025, 2022):
        with (directory / f"survey_{year}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["回答者ID", "圏域", "年齢区分", "性別", "世帯構成", "自由記述"])
            for number in range(1, respondents + 1):
                text = ""
                if rng.random() < 0.4:
                    text = (
                        rng.choice(pool)
                        if rng.random() < 0.6
                        else f"{rng.choice(pool)}。{rng.choice(pool)}"
                    )
                writer.writerow(
                    [
                        number,
                        rng.choice(names),
                        rng.choice(["65-74歳", "75-84歳", "85歳以上"]),
                        rng.choice(["男性", "女性"]),
                        rng.choice(["一人暮らし", "夫婦のみ", "その他"]),
                        text,
                    ]
                )
    with (directory / "resources.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["資源名", "種別", "圏域", "月あたり回数", "開始年度"])
        for name in names:
            for kind in rng.sample(RESOURCE_TYPES, rng.randint(2, 6)):
                writer.writerow(
                    [
                        f"{name}の{kind}",
                        kind,
                        name,
                        rng.randint(1, 8),
                        rng.choice([2010, 2020, 2024]),
                    ]
                )
    return directory / "config.toml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=30)
    parser.add_argument("--respondents", type=int, default=30_000)
    parser.add_argument("--keep", type=Path, help="build the town and reports here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as scratch:
        root = args.keep or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        config = build_town(root, args.areas, args.respondents)
        # Fit (or load) the model before timing: it is cached after the first run anyway.
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from needs_analysis.classify import get_classifier; get_classifier()",
            ],
            check=True,
        )
        started = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "needs_analysis",
                "run",
                "--config",
                str(config),
                "--out",
                str(root / "reports"),
            ],
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            print(result.stdout, result.stderr)
            raise SystemExit(result.returncode)
        print(
            f"town: {args.areas} 圏域, {args.respondents:,} respondents per year, two fiscal years"
        )
        print("stages (as reported by the command):")
        for line in result.stdout.splitlines():
            if line.startswith("  ") and line.strip().endswith("秒") and ":" in line:
                print(f"  {line.strip()}")
        print(f"needs-analysis run, end to end: {elapsed:.1f} s (target < 90 s)")


if __name__ == "__main__":
    main()
