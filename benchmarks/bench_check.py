"""Time of `needs-analysis check` on a 30,000-row Shift_JIS (CP932) survey export.

    python benchmarks/bench_check.py [--rows 30000] [--xlsx] [--runs 3]

The file is the sample's 令和4年度 export (CP932, 行政区 codes, a few rejects) repeated
with fresh respondent numbers until it has ``--rows`` data rows, so it carries the same
encoding, multi-line answers and bad rows as the original. Printed: the wall time of the
whole command in a fresh process, and, as the baseline measured here in the same process,
the time of decoding the file and splitting it with a bare ``csv.reader`` — the ratio is
the price of counting lines, checking every record and validating every row. Target: the
command under 5 seconds on 2 cores.

With ``--xlsx`` the same rows are written as a workbook (no formulas, as an export has
none) and the baseline is one pass of openpyxl over the sheet's values: the ratio shows
what reading the sheet a second time for formulas would add. ``--runs``: the command runs
that many times; min and median are printed with the load average.
"""

from __future__ import annotations

import argparse
import csv
import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _measure import load_average, min_median

from needs_analysis.paths import sample_config_path


def build(path: Path, rows: int) -> None:
    source = sample_config_path().parent / "survey_r4.csv"
    records = list(csv.reader(io.StringIO(source.read_bytes().decode("cp932"))))
    header, body = records[0], records[1:]
    with path.open("w", encoding="cp932", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        for number in range(1, rows + 1):
            record = list(body[(number - 1) % len(body)])
            record[0] = str(number)
            writer.writerow(record)


def build_xlsx(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    source = path.with_suffix(".csv")
    build(source, rows)
    records = list(csv.reader(io.StringIO(source.read_bytes().decode("cp932"))))
    book = Workbook(write_only=True)
    sheet = book.create_sheet("回答")
    for record in records:
        sheet.append(record)
    book.save(path)


def one_openpyxl_pass(path: Path) -> float:
    from openpyxl import load_workbook

    started = time.perf_counter()
    book = load_workbook(io.BytesIO(path.read_bytes()), data_only=True)
    sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    return time.perf_counter() - started


def bare_split(path: Path) -> float:
    started = time.perf_counter()
    text = path.read_bytes().decode("cp932")
    sum(1 for _ in csv.reader(io.StringIO(text)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000)
    parser.add_argument("--xlsx", action="store_true", help="the rows as an .xlsx workbook")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        survey = Path(folder) / ("survey_big.xlsx" if args.xlsx else "survey_big.csv")
        (build_xlsx if args.xlsx else build)(survey, args.rows)
        command = [
            sys.executable,
            "-m",
            "needs_analysis",
            "check",
            str(survey),
            "--config",
            str(sample_config_path()),
            "--fiscal-year",
            "2022",
            "--rejects",
            str(Path(folder) / "rejects.csv"),
        ]
        walls, baselines = [], []
        for _ in range(args.runs):
            started = time.perf_counter()
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            walls.append(time.perf_counter() - started)
            if result.returncode != 0:
                sys.exit(result.stderr)
            baselines.append(one_openpyxl_pass(survey) if args.xlsx else bare_split(survey))
        wall, baseline = statistics.median(walls), statistics.median(baselines)
        read = next(line for line in result.stdout.splitlines() if line.startswith("読み込んだ行"))
        print(f"{survey.stat().st_size / 1e6:.1f} MB, {read}")
        print(
            f"check (whole command, fresh process): {min_median(walls, 2)} s  (target: under 5 s)"
        )
        name = "one openpyxl pass over the values" if args.xlsx else "decode + bare csv.reader"
        print(
            f"baseline, {name}: {min_median(baselines, 3)} s"
            f"  (check / baseline = {wall / baseline:.1f}×, medians)"
        )
        print(f"load average: {load_average()}")


if __name__ == "__main__":
    main()
