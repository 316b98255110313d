"""A town's report folder: beside its config, never half-written, one run at a time, and a
run removes only what the same town's earlier run of the same year wrote.

The staging folder is exercised here with files written by the test (fast); the real
``needs-analysis run`` killed at several points is in ``test_run_interrupted.py``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from needs_analysis.cli.command import main
from needs_analysis.config.load import load_config
from needs_analysis.outputs import (
    CHECK,
    MANIFEST,
    RUN,
    OutputError,
    Written,
    folder_lock,
    lock_path,
    read_record,
    report_root,
    write_record,
)
from needs_analysis.run.jobs import planned_files
from needs_analysis.run.staging import (
    PREVIOUS_SUFFIX,
    STAGING_SUFFIX,
    commit,
    staged_folder,
    staging_path,
)

TOWN, YEAR = "テスト町", 2025
PLANNED = ["index.html", "handout_01_北部.html", "rejects/survey_rejects.csv", "data/run.pkl"]


def fake_run(target: Path, contents: str, names=PLANNED, town=TOWN, year=YEAR):
    """What a run does with its folder, with files the test writes."""
    with staged_folder(target, town, year, names) as staged:
        files = []
        for name in names:
            path = staged.folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"{contents} {name}", encoding="utf-8")
            files.append(path)
        return commit(staged, files)


def snapshot(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_a_run_replaces_its_earlier_run_and_keeps_every_other_file(tmp_path):
    target = tmp_path / "reports" / "2025"
    fake_run(target, "一回目", [*PLANNED, "handout_02_旧地区.html"])
    (target / "メモ.txt").write_text("会議の前に確認", encoding="utf-8")
    (target / "rejects" / "自分の一覧.csv").write_text("手作業", encoding="utf-8")
    # Another town's file and this town's check output, both in the record.
    (target / "other.html").write_text("よその町", encoding="utf-8")
    (target / "rejects" / "resources_rejects.csv").write_text("check", encoding="utf-8")
    entries = read_record(target)
    entries += [Written("other.html", "よその町", YEAR, RUN)]
    entries += [Written("rejects/resources_rejects.csv", TOWN, YEAR, CHECK)]
    write_record(target, entries)

    removed = fake_run(target, "二回目")

    assert removed == ["handout_02_旧地区.html"]
    files = snapshot(target)
    assert files["index.html"] == "二回目 index.html"
    assert files["メモ.txt"] == "会議の前に確認" and files["rejects/自分の一覧.csv"] == "手作業"
    assert files["other.html"] == "よその町"
    assert files["rejects/resources_rejects.csv"] == "check"
    assert "handout_02_旧地区.html" not in files
    record = {entry.name: entry for entry in read_record(target)}
    assert record["index.html"] == Written("index.html", TOWN, YEAR, RUN)
    assert record["other.html"].town == "よその町"
    assert record["rejects/resources_rejects.csv"].command == CHECK
    assert "メモ.txt" not in record
    assert sorted(p.name for p in target.parent.iterdir()) == sorted(
        ["2025", lock_path(target).name]
    )


@pytest.mark.parametrize(
    ("owner", "says"),
    [
        (Written("index.html", "よその町", YEAR, RUN), "よその町（2025年度）の資料があります"),
        (Written("index.html", TOWN, 2024, RUN), "テスト町（2024年度）の資料があります"),
        (None, "このツールが書いたファイルではない"),
    ],
    ids=["another town", "another year", "the user's own file"],
)
def test_a_file_that_is_not_this_towns_is_never_overwritten(tmp_path, owner, says):
    target = tmp_path / "2025"
    target.mkdir()
    (target / "index.html").write_text("大事なページ", encoding="utf-8")
    if owner is not None:
        write_record(target, [owner])
    with pytest.raises(OutputError, match=says):
        fake_run(target, "上書き")
    assert (target / "index.html").read_text(encoding="utf-8") == "大事なページ"
    assert not staging_path(target).exists()


def test_a_record_written_before_towns_were_recorded_counts_as_the_running_towns(tmp_path):
    target = tmp_path / "2025"
    target.mkdir()
    (target / "index.html").write_text("古い", encoding="utf-8")
    (target / "handout_09_旧.html").write_text("古い", encoding="utf-8")
    (target / "outside.txt").write_text("x", encoding="utf-8")
    (target / MANIFEST).write_text(
        "index.html\nhandout_09_旧.html\n../outside.txt\n/etc/passwd\n", encoding="utf-8"
    )
    assert [e.name for e in read_record(target)] == ["index.html", "handout_09_旧.html"]
    assert fake_run(target, "新") == ["handout_09_旧.html"]
    assert (target / "outside.txt").exists() and (tmp_path / "2025" / "index.html").exists()


@pytest.mark.parametrize(
    "name",
    [
        "handout_01_" + "長" * 100 + ".html",  # 300 bytes: longer than a file name may be
        "notebooks/" + "x" * 256 + ".ipynb",
    ],
    ids=["long area name", "long notebook name"],
)
def test_a_name_the_disk_cannot_hold_stops_the_run_before_the_work(tmp_path, name):
    target = tmp_path / "2025"
    fake_run(target, "前回")
    before = snapshot(target)
    with pytest.raises(OutputError, match="ファイルを作れません") as caught:
        with staged_folder(target, TOWN, YEAR, [*PLANNED, name]):
            raise AssertionError("the work must not start")
    assert "\n" not in str(caught.value) and str(target) in str(caught.value)
    assert snapshot(target) == before and not staging_path(target).exists()


def test_a_file_another_program_holds_stops_the_run_before_the_work(tmp_path, monkeypatch):
    """Where Excel holds the workbook open, opening it for writing fails (Windows); the
    run says so before the work instead of failing when it moves its files."""
    target = tmp_path / "2025"
    fake_run(target, "前回")
    held = target / "index.html"
    opened = Path.open

    def refuse(self, mode="r", *args, **kwargs):
        if self == held and "+" in mode:
            raise PermissionError(13, "Permission denied", str(self))
        return opened(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(OutputError, match="開いているか"):
        fake_run(target, "今回")
    assert held.read_text(encoding="utf-8") == "前回 index.html"


def test_a_target_that_is_a_file_is_refused(tmp_path):
    target = tmp_path / "2025"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="ファイルです"):
        fake_run(target, "今回")


def test_a_second_run_on_the_same_folder_stops_in_one_sentence(tmp_path):
    target = tmp_path / "2025"
    with folder_lock(target):
        with pytest.raises(OutputError) as caught:
            fake_run(target, "二つ目")
    message = str(caught.value)
    assert "書き出している最中" in message and "\n" not in message
    assert fake_run(target, "後から") == []  # free again once the first is done


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from needs_analysis.outputs import folder_lock
    with folder_lock(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(600)
    """
)


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_the_lock_ends_with_the_process_however_it_ends(tmp_path, how):
    target = tmp_path / "2025"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(target)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(OutputError, match="書き出している最中"):
            fake_run(target, "途中")
    finally:
        holder.send_signal(how)
        holder.wait(timeout=60)
    fake_run(target, "後から")
    assert snapshot(target)["index.html"] == "後から index.html"


