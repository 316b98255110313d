"""`needs-analysis run` as a real process, stopped with SIGTERM or SIGKILL at several points
of its work: the town's report folder always holds the previous complete run, a stopped
run leaves at most its staging folder, and the next run completes from there."""

from __future__ import annotations

import contextlib
import hashlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_report import write_town

from needs_analysis.outputs import lock_path, read_record
from needs_analysis.run.staging import STAGING_SUFFIX

pytestmark = pytest.mark.slow

# (what the run prints when it has reached the point, the signal it then gets): each
# signal while classifying, while writing the workbook and while the pages are being made.
POINTS = [
    ("回答を分類しています", signal.SIGTERM),
    ("回答を分類しています", signal.SIGKILL),
    ("集計表を Excel に書き出しています", signal.SIGKILL),
    ("集計表を Excel に書き出しています", signal.SIGTERM),
    ("  [1/", signal.SIGKILL),  # the first page is written, the others are being made
    ("  [2/", signal.SIGTERM),
]


def hashes(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def start(config: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "needs_analysis", "run", "--config", str(config), "--no-pdf"]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )


def wait_for(process: subprocess.Popen, marker: str, seconds: float = 900) -> list[str]:
    lines, deadline = [], time.monotonic() + seconds
    for line in process.stdout:
        lines.append(line)
        if marker in line:
            return lines
        assert time.monotonic() < deadline, "".join(lines)
    raise AssertionError(f"the run ended before 「{marker}」:\n{''.join(lines)}")


def stop(process: subprocess.Popen, how: signal.Signals) -> str:
    """Send the signal; return what the run printed after it. After SIGKILL the processes
    the run started (kernels, workers) live on, as they would in the field: the test ends
    them, so that they neither linger nor hold the run's output open."""
    import psutil

    children = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(how)
    process.wait(timeout=300)
    if how == signal.SIGKILL:
        for child in children:
            with contextlib.suppress(psutil.Error):
                child.kill()
    return process.stdout.read()


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    return write_town(tmp_path_factory.mktemp("town") / "小さな町")


def test_a_run_stopped_anywhere_leaves_the_previous_run_and_the_next_run_completes(town):
    root = town.parent / "reports"  # beside the config: the town's folder by default
    target = root / "2025"
    first = start(town)
    output = first.communicate(timeout=1800)[0]
    assert first.returncode == 0, output
    (target / "会議メモ.txt").write_text("配る前に確認", encoding="utf-8")
    complete = hashes(target)
    assert "index.html" in complete and "data/run.pkl" in complete

    for marker, how in POINTS:
        run = start(town)
        try:
            wait_for(run, marker)
        finally:
            rest = stop(run, how)
        assert hashes(target) == complete, (marker, how)
        left = {path.name for path in root.iterdir()}
        staging = target.name + STAGING_SUFFIX
        assert left <= {"2025", lock_path(target).name, staging}, left
        if how == signal.SIGTERM:  # a clean stop: nothing left, one sentence
            assert run.returncode == 130 and "中断しました" in rest, rest
            assert staging not in left and "Traceback" not in rest
        else:
            assert run.returncode == -signal.SIGKILL

    last = start(town)
    output = last.communicate(timeout=1800)[0]
    assert last.returncode == 0, output
    assert {path.name for path in root.iterdir()} == {"2025", lock_path(target).name}
    after = hashes(target)
    assert after.keys() == complete.keys()
    assert after["会議メモ.txt"] == complete["会議メモ.txt"]
    for entry in read_record(target):
        assert (target / entry.name).is_file() and entry.town == "小さな町"


def test_a_second_run_on_the_same_folder_is_refused_in_one_sentence(town):
    first = start(town)
    try:
        wait_for(first, "調査を読み込んで")
        second = subprocess.run(
            [sys.executable, "-m", "needs_analysis", "run", "--config", str(town), "--no-pdf"],
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        stop(first, signal.SIGTERM)
    assert second.returncode == 2
    message = second.stderr.strip()
    assert message.startswith("エラー: ") and "\n" not in message
    assert "書き出している最中" in message and "Traceback" not in second.stderr
