"""The sample town run twice: the same bytes every time, and a folder that holds one run."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from needs_analysis.config.load import load_config
from needs_analysis.outputs import MANIFEST, read_record
from needs_analysis.publish.pdf import find_browser
from needs_analysis.run.jobs import run_reports

# PDFs are compared too where a browser prints them.
COMPARED = {".html", ".ipynb", ".csv", ".xlsx"} | ({".pdf"} if find_browser() else set())


def _hashes(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.suffix in COMPARED
    }


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    config = load_config()
    first = run_reports(config, out=tmp_path_factory.mktemp("first"))
    # The second folder holds a user's note and the leftovers of an earlier run of the
    # tool (an area since renamed), listed in that run's manifest.
    second_root = tmp_path_factory.mktemp("second")
    folder = second_root / str(config.fiscal_year)
    (folder / "rejects").mkdir(parents=True)
    (folder / "メモ.txt").write_text("会議で配る前に確認", encoding="utf-8")
    (folder / "handout_09_旧地区.html").write_text("古い配布資料", encoding="utf-8")
    (folder / "rejects" / "old_rejects.csv").write_text("古い除外", encoding="utf-8")
    (folder / MANIFEST).write_text(
        "handout_09_旧地区.html\nrejects/old_rejects.csv\n../outside.txt\n", encoding="utf-8"
    )
    (second_root / "outside.txt").write_text("フォルダの外", encoding="utf-8")
    second = run_reports(config, out=second_root)
    return first, second


@pytest.mark.slow
def test_two_runs_of_the_sample_give_identical_files(two_runs):
    first, second = two_runs
    hashes = _hashes(first.out_dir)
    assert {Path(name).suffix for name in hashes} == COMPARED
    assert hashes == _hashes(second.out_dir)


@pytest.mark.slow
def test_outputs_hold_no_absolute_paths(two_runs):
    first, _ = two_runs
    root = str(first.out_dir.parent)
    for path in first.out_dir.rglob("*"):
        if path.suffix in {".html", ".ipynb", ".csv"}:
            assert root not in path.read_text(encoding="utf-8-sig"), path


@pytest.mark.slow
def test_rerun_removes_only_files_an_earlier_run_wrote(two_runs):
    _, second = two_runs
    folder = second.out_dir
    assert not (folder / "handout_09_旧地区.html").exists()
    assert not (folder / "rejects" / "old_rejects.csv").exists()
    assert (folder / "メモ.txt").read_text(encoding="utf-8") == "会議で配る前に確認"
    assert (folder.parent / "outside.txt").exists()
    listed = [entry.name for entry in read_record(folder)]
    assert "index.html" in listed and "メモ.txt" not in listed
    assert {(e.town, e.year) for e in read_record(folder)} == {("和泉ヶ原町", 2025)}
    for name in listed:
        assert (folder / name).is_file(), name
    assert "index.html\t和泉ヶ原町\t2025\trun" in (folder / MANIFEST).read_text(encoding="utf-8")


@pytest.mark.slow
def test_answers_are_never_shown_beside_respondent_attributes(two_runs):
    first, _ = two_runs
    attributes = {"回答者ID", "年齢区分", "性別", "世帯構成"}
    answer_columns = {"左の文脈", "右の文脈", "回答（マスク済み）", "回答（根拠語に印）"}
    for path in first.out_dir.glob("*.html"):
        page = path.read_text(encoding="utf-8")
        for head in re.findall(r"<thead>(.*?)</thead>", page, re.S):
            headers = set(re.findall(r"<th[^>]*>\s*([^<]*?)\s*</th>", head))
            if headers & answer_columns:
                assert not headers & attributes, (path.name, headers)
