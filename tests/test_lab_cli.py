"""``needs-analysis lab``: the workspace it prepares and the JupyterLab it would start,
without starting it (tests/test_lab_browser.py starts it)."""

from __future__ import annotations

import json
import re

import nbformat
import papermill as pm

from needs_analysis.lab.workspace import RENDERER, WORKBENCH, lab_server, prepare_workspace


def test_without_a_saved_run_lab_says_to_run_first(run_main, town_dir):
    result = run_main(
        "lab", "--config", str(town_dir / "config.toml"), "--out", str(town_dir / "reports")
    )
    assert result.returncode == 2
    assert "needs-analysis run" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_an_unknown_area_stops_lab_with_the_valid_areas(run_main, town_dir):
    (town_dir / "reports" / "2025" / "data").mkdir(parents=True)
    (town_dir / "reports" / "2025" / "data" / "run.pkl").write_bytes(b"")
    result = run_main(
        "lab", "--config", str(town_dir / "config.toml"), "--out", str(town_dir / "reports"),
        "--area", "北武地区",
    )  # fmt: skip
    assert result.returncode == 2
    assert "北部、中央、南部" in result.stderr and '"北部地区" ですか' in result.stderr
    assert not (town_dir / "reports" / "2025" / "lab").exists()


def test_an_alias_becomes_the_workbenchs_starting_area(town_config, tmp_path):
    workspace = prepare_workspace(town_config, _saved_run(town_config, tmp_path), area="北部地区")
    notebook = nbformat.read(workspace.workbench, as_version=4)
    injected = next(c for c in notebook.cells if "injected-parameters" in c.metadata.tags)
    assert 'area = "北部"' in injected.source


def _saved_run(town_config, tmp_path):
    data = tmp_path / "reports" / "2025" / "data"
    data.mkdir(parents=True)
    (data / "run.pkl").write_bytes(b"")
    return tmp_path / "reports"


def test_the_workspace_holds_the_towns_notebooks_with_parameters(town_config, tmp_path):
    out = _saved_run(town_config, tmp_path)
    workspace = prepare_workspace(town_config, out)
    assert workspace.folder == (out / "2025" / "lab").resolve()
    names = {path.name for path in workspace.notebooks}
    assert WORKBENCH in names and len(names) == 5
    notebook = nbformat.read(workspace.workbench, as_version=4)
    injected = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert str(workspace.data_dir) in injected[0].source
    assert str(town_config.path) in injected[0].source
    handout = pm.inspect_notebook(str(workspace.folder / "02_圏域.ipynb"))
    assert handout  # still a parameterised notebook
    explore = nbformat.read(workspace.folder / "04_自由記述.ipynb", as_version=4)
    assert 'plotly_js = "inline"' in "".join(c.source for c in explore.cells)
    assert not any(c.get("outputs") for c in notebook.cells if c.cell_type == "code")
    settings = workspace.folder / ".settings" / "@jupyterlab" / "apputils-extension"
    assert (
        json.loads((settings / "notification.jupyterlab-settings").read_text())["fetchNews"]
        == "false"
    )


def test_jupyterlab_listens_locally_with_a_token_and_offline_charts(town_config, tmp_path):
    workspace = prepare_workspace(town_config, _saved_run(town_config, tmp_path))
    server = lab_server(workspace, browser=False)
    assert "--ServerApp.ip=127.0.0.1" in server.command
    assert "--ServerApp.open_browser=False" in server.command
    assert any(part.startswith("--IdentityProvider.token=") for part in server.command)
    token = next(p for p in server.command if p.startswith("--IdentityProvider.token=")).split("=")[
        1
    ]
    assert len(token) == 32 and server.url.endswith(f"/lab/tree/{WORKBENCH}?token={token}")
    assert server.environment["PLOTLY_RENDERER"] == RENDERER == "plotly_mimetype"
    other = lab_server(workspace, browser=False)
    assert other.url != server.url  # a fresh token every time


def test_inline_charts_carry_plotly_js_and_fetch_nothing():
    import plotly.graph_objects as go

    from needs_analysis.report.charts import figure_html

    html = figure_html(go.Figure(go.Bar(x=["a"], y=[1])), "inline").data
    assert len(html) > 1_000_000 and not re.search(r"<script[^>]*\ssrc=", html)
