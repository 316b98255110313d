"""Time of `needs-analysis check` on a 30,000-row Shift_JIS (CP932) survey export.

    python benchmarks/bench_check.py [--rows 30000]

The file is the sample's 令和4年度 export (CP932, 行政区 codes, a few rejects) repeated
with fresh respondent numbers until it has ``--rows`` data rows, so it carries the same
encoding, multi-line answers and bad rows as the original. Printed: the wall time of the
whole command in a fresh process, and, as the baseline measured here in the same process,
the time of decoding the file and splitting it with a bare ``csv.reader`` — the ratio is
the price of counting lines, checking every record and validating every row. Target: the
command under 5 seconds on 2 cores.
"""

from __future__ import annotations

import argparse
import csv
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def bare_split(path: Path) -> float:
    started = time.perf_counter()
    text = path.read_bytes().decode("cp932")
    sum(1 for _ in csv.reader(io.StringIO(text)))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=30_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        survey = Path(folder) / "survey_big.csv"
        build(survey, args.rows)
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
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if result.returncode != 0:
            sys.exit(result.stderr)
        baseline = bare_split(survey)
        read = next(line for line in result.stdout.splitlines() if line.startswith("読み込んだ行"))
        print(f"{survey.stat().st_size / 1e6:.1f} MB, {read}")
        print(f"check (whole command, fresh process): {wall:.2f} s  (target: under 5 s)")
        print(
            f"baseline, decode + bare csv.reader: {baseline:.3f} s  (check / baseline = {wall / baseline:.0f}×)"
        )


if __name__ == "__main__":
    main()
