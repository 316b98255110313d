"""The workbench for real: ``needs-analysis lab --no-browser`` on the sample town, driven by
headless Chromium with every request outside this machine blocked. It runs the workbench
notebook, then checks that charts have drawn (SVG marks), that a search returns the
answers the package finds (masked), that a click on a word of the network searches for it,
and that a correction lands in the corrections file.

``NEEDS_ANALYSIS_SCREENSHOT=docs/workbench.png`` also saves the README's picture.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from needs_analysis.config.load import load_config
from needs_analysis.lab.search import search_answers
from needs_analysis.paths import sample_config_path
from needs_analysis.publish.pdf import find_browser
from needs_analysis.publish.pdf_browser import LAUNCH_ARGS
from needs_analysis.report.rundata import save_run
from needs_analysis.run.pipeline import prepare_run

pytestmark = pytest.mark.slow

PLANTED = ["渡部", "ミツ子", "0294-55-7788", "55-7788"]  # see data/sample/README.md
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def sample_town(tmp_path_factory):
    """A copy of the sample town (corrections and word lists are written beside its config)
    with its run saved, as ``needs-analysis run`` saves it."""
    root = tmp_path_factory.mktemp("lab")
    town = root / "town"
    shutil.copytree(sample_config_path().parent, town)
    config = load_config(town / "config.toml")
    run = prepare_run(config)
    save_run(run, root / "reports" / str(config.fiscal_year) / "data")
    return config, root / "reports", run


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(url: str) -> bool:
    """Whether JupyterLab accepts connections yet (it prints its URL before it listens)."""
    port = int(re.search(r"127\.0\.0\.1:(\d+)", url).group(1))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class LabProcess:
    """``needs-analysis lab`` in the background; its output collected, its URL awaited."""

    def __init__(self, config, out: Path):
        command = [sys.executable, "-m", "needs_analysis", "lab", "--config", str(config.path)]
        command += ["--out", str(out), "--no-browser", "--port", str(_free_port())]
        self.started = time.monotonic()
        # Its own session, so that JupyterLab and its kernel can be killed with it; and Ctrl+C
        # restored, since a test runner started in the background ignores SIGINT, and a
        # process inherits that.
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=_restore_ctrl_c,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    def url(self, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if "URL: " in line and _listening(line.split("URL: ", 1)[1]):
                    return line.split("URL: ", 1)[1].strip()
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError("no URL from needs-analysis lab:\n" + "".join(self.lines))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # stops JupyterLab and its kernel too
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                _kill_session(self.process.pid)
                self.process.wait()
                raise AssertionError("needs-analysis lab did not stop on Ctrl+C") from None
        _kill_session(self.process.pid)  # nothing it started outlives the test


def _kill_session(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def _restore_ctrl_c() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def lab(sample_town):
    config, out, _ = sample_town
    process = LabProcess(config, out)
    yield process
    process.stop()


def test_the_workbench_draws_searches_and_corrects_offline(sample_town, lab):
    from playwright.sync_api import sync_playwright

    config, _, run = sample_town
    browser_path = find_browser()
    assert browser_path is not None, "Chromium is needed for this test"
    url = lab.url()
    assert url.startswith("http://127.0.0.1:") and "token=" in url
    outside: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(browser_path), args=list(LAUNCH_ARGS)
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.route("**/*", lambda route: _local_only(route, outside))
            page = context.new_page()
            page.set_default_timeout(240_000)
            seconds = _run_all_and_wait_for_a_chart(page, url, lab)
            print(f"\nneeds-analysis lab → first chart drawn: {seconds:.1f} s")
            _wait_until_idle(page)
            assert page.locator(".js-plotly-plot").count() >= 4  # network, map, biplot, tree
            _search_shows_the_packages_answers(page, run)
            _correction_lands_in_the_file(page, run, config)
            _a_clicked_node_shows_its_answers(page)
            _save_picture(page)
            text = page.content()
            assert not [marker for marker in PLANTED if marker in text]
        finally:
            browser.close()
    assert outside == []  # nothing fetched from outside: plotly.js comes from the package


def _local_only(route, outside: list[str]) -> None:
    host = re.match(r"[a-z]+://([^/:]+)", route.request.url)
    if host and host.group(1) not in LOCAL_HOSTS:
        outside.append(route.request.url)
        route.abort()
    else:
        route.continue_()


def _run_all_and_wait_for_a_chart(page, url: str, lab: LabProcess) -> float:
    page.goto(url)
    # Run All before the kernel has connected runs nothing: wait for its status first.
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile("^Run All Cells")).click()
    page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot .main-svg .scatterlayer path').length > 0"
    )
    return time.monotonic() - lab.started


def _wait_until_idle(page) -> None:
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 4")
    page.get_by_text("Python 3 (ipykernel) | Idle").wait_for()


def _search_shows_the_packages_answers(page, run) -> None:
    query = page.locator(".lab-query input")
    query.fill("バス")
    query.press("Enter")
    summary = page.locator(".lab-search .lab-results .lab-summary")
    summary.filter(has_text="「バス」を含む回答").wait_for()
    expected = search_answers(run.documents, "バス", min_count=run.min_count)
    assert f"{expected.label}件" in summary.inner_text()
    shown = page.locator(".lab-search .lab-results select option").all_inner_texts()
    assert len(shown) == len(expected.answers)
    for text in expected.answers["text"].head(10):
        assert any(text.startswith(option.rstrip("…")) for option in shown), text


def _a_clicked_node_shows_its_answers(page) -> None:
    """A click on a word of the network (plotly.js in the page, the click sent back to the
    kernel) searches for that word, as choosing it from the list does."""
    chart = page.locator(".js-plotly-plot").filter(has_text="共起ネットワーク")
    label = chart.locator(".scatterlayer .textpoint text").first
    word = label.text_content()
    label.scroll_into_view_if_needed()
    box = label.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 5, y)  # plotly.js finds the point under the pointer as it moves
    page.mouse.move(x, y)
    chart.locator(".hoverlayer .hovertext").first.wait_for()
    page.mouse.click(x, y)
    summary = page.locator(".lab-search .lab-results .lab-summary")
    summary.filter(has_text=f"「{word}」を含む回答").wait_for(timeout=60_000)


def _correction_lands_in_the_file(page, run, config) -> None:
    expected = search_answers(run.documents, "バス", min_count=run.min_count)
    first = expected.answers.iloc[0]
    label = next(x for x in ("見守り", "配食", "居場所") if x not in first["categories"])
    page.locator(".lab-search .lab-results select").select_option(index=0)
    page.locator(".lab-search .lab-viewer").filter(has_text=first["text"]).wait_for()
    page.locator(".lab-search").get_by_label(label, exact=True).check()
    page.locator(".lab-search .lab-save").click()
    page.locator(".lab-search .lab-status").filter(has_text="保存しました").wait_for()
    path = config.path.parent / "labeled" / f"corrections_{run.fiscal_year}.tsv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert [row["text"] for row in rows] == [first["text"]]
    assert label in rows[0]["categories"].split("|")


def _save_picture(page) -> None:
    """The README's picture: the opinion map with its groups (the sample town's invented,
    masked answers only)."""
    target = os.environ.get("NEEDS_ANALYSIS_SCREENSHOT")
    if not target:
        return
    # Choosing the open tab of the left side bar folds the file browser away.
    page.locator(".jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current").click()
    chart = page.locator(".js-plotly-plot").filter(has_text="意見マップ")
    chart.scroll_into_view_if_needed()
    page.mouse.wheel(0, -60)
    page.wait_for_timeout(500)
    page.screenshot(path=target)
