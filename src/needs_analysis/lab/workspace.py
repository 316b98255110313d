"""``needs-analysis lab``: a workspace for the town's latest run, and JupyterLab on it.

The workspace (``<out>/<年度>/lab/``) holds the notebooks with the town's parameters filled
in — the workbench (``workbench.ipynb``) and the report notebooks — pointing at the saved
run. Charts draw offline: the workbench's figures through the jupyterlab-plotly renderer
the plotly package installs (``PLOTLY_RENDERER=plotly_mimetype``), the report notebooks'
HTML charts with plotly.js from the installed package inside them, never from a CDN.
JupyterLab listens on 127.0.0.1 only, with a fresh token.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from needs_analysis.config.load import format_fiscal_year
from needs_analysis.config.settings import Config
from needs_analysis.config.taxonomy import load_taxonomy
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.ingest.intake import resolve_area
from needs_analysis.lab.params import resolve_category
from needs_analysis.paths import notebooks_dir
from needs_analysis.report.rundata import RUN_FILE

WORKBENCH_NOTEBOOK = "05_workbench.ipynb"
WORKBENCH = "workbench.ipynb"
LAB_DIR = "lab"
DATA_DIR = "data"
RENDERER = "plotly_mimetype"
SETTINGS_DIR = ".settings"


@dataclass(frozen=True)
class Workspace:
    folder: Path
    notebooks: tuple[Path, ...]
    data_dir: Path

    @property
    def workbench(self) -> Path:
        return self.folder / WORKBENCH


def saved_run_dir(config: Config, out: Path, fiscal_year: int | None = None) -> Path:
    """The data folder of the town's run for the year; one sentence when there is none."""
    year = fiscal_year or config.fiscal_year
    data_dir = (out / str(year) / DATA_DIR).resolve()
    if not (data_dir / RUN_FILE).is_file():
        raise NeedsAnalysisError(
            f"{config.municipality} {format_fiscal_year(year)}の集計済みデータ（{data_dir / RUN_FILE}）"
            f"がありません。先に needs-analysis run --config {config.path} --out {out} を実行してください。"
        )
    return data_dir


def prepare_workspace(
    config: Config,
    out: Path,
    fiscal_year: int | None = None,
    area: str = "",
    category: str = "",
) -> Workspace:
    """Write the workspace's notebooks (parameters filled in) beside the saved run.

    ``area`` / ``category``: the workbench's starting filters, checked first (an alias is
    accepted as its area; an unknown value stops with one sentence naming the valid ones).
    """
    import nbformat
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    data_dir = saved_run_dir(config, out, fiscal_year)
    taxonomy = load_taxonomy(config.taxonomy_path)
    area = resolve_area(config.areas, area)
    category = resolve_category(taxonomy.labels, taxonomy.other, category)
    folder = data_dir.parent / LAB_DIR
    folder.mkdir(parents=True, exist_ok=True)
    common = {"data_dir": str(data_dir)}
    charts = {"plotly_js": "inline"}
    first_area = area or (config.areas[0].name if config.areas else "")
    jobs = {
        WORKBENCH: (
            WORKBENCH_NOTEBOOK,
            {**common, "config_path": str(config.path), "area": area, "category": category},
        ),
        "01_全体.ipynb": ("01_summarise_needs.ipynb", {**common, **charts}),
        "02_圏域.ipynb": ("02_brief_area.ipynb", {**common, **charts, "area": first_area}),
        "03_計画の表.ipynb": ("03_tabulate_plan.ipynb", common),
        "04_自由記述.ipynb": ("04_explore_free_text.ipynb", {**common, **charts}),
    }
    _quiet_settings(folder)
    written = []
    for name, (source, parameters) in jobs.items():
        notebook = load_notebook_node(str(notebooks_dir() / source))
        notebook = parameterize_notebook(notebook, parameters)
        _readable_parameters(notebook, parameters)
        target = folder / name
        nbformat.write(notebook, target)
        written.append(target)
    return Workspace(folder, tuple(written), data_dir)


def _readable_parameters(notebook, parameters: dict[str, str]) -> None:
    """The injected parameters written as a person reads them (「北部」, not \\u5317\\u90e8)."""
    lines = [
        f"{name} = {json.dumps(value, ensure_ascii=False)}" for name, value in parameters.items()
    ]
    for cell in notebook.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = "\n".join(["# Parameters", *lines]) + "\n"


def _quiet_settings(folder: Path) -> None:
    """JupyterLab's settings for the workspace: no news or update checks (no network)."""
    target = folder / SETTINGS_DIR / "@jupyterlab" / "apputils-extension"
    target.mkdir(parents=True, exist_ok=True)
    (target / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8"
    )


def free_port(preferred: int = 8888) -> int:
    """The preferred port when it is free on 127.0.0.1, else one the system gives."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise NeedsAnalysisError("JupyterLab に使えるポートが見つかりません。")


@dataclass(frozen=True)
class LabServer:
    command: list[str]
    url: str
    environment: dict[str, str]


def lab_server(workspace: Workspace, port: int | None = None, browser: bool = True) -> LabServer:
    """The JupyterLab command for the workspace, its URL (with the token) and environment."""
    port = free_port(port or 8888)
    token = secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyterlab",
        f"--ServerApp.root_dir={workspace.folder}",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.open_browser={browser}",
        f"--LabApp.default_url=/lab/tree/{WORKBENCH}",
        # No check for news or updates: many town PCs have no internet.
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        f"--LabApp.user_settings_dir={workspace.folder / SETTINGS_DIR}",
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--ServerApp.allow_root=True")  # containers often run as root
    environment = {**os.environ, "PLOTLY_RENDERER": RENDERER}
    url = f"http://127.0.0.1:{port}/lab/tree/{WORKBENCH}?token={token}"
    return LabServer(command, url, environment)


def serve(server: LabServer) -> int:
    """Run JupyterLab until it ends, or until this process is interrupted (Ctrl+C) or
    terminated: then JupyterLab is stopped too, with its kernels. Returns its exit status."""
    process = subprocess.Popen(server.command, env=server.environment)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        process.wait()
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
