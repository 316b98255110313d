"""The whole run: save the run data and rejects, write the workbook, execute the notebooks, print.

:func:`run_reports` is what ``needs-analysis run`` does: the pipeline
(:func:`needs_analysis.run.pipeline.prepare_run`) computes the run once, this module writes it
and everything made from it, and the notebooks (:func:`notebook_jobs`) read the saved run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from needs_analysis.config.settings import Config
from needs_analysis.outputs import record_run, safe_file_name
from needs_analysis.progress import Progress, Stopwatch, quiet
from needs_analysis.report.rundata import RunData, save_run, year_tables
from needs_analysis.report.workbook import write_run_workbook

PLOTLY_JS = "plotly.min.js"
# The run data's folder, relative to the report folder where the kernels run.
DATA_DIR = Path("data")


@dataclass(frozen=True)
class RunResult:
    """What ``needs-analysis run`` wrote, and how long each stage took (seconds)."""

    out_dir: Path
    files: list[Path]
    timings: dict[str, float]
    note: str = ""


def notebook_jobs(run: RunData, data_dir: Path, explore: dict[str, str] | None = None) -> list:
    """The notebooks of a report: overview, one handout per 圏域, plan table, exploration.

    ``explore`` holds the exploration notebook's keywords and category (comma-separated).
    """
    from needs_analysis.publish.notebooks import NotebookJob

    common = {"data_dir": str(data_dir), "plotly_js": PLOTLY_JS}
    jobs = [
        NotebookJob(
            "01_summarise_needs.ipynb",
            dict(common),
            "index",
            f"{run.municipality} {run.year_label} 困りごとと地域資源",
        ),
    ]
    for number, area in enumerate(run.areas, start=1):
        jobs.append(
            NotebookJob(
                "02_brief_area.ipynb",
                {**common, "area": area},
                f"handout_{number:02d}_{safe_file_name(area)}",
                f"{run.municipality} {area} {run.year_label}",
            )
        )
    jobs.append(
        NotebookJob(
            "03_tabulate_plan.ipynb",
            {"data_dir": common["data_dir"]},
            "plan_table",
            f"{run.municipality} {run.year_label} 計画の表",
        )
    )
    jobs.append(
        NotebookJob(
            "04_explore_free_text.ipynb",
            {**common, **(explore or {})},
            "explore",
            f"{run.municipality} {run.year_label} 自由記述の探索",
        )
    )
    return jobs


def run_reports(
    config: Config,
    fiscal_year: int | None = None,
    out: Path | str = "reports",
    progress: Progress = quiet,
    workers: int | None = None,
    pdf: bool | None = None,
    kwic: Sequence[str] | None = None,
    category: str | None = None,
    check: Path | None = None,
) -> RunResult:
    """Classify, analyse, execute the notebooks and write ``<out>/<fiscal year>/``.

    ``pdf`` (default: the config's ``report.pdf``) prints a PDF beside each page; ``kwic``
    and ``category`` (default: the config's, else chosen from the answers) steer the
    exploration page's keyword views; ``check`` (default: the config's ``[check] file``) is
    a filled check sheet that corrects the rates.
    """
    from needs_analysis.run.pipeline import prepare_run

    watch = Stopwatch()
    year = config.fiscal_year if fiscal_year is None else fiscal_year
    out_dir = Path(out) / str(year)
    out_dir.mkdir(parents=True, exist_ok=True)
    run = prepare_run(config, year, progress=progress, check=check)
    watch.lap("読み込みと分類")

    files = [*save_run(run, out_dir / DATA_DIR), *write_run_rejects(run, out_dir)]
    progress("集計表を Excel に書き出しています")
    files.append(write_run_workbook(run, year_tables(run), out_dir / f"needs_analysis_{year}.xlsx"))
    watch.lap("集計と Excel")

    jobs = notebook_jobs(run, DATA_DIR, _explore_parameters(config, kwic, category))
    pages = _execute_notebooks(jobs, out_dir, workers, progress)
    files += [path for page in pages for path in page]
    watch.lap("ノートブック")
    note = ""
    if config.report.pdf if pdf is None else pdf:
        progress("PDF を書き出しています")
        printed, note = _print_pages([html for _, html in pages], workers)
        files += printed
        watch.lap("PDF")
    record_run(out_dir, files)
    return RunResult(out_dir, files, watch.timings, note)


def write_run_rejects(run: RunData, out_dir: Path) -> list[Path]:
    """The rejects files saved with the run, under ``rejects/`` (IDs kept, text masked)."""
    from needs_analysis.ingest.rejects import write_rejects

    return [write_rejects(rows, out_dir / "rejects" / rows.file_name) for rows in run.rejects]


def _execute_notebooks(
    jobs: list, out_dir: Path, workers: int | None, progress: Progress
) -> list[tuple[Path, Path]]:
    """Execute the notebooks; each one's executed notebook and HTML page, in job order."""
    from needs_analysis.publish.notebooks import execute_all

    progress(f"ノートブックを実行しています（{len(jobs)}件）")
    return list(execute_all(jobs, out_dir, workers=workers, progress=progress))


def _explore_parameters(
    config: Config, kwic: Sequence[str] | None, category: str | None
) -> dict[str, str]:
    """The exploration notebook's keywords and category: the command line's, else the config's."""
    return {
        "keywords": ",".join(config.report.kwic if kwic is None else kwic),
        "category": config.report.category if category is None else category,
    }


def _print_pages(pages: list[Path], workers: int | None) -> tuple[list[Path], str]:
    """A PDF beside each page, and a note when they could not be printed."""
    from needs_analysis.publish.pdf import write_pdfs

    printed = write_pdfs(pages, workers=workers)
    return list(printed.pdfs), printed.note
