"""Executing the report notebooks with papermill and turning them into HTML without code.

Notebooks hold no logic: they read the prepared run data through the package and draw it.
Each executed notebook is kept beside its HTML for audit.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.paths import notebooks_dir, usable_cpus
from needs_analysis.progress import Progress, quiet
from needs_analysis.publish.plotly_js import inline_plotly

KERNEL_NAME = "python3"
KERNEL_START_ATTEMPTS = 3
# The template loads require.js and MathJax from a CDN; the handouts need neither, and a
# page opened offline (or in a council room without a network) must not try.
_REMOTE_SCRIPT = re.compile(
    r'<script[^>]*src="https://cdnjs\.cloudflare\.com/ajax/libs/(?:require\.js|mathjax)/[^"]*"[^>]*>\s*</script>'
)
# The template's Mermaid loader imports from a CDN when a page has a diagram; ours have none.
_MERMAID_LOADER = re.compile(
    r'<script type="module">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*</script>', re.S
)


class NotebookError(NeedsAnalysisError):
    """A notebook failed while running: the message names the notebook, cell and error."""


@dataclass(frozen=True)
class NotebookJob:
    """One notebook execution: which notebook, its parameters, where the outputs go."""

    notebook: str
    parameters: dict[str, object]
    output_stem: str
    title: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def notebook_path(name: str) -> Path:
    """A report notebook by file name, or any notebook by its full path."""
    path = Path(name) if Path(name).is_absolute() else notebooks_dir() / name
    if not path.is_file():
        raise NotebookError(f"ノートブック {path} が見つかりません。")
    return path


def execute(
    job: NotebookJob, out_dir: Path, cwd: Path | None = None, reuse_kernel: bool = False
) -> tuple[Path, Path]:
    """Run one notebook with papermill, then write its HTML; return (ipynb, html) paths.

    With ``reuse_kernel`` the notebook runs in this process's live kernel, reset for it
    (see :mod:`needs_analysis.publish.kernels`); otherwise in a kernel started for it alone.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from needs_analysis.publish.kernels import ENGINE_NAME

    out_dir.mkdir(parents=True, exist_ok=True)
    executed = out_dir / "notebooks" / f"{job.output_stem}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        try:
            notebook = pm.execute_notebook(
                str(notebook_path(job.notebook)),
                str(executed),
                parameters=job.parameters,
                engine_name=ENGINE_NAME if reuse_kernel else None,
                request_save_on_cell_execute=False,
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                cwd=str(cwd) if cwd else None,
                log_output=False,
            )
            break
        except PapermillExecutionError as error:
            raise NotebookError(
                f"ノートブック {job.notebook}（{job.output_stem}）のセル {error.exec_count} で"
                f"エラーが起きました: {error.ename}: {error.evalue}（実行済みのノートブック: {executed}）"
            ) from None
        except RuntimeError as error:
            # Kernels started side by side now and then lose a race for their ports and
            # die before answering; a fresh start almost always works.
            if attempt == KERNEL_START_ATTEMPTS:
                raise NotebookError(
                    f"ノートブック {job.notebook}（{job.output_stem}）のカーネルを起動できませんでした"
                    f"（{attempt}回試しました: {error}）"
                ) from None
    strip_run_details(notebook)
    _write_notebook(notebook, executed)
    html = out_dir / f"{job.output_stem}.html"
    html.write_text(notebook_html(notebook, job.title), encoding="utf-8")
    return executed, html


_RUN_DETAILS = ("start_time", "end_time", "duration", "input_path", "output_path")


def strip_run_details(notebook) -> None:
    """Remove what differs between two runs of the same inputs: times, durations, paths
    and the random id papermill gives the parameters cell it adds."""
    for key in _RUN_DETAILS:
        notebook.metadata.get("papermill", {}).pop(key, None)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        for key in _RUN_DETAILS:
            cell.metadata.get("papermill", {}).pop(key, None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.id = "injected-parameters"


def _write_notebook(notebook, path: Path) -> None:
    import nbformat

    nbformat.write(notebook, path)


def default_workers() -> int:
    """Notebooks (and browser pages) at a time when none is asked for: one per CPU this
    process may use, since each notebook keeps one CPU busy while it runs."""
    return usable_cpus()


def execute_all(
    jobs: Sequence[NotebookJob],
    out_dir: Path,
    workers: int | None = 2,
    progress: Progress = quiet,
    reuse_kernels: bool = True,
) -> list[tuple[Path, Path]]:
    """Run notebooks, ``workers`` at a time (None or 0: :func:`default_workers`), in order
    of the jobs; stop at the first failure. ``progress`` hears of each page when it is done.

    Each runs in a worker process whose stderr is silenced: kernels print start-up chatter
    there, while a failing cell comes back as a :class:`NotebookError`. With
    ``reuse_kernels`` each worker keeps one kernel for all its notebooks and resets it
    between them (:mod:`needs_analysis.publish.kernels`); the pages are the same either way.
    """
    count = max(1, min(workers or default_workers(), len(jobs) or 1))
    with ProcessPoolExecutor(max_workers=count, initializer=_quiet_worker) as pool:
        # Kernels run in the report folder, so the notebooks name its files relatively.
        futures = [pool.submit(execute, job, out_dir, out_dir, reuse_kernels) for job in jobs]
        results = []
        for job, future in zip(jobs, futures, strict=True):
            try:
                results.append(future.result())
            except NotebookError:
                for pending in futures:
                    pending.cancel()
                raise
            progress(f"  [{len(results)}/{len(jobs)}] {job.output_stem}.html")
        return results


def _quiet_worker() -> None:
    # Kernels inherit this: string hashing (set and dict order in libraries) stays the
    # same from run to run, so the same inputs draw the same pages.
    os.environ["PYTHONHASHSEED"] = "0"
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    logging.getLogger("papermill").setLevel(logging.ERROR)
    _end_with_the_run()


# prctl's request for a signal when the parent process ends (Linux).
_PR_SET_PDEATHSIG = 1


def _end_with_the_run() -> None:
    """On Linux, this worker and its kernel end when the process that started them ends,
    however it ends (a run stopped with SIGKILL would otherwise leave them waiting)."""
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return
    import ctypes

    signal.signal(signal.SIGTERM, _stop_worker)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return


def _stop_worker(signum, frame) -> None:
    """End this worker's kernels and the worker itself at once."""
    import contextlib

    import psutil

    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            child.kill()
    os._exit(1)


_HTML_TAG = re.compile(r"<html(\s[^>]*)?>")


def to_html(executed: Path, title: str = "") -> str:
    """HTML of an executed notebook file with its code cells and prompts left out."""
    import nbformat

    return notebook_html(nbformat.read(executed, as_version=4), title)


def notebook_html(notebook, title: str = "") -> str:
    """HTML of an executed notebook (a node; its metadata gets the title) without code."""
    if title:
        notebook.metadata["title"] = title
    body, _ = _exporter().from_notebook_node(notebook)
    body = _MERMAID_LOADER.sub("", _REMOTE_SCRIPT.sub("", body))
    body = inline_plotly(body)
    # Japanese, so that browsers and screen readers pick Japanese glyphs and reading.
    return _HTML_TAG.sub('<html lang="ja">', body, count=1)


@lru_cache(maxsize=1)
def _exporter():
    """One exporter per process: its template is found, read and compiled once."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input = True
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    return exporter