# A run that stops for good at one step of putting its folder in place: the test kills it
# there, as a power cut or SIGKILL would.
KILLED_AT = textwrap.dedent(
    """
    import os, signal, sys, time
    from pathlib import Path
    from needs_analysis.run import staging
    from needs_analysis.run.staging import commit, staged_folder

    target, step = Path(sys.argv[1]), sys.argv[2]
    names = ["index.html", "handout_01_北部.html", "rejects/survey_rejects.csv"]

    def stop(label):
        # Wait here to be killed. Where the run holds SIGTERM (while the folders change
        # places) the signal stays pending, and the step goes on as a real one would.
        if label == step:
            print("stopped", flush=True)
            for _ in range(6000):
                if signal.SIGTERM in signal.sigpending():
                    return
                time.sleep(0.1)

    if step.startswith("fallback"):
        staging._exchange = lambda first, second: False
    replace = os.replace
    def stepped(source, destination):
        stop(f"fallback before {Path(destination).name}")
        replace(source, destination)
    staging.os.replace = stepped
    rmtree = staging.shutil.rmtree
    def removing(path, *args, **kwargs):
        stop("before removing the previous folder")
        rmtree(path, *args, **kwargs)
    staging.shutil.rmtree = removing
    write_record = staging.write_record
    def recording(folder, entries):
        stop("before the record")
        write_record(folder, entries)
        stop("after the record")
    staging.write_record = recording

    with staged_folder(target, "テスト町", 2025, names) as staged:
        files = []
        for number, name in enumerate(names):
            path = staged.folder / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"新しい {name}", encoding="utf-8")
            files.append(path)
            stop(f"writing {number}")
        commit(staged, files)
    print("done", flush=True)
    """
)

