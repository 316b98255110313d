"""The notebooks present; the package computes: one parameters cell, no definitions, no outputs."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from needs_analysis.paths import notebooks_dir

NOTEBOOKS = sorted(notebooks_dir().glob("*.ipynb"))


def test_the_report_notebooks_exist():
    names = {path.name for path in NOTEBOOKS}
    assert {
        "01_summarise_needs.ipynb",
        "02_brief_area.ipynb",
        "03_tabulate_plan.ipynb",
        "04_explore_free_text.ipynb",
    } <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exactly_one_parameters_cell_with_typed_commented_defaults(path: Path):
    notebook = nbformat.read(path, as_version=4)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    parameters = pm.inspect_notebook(str(path))
    assert parameters
    for name, spec in parameters.items():
        assert spec["inferred_type_name"] not in ("None", ""), name
        assert spec["help"], f"{name} has no comment"
    tree = ast.parse(tagged[0].source)
    assert all(isinstance(node, ast.AnnAssign) for node in tree.body)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_functions_classes_or_path_hacks(path: Path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
            )
        assert "sys.path" not in cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path: Path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
