"""Where results go: file-system mistakes as one sentence, safe file names, one run per folder."""

from __future__ import annotations

import zipfile
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from conftest import ROWS, write_survey

from needs_analysis.cli.command import main
from needs_analysis.outputs import (
    FIXED_TIMESTAMP,
    OutputError,
    output_file,
    output_folder,
    safe_file_name,
)
from needs_analysis.publish.xlsx import Sheet, display_width, write_workbook
from needs_analysis.run.jobs import notebook_jobs


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("北部/南部", "北部_南部"),
        ("駅前:東", "駅前_東"),
        ('a\\b*c?d"e<f>g|h', "a_b_c_d_e_f_g_h"),
        ("南ヶ丘", "南ヶ丘"),
        ("西原.", "西原"),
        ("  ", "_"),
        ("nul", "_nul"),
        ("改行\nあり", "改行_あり"),
    ],
)
def test_safe_file_name(name, safe):
    assert safe_file_name(name) == safe


def test_area_names_stay_as_written_in_titles_but_not_in_file_names():
    run = SimpleNamespace(
        municipality="テスト町", areas=["北部/南部", "駅前:東"], year_label="令和7年度"
    )
    jobs = notebook_jobs(run, Path("data"))
    handouts = [job for job in jobs if job.notebook == "02_brief_area.ipynb"]
    assert [job.output_stem for job in handouts] == ["handout_01_北部_南部", "handout_02_駅前_東"]
    assert [job.parameters["area"] for job in handouts] == ["北部/南部", "駅前:東"]
    assert "北部/南部" in handouts[0].title


def test_output_checks_name_the_problem(tmp_path):
    a_file = tmp_path / "a_file.txt"
    a_file.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="ファイルです"):
        output_folder(a_file, "--out")
    with pytest.raises(OutputError, match="作れません"):
        output_folder(a_file / "sub", "--out")
    with pytest.raises(OutputError, match="フォルダです"):
        output_file(tmp_path, "-o")
    with pytest.raises(OutputError, match="がありません"):
        output_file(tmp_path / "missing" / "x.csv", "--rejects")
    planned = output_file(tmp_path / "new" / "deeper" / "x.csv", "-o", create_folder=True)
    assert planned == tmp_path / "new" / "deeper" / "x.csv"
    assert not (tmp_path / "new").exists()  # made only when something is written
    with pytest.raises(OutputError, match="ファイルです"):
        output_file(a_file / "deeper" / "x.csv", "-o", create_folder=True)


def _cli(args, capsys):
    status = main(args)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_run_with_out_that_is_a_file_stops_before_the_work(tmp_path, capsys):
    target = tmp_path / "reports"
    target.write_text("x", encoding="utf-8")
    status, out, err = _cli(["run", "--out", str(target)], capsys)
    assert status == 2
    assert "--out" in err and str(target) in err
    assert "資料を作ります" not in out  # stopped before the long work announced itself


def test_classify_into_a_folder_is_status_2(town_dir, capsys):
    survey = write_survey(town_dir, ROWS)
    status, _, err = _cli(["classify", str(survey), "-o", str(town_dir)], capsys)
    assert status == 2
    assert "-o" in err and "フォルダです" in err
    assert "Traceback" not in err


def test_rejects_into_an_existing_folder(town_dir, capsys, monkeypatch):
    monkeypatch.chdir(town_dir)
    survey = write_survey(town_dir, [*ROWS, ["1", "北部", "", "", "", "重複"]])
    folder = town_dir / "out"
    folder.mkdir()
    status, out, _ = _cli(
        ["check", str(survey), "--config", str(town_dir / "config.toml"), "--rejects", str(folder)],
        capsys,
    )
    assert status == 0
    written = pd.read_csv(folder / "survey_rejects.csv", encoding="utf-8-sig", dtype=str)
    assert written["回答者ID"].tolist() == ["1"]  # the coordinator needs the ID to fix it


def test_check_of_the_sample_writes_the_resource_rejects_too(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, _ = _cli(["check"], capsys)
    assert status == 0
    assert "資源一覧:" in out
    rejects = list((tmp_path / "reports").rglob("resources_rejects.csv"))
    assert len(rejects) == 1
    table = pd.read_csv(rejects[0], encoding="utf-8-sig", dtype=str)
    assert list(table.columns[:3]) == ["元の行番号", "除外の理由", "詳しく"]
    assert not table["除外の理由"].isna().any()
    assert not {"source_row", "reason", "detail"} & set(table.columns)


def test_workbook_dates_are_fixed(tmp_path):
    path = write_workbook({"表": Sheet(pd.DataFrame({"a": [1]}))}, tmp_path / "book.xlsx", "町")
    with zipfile.ZipFile(path) as book:
        assert {info.date_time for info in book.infolist()} == {FIXED_TIMESTAMP}
        core = book.read("docProps/core.xml").decode()
    assert "2000-01-01T00:00:00Z" in core
    assert pd.read_excel(path)["a"].tolist() == [1]


@pytest.mark.parametrize(
    ("text", "width"),
    [("サロン", 6), ("ｻﾛﾝ", 3), ("abc", 3), ("ＡＢＣ", 6), ("移動支援 12件", 13), ("", 0)],
)
def test_spreadsheet_columns_are_as_wide_as_the_text_looks(text, width):
    assert display_width(text) == width