STEPS = [
    "writing 0",
    "writing 2",
    "before the record",
    "after the record",
    "before removing the previous folder",
    "fallback before 2025" + PREVIOUS_SUFFIX,
    "fallback before 2025",
]


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_run_killed_at_any_step_leaves_the_previous_or_the_new_run(tmp_path, step, how):
    target = tmp_path / "2025"
    fake_run(target, "前回", PLANNED[:3])
    (target / "メモ.txt").write_text("自分のメモ", encoding="utf-8")
    previous = snapshot(target)
    run = subprocess.Popen(
        [sys.executable, "-c", KILLED_AT, str(target), step], stdout=subprocess.PIPE, text=True
    )
    try:
        assert run.stdout.readline().strip() == "stopped"
    finally:
        run.send_signal(how)
        run.wait(timeout=60)
    new = {**previous, **{n: f"新しい {n}" for n in PLANNED[:3]}}
    new.pop(MANIFEST)
    after = {n: t for n, t in snapshot(target).items() if n != MANIFEST} if target.exists() else {}
    leftovers = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("2025",))
    allowed = {lock_path(target).name, "2025" + STAGING_SUFFIX, "2025" + PREVIOUS_SUFFIX}
    assert set(leftovers) <= allowed, leftovers
    if target.exists():
        old = {n: t for n, t in previous.items() if n != MANIFEST}
        assert after in (old, new), after
    else:  # killed between the two renames (no atomic exchange): both complete, named
        assert {"2025" + STAGING_SUFFIX, "2025" + PREVIOUS_SUFFIX} <= set(leftovers)
    # The next run clears what was left and starts from a complete folder.
    fake_run(target, "次回", PLANNED[:3])
    assert snapshot(target)["メモ.txt"] == "自分のメモ"
    assert snapshot(target)["index.html"] == "次回 index.html"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["2025", lock_path(target).name])


def test_report_root_belongs_to_the_config(tmp_path, monkeypatch):
    town = tmp_path / "町"
    town.mkdir()
    base = (Path(__file__).parent / "conftest.py").read_text(encoding="utf-8")
    text = base.split('TOWN_CONFIG = """', 1)[1].split('"""', 1)[0]
    (town / "config.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    config = load_config(town / "config.toml")
    assert report_root(config) == town.resolve() / "reports"
    assert report_root(config, tmp_path / "x") == tmp_path / "x"
    (town / "config.toml").write_text(text + '\n[report]\nout = "../共有/資料"\n', encoding="utf-8")
    assert report_root(load_config(town / "config.toml")) == (tmp_path / "共有" / "資料").resolve()
    assert report_root(load_config()) == Path("reports")  # the sample lives in the package


def test_planned_files_name_every_page_of_every_area(town_config):
    names = planned_files(town_config, 2025, pdf=True)
    assert "handout_03_南部.pdf" in names and "notebooks/explore.ipynb" in names
    assert "rejects/survey_rejects.csv" in names and "rejects/old_rejects.csv" in names
    assert "explore.pdf" not in planned_files(town_config, 2025, pdf=False)


def test_check_writes_into_the_towns_folder_and_records_it(town_dir, monkeypatch):
    from conftest import ROWS, write_survey

    write_survey(town_dir, [*ROWS, ["1", "北部", "", "", "", "重複"]])
    elsewhere = town_dir / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # not the town's folder: nothing goes here
    assert main(["check", "--config", str(town_dir / "config.toml")]) == 0
    folder = town_dir / "reports" / "2025"
    assert (folder / "rejects" / "survey_rejects.csv").is_file()
    assert read_record(folder) == [Written("rejects/survey_rejects.csv", TOWN, 2025, CHECK)]
    assert not (elsewhere / "reports").exists()
    # The town's run may replace it: it is this town's, of this year.
    fake_run(folder, "run")
    assert (folder / "rejects" / "survey_rejects.csv").read_text(encoding="utf-8").startswith("run")


def test_review_goes_to_the_towns_folder(town_dir, monkeypatch):
    from needs_analysis.review import sheet

    seen = {}

    def write_review(config, year, out_dir, n):
        seen["out"] = out_dir
        raise OutputError("止めます")

    monkeypatch.setattr(sheet, "write_review", write_review)
    (town_dir / "elsewhere").mkdir()
    monkeypatch.chdir(town_dir / "elsewhere")
    assert main(["review", "--config", str(town_dir / "config.toml")]) == 2
    assert seen["out"] == town_dir.resolve() / "reports"


def test_a_termination_request_removes_only_the_staging_folder(tmp_path):
    """`run` answers SIGTERM by removing the folder it is writing in and nothing else."""
    from needs_analysis.run.staging import abandon

    target = tmp_path / "2025"
    fake_run(target, "前回")
    before = snapshot(target)
    with staged_folder(target, TOWN, YEAR, PLANNED) as staged:
        (staged.folder / "index.html").write_text("途中", encoding="utf-8")
        abandon()
        assert not staged.folder.exists()
    assert snapshot(target) == before
