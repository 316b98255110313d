"""The review loop: review sheet → filled by hand → train --corrections → the town's model."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import write_survey
from openpyxl import load_workbook

from needs_analysis.classify.predictions import Prediction, predict_answers
from needs_analysis.classify.sources import ModelSources, town_labeled_dir
from needs_analysis.classify.store import get_classifier, model_cache_path
from needs_analysis.classify.town_model import margins, text_key
from needs_analysis.cli.command import main
from needs_analysis.config.load import load_config
from needs_analysis.paths import labeled_data_dir
from needs_analysis.report.pages import model_note
from needs_analysis.review.sheet import CHECK_HEADER, KEY_HEADER, SHEET_NAME, uncertain_answers
from needs_analysis.text.normalize import normalize_text

# A small base set keeps each refit to seconds; the bundled files are the project's own.
BASE_FILES = (
    "sonota.tsv",
    "voices_idou_gomi.tsv",
    "voices_kaji_haishoku_kaimono.tsv",
    "voices_mimamori_ibasho.tsv",
)
CONFIG = """
[municipality]
name = "テスト町"
fiscal_year = 2025

[surveys.2025]
path = "survey.csv"

[classifier]
labeled = "base"

[[areas]]
name = "北部"
population_65 = 800

[[areas]]
name = "南部"
population_65 = 700
"""
HEADER = ["回答者ID", "圏域", "自由記述"]
PLANTED_NAME, PLANTED_PHONE = "渡部ミツ子", "0294-55-7788"
TEXTS = [
    "バスが少なくて病院に行けない",
    "ゴミ出しが大変です。",
    "特になし",
    "一人暮らしで話し相手がいない",
    "電球の交換ができない",
    "移動販売が来てくれると助かる",
    f"隣の{PLANTED_NAME}さん（{PLANTED_PHONE}）に買い物を頼んでいる",
    "夕飯はいつも一人。味気ない。",
    "町内会の行事が減って寂しい",
    "車で回ってきてた魚屋さんがやめちまった。",
    "庭の木が伸びて困っている",
    "弁当を届けてほしい",
]
# The first text is answered twice, in two areas: one key, and both answers change.
SURVEY = [
    [f"R-2025{number:04d}", "北部" if number % 2 else "南部", text]
    for number, text in enumerate([*TEXTS, TEXTS[0]], start=1)
]


@pytest.fixture
def town(tmp_path: Path) -> Path:
    (tmp_path / "config.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "base").mkdir()
    for name in BASE_FILES:
        shutil.copy(labeled_data_dir() / name, tmp_path / "base" / name)
    write_survey(tmp_path, SURVEY, header=HEADER)
    return tmp_path


def _review(town: Path) -> Path:
    code = main(["review", "--config", str(town / "config.toml"), "--out", str(town / "out")])
    assert code == 0
    return town / "out" / "2025" / "review_2025.xlsx"


def _sheet_rows(path: Path) -> tuple[list[str], list[tuple]]:
    rows = list(load_workbook(path, read_only=True)[SHEET_NAME].iter_rows(values_only=True))
    return list(rows[0]), rows[1:]


def _fill(path: Path, marks: dict[str, list[str]], edit=None) -> None:
    """Put ○ in the named columns of the rows whose text starts with a given prefix."""
    book = load_workbook(path)
    sheet = book[SHEET_NAME]
    header = [cell.value for cell in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        for prefix, labels in marks.items():
            if str(row[1].value).startswith(prefix):
                for label in labels:
                    row[header.index(label)].value = "○"
    if edit:
        edit(sheet, header)
    book.save(path)


def _categories(config_path: Path) -> dict[str, tuple[str, ...]]:
    """Each survey row's text → the town model's categories (duplicates share a text)."""
    model = get_classifier(load_config(config_path))
    texts = [row[2] for row in SURVEY]
    return {
        f"{i}:{t}": p.labels
        for i, (t, p) in enumerate(zip(texts, predict_answers(model, texts), strict=True))
    }


@pytest.mark.slow
def test_review_sheet_names_no_respondent_and_masks_planted_data(town, capsys, monkeypatch):
    monkeypatch.chdir(town)
    path = _review(town)
    # The command it prints works from the current folder: both paths lead to the files.
    printed = capsys.readouterr().out
    command = next(line for line in printed.splitlines() if "--corrections" in line)
    words = shlex.split(command)
    assert Path(words[words.index("--config") + 1]).resolve() == (town / "config.toml").resolve()
    assert Path(words[words.index("--corrections") + 1]).resolve() == path.resolve()
    assert words[words.index("--corrections") + 1] == "out/2025/review_2025.xlsx"
    book = load_workbook(path)
    assert book.sheetnames[0] == "説明"
    sheet = book[SHEET_NAME]
    assert sheet.freeze_panes == "C2"
    header, rows = _sheet_rows(path)
    assert header[0] == KEY_HEADER and "メモ" in header and CHECK_HEADER in header
    assert not any("ID" in str(h) or "回答者" in str(h) for h in header)
    # One row per distinct text; every cell free of IDs and of the planted personal data.
    assert len(rows) == len(set(TEXTS))
    cells = " ".join(str(c) for row in rows for c in row)
    cells += " ".join(str(c) for row in book["説明"].iter_rows(values_only=True) for c in row)
    for respondent, _, _ in SURVEY:
        assert respondent not in cells
    assert PLANTED_NAME not in cells and PLANTED_PHONE not in cells
    assert "〇〇" in cells and "【電話番号】" in cells
    assert {row[0] for row in rows} == {text_key(t) for t in TEXTS}
    validation = sheet.data_validations.dataValidation[0]
    assert validation.formula1 == '"○"'


@pytest.mark.slow
def test_round_trip_changes_the_corrected_texts_and_their_duplicates(town, capsys):
    config_path = town / "config.toml"
    before = _categories(config_path)
    texts = [row[2] for row in SURVEY]
    base_model = get_classifier(load_config(config_path))
    gaps, _ = margins(base_model, predict_answers(base_model, texts))
    unsure = {text for text, gap in zip(texts, gaps, strict=True) if gap < 0.05}
    path = _review(town)
    header, rows = _sheet_rows(path)
    current = {row[1]: row[3] for row in rows}
    # Mark a different answer than the model's for two texts (one answered twice).
    chosen = {TEXTS[0]: ["見守り"], TEXTS[9]: ["買い物支援", "移動支援"]}
    for text, labels in list(chosen.items()):
        if set(current[text].split("|")) == set(labels):
            chosen[text] = ["その他"]
    _fill(path, chosen)
    assert main(["train", "--config", str(config_path), "--corrections", str(path)]) == 0
    out = capsys.readouterr().out
    assert "町の修正 2件を反映" in out and "分類が変わった回答" in out
    after = _categories(config_path)
    changed = {key.split(":", 1)[1] for key in before if before[key] != after[key]}
    assert set(chosen) <= changed
    # Refitting may also move an answer that sat on a decision threshold, never a sure one.
    assert changed - set(chosen) <= unsure
    for key, labels in after.items():
        text = key.split(":", 1)[1]
        if text in chosen:
            expected = tuple(label for label in base_model.labels if label in chosen[text])
            assert labels == expected
    stored = (town_labeled_dir(load_config(config_path)) / "corrections_2025.tsv").read_text(
        encoding="utf-8"
    )
    assert len(stored.strip().splitlines()) == 3  # header + two texts
    model = get_classifier(load_config(config_path))
    assert model.metadata["town_corrections"] == 2
    assert model_note(SimpleNamespace(model_metadata=model.metadata)) == "町の修正 2件を反映"


def _delete_column(sheet, header):
    sheet.delete_cols(header.index("居場所") + 1)


def _edit_key(sheet, header):
    sheet.cell(row=2, column=1).value = "0123456789ab"
    sheet.cell(row=2, column=header.index("配食") + 1).value = "○"


def _wrong_mark(sheet, header):
    sheet.cell(row=3, column=header.index("配食") + 1).value = "×"


def _other_and_more(sheet, header):
    sheet.cell(row=2, column=header.index("その他") + 1).value = "○"
    sheet.cell(row=2, column=header.index("配食") + 1).value = "○"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_wrong_mark, "3行目: 「配食」列の「×」は使えません"),
        (_edit_key, "2行目: キー「0123456789ab」は2025年度の調査のどの回答とも一致しません"),
        (_delete_column, "「居場所」列がありません"),
        (_other_and_more, "2行目: 「その他」とほかの分類（"),
    ],
)
def test_bad_sheet_is_one_sentence_and_changes_nothing(town, capsys, edit, expected):
    path = _review(town)
    # A good row too: nothing of it may be applied while another row is wrong.
    _fill(path, {TEXTS[1]: ["ゴミ出し"]}, edit)
    capsys.readouterr()
    code = main(["train", "--config", str(town / "config.toml"), "--corrections", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and str(path) in err
    assert "Traceback" not in err
    assert len([line for line in err.splitlines() if "行目" in line]) == 1
    assert not (town / "labeled").exists()


def test_csv_saved_from_excel_is_refused(town, capsys):
    path = _review(town)
    header, rows = _sheet_rows(path)
    csv_path = path.with_suffix(".csv")
    lines = [",".join(str(c or "") for c in row) for row in [header, *rows]]
    csv_path.write_bytes("\r\n".join(lines).encode("cp932", errors="replace"))
    code = main(["train", "--config", str(town / "config.toml"), "--corrections", str(csv_path)])
    err = capsys.readouterr().err
    assert code == 2 and "Excel（.xlsx）のファイルではありません" in err
    assert str(csv_path) in err and len(err.strip().splitlines()) == 1
    assert not (town / "labeled").exists()


@pytest.mark.slow
def test_train_labeled_adds_to_the_base_and_is_used_by_classify(town, capsys):
    config_path = town / "config.toml"
    base_model = get_classifier(load_config(config_path))
    mine = town / "mine.tsv"
    mine.write_text(
        "text\tcategories\n"
        "ぬくもり号の本数を増やしてほしい\t移動支援\n"
        "ぬくもり号が来ないので病院に行けない\t移動支援\n"
        "特に困っていない\tその他\n",
        encoding="utf-8",
    )
    assert main(["train", "--config", str(config_path), "--labeled", str(mine)]) == 0
    out = capsys.readouterr().out
    assert "同梱の学習データに加えます" in out and "学習した回答" in out
    assert "ルールの点検" not in out
    config = load_config(config_path)
    model = get_classifier(config)
    assert model.metadata["examples"] == base_model.metadata["examples"] + 3
    assert model.metadata["town_added"] == 3
    sources = ModelSources.from_config(config)
    assert model_cache_path(sources.fingerprint()).is_file()
    # classify with this config uses the new model without refitting it.
    survey = town / "survey.csv"
    assert (
        main(["classify", str(survey), "-o", str(town / "out.csv"), "--config", str(config_path)])
        == 0
    )


def test_town_files_enter_the_cache_key(town):
    config = load_config(town / "config.toml")
    plain = ModelSources.from_config(config)
    assert not plain.is_town_model
    keys = [model_cache_path(plain.fingerprint())]
    folder = town_labeled_dir(config)
    folder.mkdir()
    for labels in ("その他", "見守り"):
        (folder / "corrections_2025.tsv").write_text(
            f"text\tcategories\tkey\n特になし\t{labels}\tabc\n", encoding="utf-8"
        )
        corrected = ModelSources.from_config(config)
        assert corrected.corrections and corrected.use_base
        keys.append(model_cache_path(corrected.fingerprint()))
    assert len(set(keys)) == 3
    (folder / "replace_mine.tsv").write_text("text\tcategories\n特になし\tその他\n", "utf-8")
    assert not ModelSources.from_config(config).use_base


def test_uncertain_answers_one_per_text_spread_over_areas():
    import pandas as pd

    def prediction(p: float) -> Prediction:
        return Prediction((), 1 - p, "", {"移動支援": p, "居場所": 0.1})

    # Area A has many answers near the threshold; area B fewer and slightly surer.
    rows = [("A", f"A{i}", prediction(0.5 + i / 1000)) for i in range(10)]
    rows += [("B", f"B{i}", prediction(0.45 - i / 1000)) for i in range(5)]
    rows += [("A", "A0", prediction(0.5))]  # a duplicate text
    frame = pd.DataFrame(rows, columns=["area", "text", "prediction"])
    model = SimpleNamespace(thresholds={}, overrides={})
    picked = uncertain_answers(frame, model, 6)
    assert len(picked) == 6 and picked["text"].is_unique
    assert set(picked["area"]) == {"A", "B"}
    assert picked["text"].iloc[0] == "A0"
    assert int(picked.set_index("text").at["A0", "copies"]) == 2
    assert normalize_text(picked["text"].iloc[0]) == "A0"


@pytest.mark.slow
def test_town_model_on_the_fast_path_keeps_the_corrections(town):
    from needs_analysis.classify.predictions import CORRECTION_EVIDENCE

    config = load_config(town / "config.toml")
    folder = town_labeled_dir(config)
    folder.mkdir()
    (folder / "corrections_2025.tsv").write_text(
        f"text\tcategories\tkey\n特になし\t見守り\t{text_key('特になし')}\n", encoding="utf-8"
    )
    model = get_classifier(config, fast=True)
    assert model.overrides == {text_key("特になし"): ("見守り",)} and model.fast
    assert "encoder" not in model.blocks_
    assert model.metadata["town_corrections"] == 1
    sources = ModelSources.from_config(config)
    assert model_cache_path(sources.fingerprint(), fast=True).is_file()
    assert not model_cache_path(sources.fingerprint()).is_file()  # the encoder model: unfitted
    corrected, duplicate, other = predict_answers(model, ["特になし", " 特になし ", "バスが少ない"])
    assert corrected.labels == duplicate.labels == ("見守り",)
    assert corrected.evidence == CORRECTION_EVIDENCE
    assert other.evidence != CORRECTION_EVIDENCE
