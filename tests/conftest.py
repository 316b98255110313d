"""Small hand-made fixtures: a three-area town and survey files written in each format."""

from __future__ import annotations

import csv
import io
import os
import resource
import subprocess
import tempfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from needs_analysis.config.load import load_config
from needs_analysis.config.settings import Config

# Models and user dictionaries are cached per test session, never in the user's own cache;
# subprocesses started by tests inherit this.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="needs-analysis-test-cache-")

TOWN_CONFIG = """
[municipality]
name = "テスト町"
fiscal_year = 2025

[surveys.2025]
path = "survey.csv"

[surveys.2022]
path = "old.csv"
[surveys.2022.columns]
respondent_id = "No"
district = "行政区"
text = "ご意見"

[[areas]]
name = "北部"
aliases = ["北部圏域", "北部地区"]
districts = ["01", "上町", "02", "下町"]
population_65 = 800

[[areas]]
name = "中央"
districts = ["03", "本町"]
population_65 = { 2022 = 1500, 2025 = 1600 }

[[areas]]
name = "南部"
districts = ["04", "浜町"]
population_65 = 700
"""

HEADER = ["回答者ID", "圏域", "年齢区分", "性別", "世帯構成", "自由記述"]
ROWS = [
    ["1", "北部", "75-79歳", "女性", "一人暮らし", "バスが少なくて病院に行けない"],
    ["2", "中央", "65-69歳", "男性", "夫婦のみ", ""],
    ["3", "南部", "80-84歳", "女性", "その他", "ゴミ出しが大変です。"],
    ["4", "北部圏域", "70-74歳", "男性", "一人暮らし", "特になし"],
]


@pytest.fixture
def town_dir(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(TOWN_CONFIG, encoding="utf-8")
    return tmp_path


@pytest.fixture
def town_config(town_dir: Path) -> Config:
    return load_config(town_dir / "config.toml")


def csv_text(rows: list[list[str]], header: list[str] | None = None, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER if header is None else header)
    writer.writerows(rows)
    return buffer.getvalue()


def write_survey(
    directory: Path,
    rows: list[list[str]],
    *,
    name: str = "survey.csv",
    encoding: str = "utf-8",
    header: list[str] | None = None,
) -> Path:
    """Write a survey file; .xlsx names give a workbook whose sheet is called 回答."""
    path = directory / name
    if path.suffix == ".xlsx":
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "回答"
        sheet.append(HEADER if header is None else header)
        for row in rows:
            sheet.append([int(cell) if cell.isdigit() else cell for cell in row])
        workbook.create_sheet("メモ").append(["このシートは読まない"])
        workbook.save(path)
        return path
    delimiter = "\t" if path.suffix == ".tsv" else ","
    path.write_bytes(csv_text(rows, header, delimiter).encode(encoding))
    return path


@pytest.fixture(scope="session")
def classifier():
    """The default classifier, fitted once per session on the bundled labeled answers."""
    from needs_analysis.classify.store import get_classifier

    return get_classifier()


@pytest.fixture(scope="session")
def fast_classifier():
    """The default classifier without the sentence encoder, fitted once per session."""
    from needs_analysis.classify.store import get_classifier

    return get_classifier(fast=True)


@pytest.fixture
def run_main(capsys):
    """Run the command line in this process; the result reads like a finished subprocess
    (``returncode``, ``stdout``, ``stderr``) and loads models from the session's cache."""
    from needs_analysis.cli.command import main

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(list(args), code, captured.out, captured.err)

    return run


# The suite must fit an office PC: the test process (not counting the notebook kernels,
# browsers and Dask workers it starts) stays under this peak, and says what it reached.
PEAK_MEMORY_LIMIT_MIB = 3 * 1024


def _peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def pytest_terminal_summary(terminalreporter):
    own, child = _peak_mib(resource.RUSAGE_SELF), _peak_mib(resource.RUSAGE_CHILDREN)
    terminalreporter.write_sep(
        "-",
        f"peak memory: the test process {own:,.0f} MiB (limit {PEAK_MEMORY_LIMIT_MIB:,} MiB), "
        f"the largest process it started {child:,.0f} MiB",
    )


def pytest_sessionfinish(session, exitstatus):
    if _peak_mib(resource.RUSAGE_SELF) > PEAK_MEMORY_LIMIT_MIB and exitstatus == 0:
        session.exitstatus = 1  # reported by pytest_terminal_summary above
