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
from needs_analysis.ingest.rejects import rejects_file_name
from needs_analysis.outputs import report_root, safe_file_name
from needs_analysis.progress import Progress, Stopwatch, quiet
from needs_analysis.report.rundata import PART_FILES, RUN_FILE, RunData, save_run, year_tables
from needs_analysis.report.workbook import write_run_workbook
from needs_analysis.run.staging import commit, staged_folder

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
    removed: tuple[str, ...] = ()  # files of the town's earlier run this run did not write


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
                handout_stem(number, area),
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


def handout_stem(number: int, area: str) -> str:
    """The file name (without extension) of an area's handout."""
    return f"handout_{number:02d}_{safe_file_name(area)}"


def planned_files(config: Config, year: int, pdf: bool) -> list[str]:
    """Every file a run of ``config`` for ``year`` may write, relative to its folder."""
    stems = ["index", *(handout_stem(n, a.name) for n, a in enumerate(config.areas, 1))]
    stems += ["plan_table", "explore"]
    pages = [f"{stem}.{kind}" for stem in stems for kind in ("html", *(["pdf"] if pdf else []))]
    sources = [config.survey(year).path]
    previous = config.previous_fiscal_year(year)
    if previous is not None:
        sources.append(config.survey(previous).path)
    if config.resources is not None:
        sources.append(config.resources.path)
    return [
        *((DATA_DIR / name).as_posix() for name in (RUN_FILE, *PART_FILES.values())),
        f"needs_analysis_{year}.xlsx",
        *pages,
        *(f"notebooks/{stem}.ipynb" for stem in stems),
        *(f"rejects/{rejects_file_name(source)}" for source in sources),
    ]


def run_reports(
    config: Config,
    fiscal_year: int | None = None,
    out: Path | str | None = None,
    progress: Progress = quiet,
    workers: int | None = None,
    pdf: bool | None = None,
    kwic: Sequence[str] | None = None,
    category: str | None = None,
    check: Path | None = None,
) -> RunResult:
    """Classify, analyse, execute the notebooks and write ``<out>/<fiscal year>/``.

    ``out`` defaults to the town's report folder (:func:`~needs_analysis.outputs.report_root`).
    The run writes into a staging folder and moves it into place only when it is complete
    (:mod:`needs_analysis.run.staging`). ``pdf`` (default: the config's ``report.pdf``)
    prints a PDF beside each page; ``kwic`` and ``category`` (default: the config's, else
    chosen from the answers) steer the exploration page's keyword views; ``check``
    (default: the config's ``[check] file``) is a filled check sheet that corrects the rates.
    """
    watch = Stopwatch()
    year = config.fiscal_year if fiscal_year is None else fiscal_year
    printing = config.report.pdf if pdf is None else pdf
    target = report_root(config, out) / str(year)
    planned = planned_files(config, year, printing)
    with staged_folder(target, config.municipality, year, planned) as staged:
        files, note = _write_run(
            config, year, staged.folder, watch, progress, workers, printing, kwic, category, check
        )
        removed = commit(staged, files)
    files = [target / path.relative_to(staged.folder) for path in files]
    return RunResult(target, files, watch.timings, note, tuple(removed))


def _write_run(config, year, out_dir, watch, progress, workers, printing, kwic, category, check):
    """Every file of the run, written into ``out_dir``; and a note on the PDFs."""
    from needs_analysis.run.pipeline import prepare_run

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
    if printing:
        progress("PDF を書き出しています")
        printed, note = _print_pages([html for _, html in pages], workers)
        files += printed
        watch.lap("PDF")
    return files, note


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
