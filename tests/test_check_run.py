"""The check step end to end: review --sample → filled as in Excel → run --check (pages,
workbook, run data) and the same town's run without a check; train --corrections learns
the sheet, after which a run refuses to correct with it."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from conftest import write_survey
from openpyxl import load_workbook

from needs_analysis.config.load import load_config
from needs_analysis.paths import labeled_data_dir, sample_config_path
from needs_analysis.report.rundata import load_run
from needs_analysis.review.check_match import checks_for_run
from needs_analysis.review.check_sheet import CHECK_SHEET
from needs_analysis.run.jobs import run_reports

pytestmark = pytest.mark.slow

BASE_FILES = ("sonota.tsv", "voices_idou_gomi.tsv", "voices_mimamori_ibasho.tsv")
CONFIG = """
[municipality]
name = "テスト町"
fiscal_year = 2025

[surveys.2025]
path = "survey.csv"

[surveys.2022]
path = "old.csv"

[classifier]
labeled = "base"

[report]
pdf = false

[[areas]]
name = "北部"
population_65 = 800

[[areas]]
name = "南部"
population_65 = 700
"""
HEADER = ["回答者ID", "圏域", "自由記述"]
TEXTS = {
    "北部": [
        "ゴミ出しが階段でつらい",
        "ゴミを集積所まで運べない",
        "バスが少なくて通院が大変",
        "特になし",
        "話し相手がほしい",
        "一人暮らしで倒れたら不安",
    ],
    "南部": [
        "特にありません",
        "バスの本数を増やしてほしい",
        "サロンに行きたいが足がない",
        "今は元気なので大丈夫です",
        "ゴミ出しを手伝ってほしい",
        "夜中に倒れたら誰も気づかない",
    ],
}
TRUTH = {"ゴミ": "ゴミ出し", "バス": "移動支援", "話し相手": "居場所", "サロン": "居場所"}


def survey(repeat: int) -> list[list[str]]:
    rows = []
    for area, texts in TEXTS.items():
        for _ in range(repeat):
            for text in texts:
                rows.append([f"R{len(rows) + 1:04d}", area, text])
    return rows


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("town")
    (folder / "config.toml").write_text(CONFIG, encoding="utf-8")
    (folder / "base").mkdir()
    for name in BASE_FILES:
        shutil.copy(labeled_data_dir() / name, folder / "base" / name)
    write_survey(folder, survey(6), header=HEADER)
    write_survey(folder, survey(5), name="old.csv", header=HEADER)
    return folder


def fill(path: Path) -> None:
    """Mark every row by the words of :data:`TRUTH`, as a coordinator would in Excel."""
    book = load_workbook(path)
    sheet = book[CHECK_SHEET]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        labels = {label for word, label in TRUTH.items() if word in row[1].value}
        for label in labels or {"その他"}:
            row[header.index(label)].value = "○"
    book.save(path)


@pytest.fixture(scope="module")
def sheet(town: Path) -> Path:
    from needs_analysis.cli.command import main

    code = main(
        ["review", "--config", str(town / "config.toml"), "--sample", "30", "--out",
         str(town / "reports"), "--seed", "3"]
    )  # fmt: skip
    assert code == 0
    path = town / "reports" / "2025" / "check_2025.xlsx"
    fill(path)
    return path


@pytest.fixture(scope="module")
def runs(town: Path, sheet: Path, tmp_path_factory):
    config = load_config(town / "config.toml")
    checked = run_reports(config, out=tmp_path_factory.mktemp("checked"), check=sheet)
    plain = run_reports(config, out=tmp_path_factory.mktemp("plain"))
    return checked, plain


def page_text(out_dir: Path, name: str) -> str:
    notebook = nbformat.read(out_dir / "notebooks" / name, as_version=4)
    return "\n".join(
        output.get("data", {}).get("text/markdown", "")
        + output.get("data", {}).get("text/html", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )


def test_review_sample_says_how_many_checks_before_it_draws(town, sheet, capsys):
    from needs_analysis.cli.command import main

    again = town / "again"
    code = main(
        ["review", "--config", str(town / "config.toml"), "--sample", "12", "--out", str(again),
         "--half-width", "5"]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    plan, written = (
        out.index("95%区間を±5ポイントにするには"),
        out.index("点検シートを書き出しました"),
    )
    assert plan < written and "12件の確認では、区間はおよそ±" in out
    assert "北部 6件、南部 6件" in out


def test_the_run_with_a_check_says_so_everywhere(runs):
    checked, _ = runs
    out = checked.out_dir
    sentence = "職員が 30 件を確認して補正した割合"
    assert sentence in page_text(out, "index.ipynb")
    for area in ("北部", "南部"):
        handout = next((out / "notebooks").glob(f"handout_*{area}.ipynb"))
        text = page_text(out, handout.name)
        assert sentence in text and "補正した割合" in text and "自動の該当" in text
    run = load_run(out / "data")
    assert run.check is not None and run.check.checked == 30
    gaps = run.tables.gaps
    assert gaps["corrected"].all() and (gaps["model_rate"] != gaps["rate"]).any()
    assert run.tables.automatic is not None and not run.tables.automatic["corrected"].any()
    # The change since last time compares automatic rates in both years.
    change = run.tables.change.set_index(["area", "category"])
    automatic = run.tables.automatic.set_index(["area", "category"])
    shown = change["rate"].notna()
    assert (change.loc[shown, "rate"] == automatic.loc[change.index[shown], "rate"]).all()
    book = load_workbook(out / "needs_analysis_2025.xlsx", read_only=True)
    assert "補正した割合" in book.sheetnames
    rows = list(book["補正した割合"].iter_rows(values_only=True))
    assert list(rows[0][:7]) == [
        "圏域", "分類", "自動の割合", "補正した割合", "95%区間の下限", "95%区間の上限", "確認した回答",
    ]  # fmt: skip
    town_rows = [row for row in rows[1:] if row[0] == "町全体"]
    assert len(town_rows) == len(run.taxonomy.labels) and {r[6] for r in town_rows} == {30}
    by_cell = gaps.set_index(["area", "category"])
    for row in rows[1:]:
        if row[0] != "町全体" and row[3] is not None:
            assert row[3] == pytest.approx(by_cell.loc[(row[0], row[1]), "rate"])
            assert row[2] == pytest.approx(by_cell.loc[(row[0], row[1]), "model_rate"])
    explanation = {row[0]: row[1] for row in book["説明"].iter_rows(values_only=True)}
    assert sentence in explanation["割合の出し方"] and "補正した割合" in explanation


def test_the_run_without_a_check_says_the_rates_are_automatic(runs):
    _, plain = runs
    out = plain.out_dir
    assert "自動で分類して数えたもの（自動の割合）" in page_text(out, "index.ipynb")
    assert "補正した割合" not in page_text(out, "index.ipynb")
    run = load_run(out / "data")
    assert run.check is None and run.tables.automatic is None
    assert not run.tables.gaps["corrected"].any()
    book = load_workbook(out / "needs_analysis_2025.xlsx", read_only=True)
    assert "補正した割合" not in book.sheetnames
    explanation = {row[0]: row[1] for row in book["説明"].iter_rows(values_only=True)}
    assert "自動の割合" in explanation["割合の出し方"]


def test_a_learned_check_sheet_no_longer_corrects(town, sheet, runs, capsys):
    from needs_analysis.cli.command import main

    config = str(town / "config.toml")
    learned = town / "learned.xlsx"
    shutil.copy(sheet, learned)
    assert main(["train", "--config", config, "--corrections", str(learned)]) == 0
    out = capsys.readouterr().out
    assert "以後の run では割合の補正に使えません" in out
    stored = pd.read_csv(town / "labeled" / "corrections_2025.tsv", sep="\t")
    assert len(stored) == len(set(stored["key"])) > 0
    code = main(["run", "--config", config, "--check", str(learned), "--out", str(town / "x")])
    err = capsys.readouterr().err
    assert code == 2 and "train --corrections でモデルに学ばせてある" in err
    assert "Traceback" not in err


def test_the_sample_towns_check_sheet_fits_its_survey():
    """The shipped sheet, filled from the planted labels (and saying so), is a valid check
    of the 2025 survey, and each of its keys finds the answer whose masked text it shows."""
    from needs_analysis.ingest.places import town_tokenizer
    from needs_analysis.ingest.survey import load_survey
    from needs_analysis.privacy.masking import mask_personal_data

    planted = tomllib.loads((sample_config_path().parent / "planted.toml").read_text("utf-8"))
    config = load_config()
    path = sample_config_path().parent / planted["check"]["file"]
    responses = load_survey(config, planted["check"]["fiscal_year"]).responses
    matched, sheet = checks_for_run(config, 2025, responses, path, print)
    assert sheet.planted and len(matched.index) == planted["check"]["size"]
    assert sheet.seed == str(planted["check"]["seed"])
    tokenizer = town_tokenizer(config)
    texts = {answer.key: answer.text for answer in sheet.answers}
    for index, key in zip(matched.index, matched.keys, strict=True):
        assert mask_personal_data(responses.at[index, "text"], tokenizer) == texts[key]
