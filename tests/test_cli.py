"""The command line: Japanese output, counts that add up, one-sentence errors with status 2."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROWS, write_survey

from needs_analysis import __version__
from needs_analysis.cli.command import main


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "needs_analysis", *args], capture_output=True, text=True
    )


def test_help_and_version():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "check" in result.stdout
    version = run_cli("--version")
    assert version.stdout.strip() == f"needs-analysis {__version__}"


def test_check_prints_counts_that_add_up(town_dir, capsys, monkeypatch):
    monkeypatch.chdir(town_dir)
    write_survey(
        town_dir, [*ROWS, ["5", "東部", "", "", "", "x"], ["1", "北部", "", "", "", "重複"]]
    )
    code = main(["check", "--config", str(town_dir / "config.toml")])
    out = capsys.readouterr().out
    assert code == 0
    assert "読み込んだ行: 6" in out
    assert "受け付けた行: 4" in out
    assert "除外した行: 2" in out
    assert "圏域が不明: 1" in out and "回答者IDの重複: 1" in out
    assert "自由記述に回答あり: 3" in out
    assert "北部: 2（2）" in out
    rejects = town_dir / "reports" / "2025" / "rejects" / "survey_rejects.csv"
    assert rejects.is_file()
    assert len(rejects.read_text(encoding="utf-8-sig").strip().splitlines()) == 3


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("missing_column", "「自由記述」列"),
        ("empty", "ファイルが空です"),
        ("missing_file", "ファイルが見つかりません"),
    ],
)
def test_bad_input_is_one_sentence_and_status_2(town_dir, setup, expected):
    if setup == "missing_column":
        write_survey(
            town_dir,
            [row[:5] for row in ROWS],
            header=["回答者ID", "圏域", "年齢区分", "性別", "世帯構成"],
        )
    elif setup == "empty":
        (town_dir / "survey.csv").write_bytes(b"")
    result = run_cli("check", "--config", str(town_dir / "config.toml"))
    assert result.returncode == 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "survey.csv" in result.stderr


def test_bad_config_key_is_status_2(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[municipality]\nname = "x"\n', encoding="utf-8")
    result = run_cli("check", "--config", str(path))
    assert result.returncode == 2
    assert "municipality.fiscal_year" in result.stderr


def test_unknown_option_is_status_2():
    result = run_cli("check", "--no-such-option")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_run_options_for_pdf_and_keywords():
    from needs_analysis.cli.command import _comma_list
    from needs_analysis.cli.options import build_parser

    args = build_parser().parse_args(
        ["run", "--no-pdf", "--kwic", "送迎、ゴミ", "--category", "配食"]
    )
    assert args.pdf is False and _comma_list(args.kwic) == ["送迎", "ゴミ"]
    assert args.category == "配食"
    defaults = build_parser().parse_args(["run"])
    # None: the config decides (report.pdf, report.kwic).
    assert defaults.pdf is None and _comma_list(defaults.kwic) is None


def test_a_survey_file_name_typo_names_the_file_that_is_there(town_dir, run_main, monkeypatch):
    monkeypatch.chdir(town_dir)
    write_survey(town_dir, ROWS, name="survey_2025.csv")
    config = town_dir / "config.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace('"survey.csv"', '"survey_2052.csv"'),
        encoding="utf-8",
    )
    result = run_main("check", "--config", str(config))
    assert result.returncode == 2
    assert '"survey_2025.csv" ですか？' in result.stderr
    assert "Traceback" not in result.stderr


def test_check_lists_what_each_resource_type_supplies(tmp_path, run_main, monkeypatch):
    import shutil

    from needs_analysis.paths import sample_config_path

    town = tmp_path / "town"
    shutil.copytree(sample_config_path().parent, town, ignore=shutil.ignore_patterns("pool"))
    config = town / "config.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("[resource_categories]", '[resource_categories]\n"防犯パトロール" = []', 1),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = run_main("check", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "  サロン（13件）→ 居場所" in result.stdout
    assert "  防犯パトロール（資源一覧になし）→ どの困りごとにも数えていません" in result.stdout
