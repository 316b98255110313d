"""Notebooks run one after another in one kept kernel see what a fresh kernel would show."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from needs_analysis.publish import kernels
from needs_analysis.publish.notebooks import NotebookError, NotebookJob, default_workers, execute

PARAMETERS = "label = ''"


def write_notebook(path: Path, *sources: str) -> Path:
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell(PARAMETERS)
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [parameters] + [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.write(notebook, path)
    return path


def outputs(executed: Path) -> list[str]:
    """The text each code cell printed or returned, in order."""
    found = []
    for cell in nbformat.read(executed, as_version=4).cells:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            found.append(text.strip())
    return found


@pytest.fixture
def kept_kernel():
    yield
    kernels.shutdown_kernels()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    # A module both notebooks import: its warning comes from one place in the code, which
    # a kernel that already showed it once would not show again.
    (tmp_path / "warner.py").write_text(
        "import warnings\n\ndef warn():\n    warnings.warn('同じ場所からの警告', UserWarning)\n",
        encoding="utf-8",
    )
    write_notebook(
        tmp_path / "first.ipynb",
        "secret = 42\nimport os, warner\nwarner.warn()",
        "os.chdir('/')\nimport warnings\nwarnings.simplefilter('ignore')\nsecret",
    )
    write_notebook(
        tmp_path / "second.ipynb",
        # The kernel sends stderr and stdout on their own timers, so a cell writing to both
        # shows them in either order; flushing the warning first keeps pages comparable.
        "import os, sys, warner\nwarner.warn()\nsys.stderr.flush()\n"
        "print('secret' in globals(), os.getcwd() == label)",
        "print(sorted(name for name in globals() if not name.startswith('_')))",
    )
    return tmp_path


def run(folder: Path, name: str, reuse: bool, out: str = "out") -> tuple[Path, Path]:
    job = NotebookJob(str(folder / name), {"label": str(folder)}, Path(name).stem, "題")
    return execute(job, folder / out, cwd=folder, reuse_kernel=reuse)


@pytest.mark.slow
def test_a_kept_kernel_forgets_the_previous_notebook(folder, kept_kernel):
    run(folder, "first.ipynb", reuse=True)
    executed, _ = run(folder, "second.ipynb", reuse=True)
    shown = outputs(executed)
    # Not the variable, not the working directory, not the warning filter of the first.
    assert "False True" in shown
    assert any("同じ場所からの警告" in text for text in shown)
    counts = [cell.get("execution_count") for cell in nbformat.read(executed, as_version=4).cells]
    assert counts == [1, 2, 3, 4]  # the injected parameters cell is the second


@pytest.mark.slow
def test_pages_from_a_kept_kernel_equal_pages_from_a_fresh_one(folder, kept_kernel):
    run(folder, "first.ipynb", reuse=True, out="kept")
    kept = run(folder, "second.ipynb", reuse=True, out="kept")
    fresh = run(folder, "second.ipynb", reuse=False, out="fresh")
    for mine, theirs in zip(kept, fresh, strict=True):
        assert mine.read_bytes() == theirs.read_bytes(), mine.name


@pytest.mark.slow
def test_a_dead_kernel_is_replaced_by_a_fresh_one(folder, kept_kernel):
    run(folder, "first.ipynb", reuse=True)
    kernel = kernels.process_kernel("python3")
    kernel.shutdown()
    assert not kernel.alive
    executed, _ = run(folder, "second.ipynb", reuse=True)
    assert "False True" in outputs(executed)
    assert kernel.alive


def test_default_workers_is_the_usable_cpu_count():
    import os

    assert default_workers() == len(os.sched_getaffinity(0))


@pytest.mark.slow
def test_a_failing_cell_in_a_kept_kernel_is_named_and_the_kernel_serves_the_next(
    folder, kept_kernel
):
    write_notebook(folder / "broken.ipynb", "raise ValueError('壊れたセル')")
    with pytest.raises(NotebookError) as raised:
        run(folder, "broken.ipynb", reuse=True)
    assert "ValueError" in str(raised.value) and "壊れたセル" in str(raised.value)
    executed, _ = run(folder, "second.ipynb", reuse=True)
    assert "False True" in outputs(executed)
