"""The review sheet: the answers the model is least sure about, for a coordinator to correct.

One row per distinct answer (masked), the least certain first, spread over categories and
圏域 so that no single kind fills the sheet; one ○ column per category plus 要確認 and メモ.
The sheet names no respondent: each row carries an opaque key of its text instead.
:mod:`needs_analysis.review.corrections` reads the filled sheet back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from needs_analysis.classify.model import NeedClassifier
from needs_analysis.classify.predictions import is_corrected, predict_answers
from needs_analysis.classify.town_model import margins, text_key
from needs_analysis.config.load import format_fiscal_year
from needs_analysis.config.settings import Config
from needs_analysis.config.taxonomy import Taxonomy
from needs_analysis.ingest.places import town_tokenizer
from needs_analysis.outputs import escape_formula
from needs_analysis.privacy.masking import mask_personal_data
from needs_analysis.text.mecab import Tokenizer
from needs_analysis.text.normalize import normalize_text

SHEET_NAME = "確認"
INSTRUCTIONS_SHEET = "説明"
MARK = "○"
# Marks a coordinator may type instead of ○ (other circles, full-width letters are NFKC'd).
ACCEPTED_MARKS = frozenset({"○", "〇", "◯", "o", "O", "◎"})
KEY_HEADER = "キー"
TEXT_HEADER = "回答（伏せ字）"
COUNT_HEADER = "同じ回答の数"
CURRENT_HEADER = "今の分類"
CONFIDENCE_HEADER = "確信度"
EVIDENCE_HEADER = "根拠の語"
CHECK_HEADER = "要確認"
MEMO_HEADER = "メモ"
YEAR_LABEL = "年度"
# How many of the least certain answers are considered for every row the sheet shows.
CANDIDATES_PER_ROW = 3


def sheet_headers(taxonomy: Taxonomy) -> list[str]:
    """The review sheet's columns, in order."""
    return [
        KEY_HEADER,
        TEXT_HEADER,
        COUNT_HEADER,
        CURRENT_HEADER,
        CONFIDENCE_HEADER,
        EVIDENCE_HEADER,
        *taxonomy.labels,
        taxonomy.other,
        CHECK_HEADER,
        MEMO_HEADER,
    ]


@dataclass(frozen=True)
class ReviewResult:
    path: Path
    rows: int
    candidates: int


def uncertain_answers(classified: pd.DataFrame, model: NeedClassifier, n: int) -> pd.DataFrame:
    """Up to ``n`` distinct answers, least certain first, spread over categories and 圏域.

    ``classified`` has the survey's ``text`` and ``area`` and the model's predictions in
    ``prediction``. The ``CANDIDATES_PER_ROW * n`` least certain distinct texts are taken
    in turns from each (nearest category, most common 圏域) group, so that a category or
    圏域 with many uncertain answers does not fill the sheet.
    """
    frame = classified[classified["text"].map(normalize_text) != ""].copy()
    frame["normalized"] = frame["text"].map(normalize_text)
    frame = frame[~frame["text"].map(lambda t: is_corrected(model, t))]
    if frame.empty or n <= 0:
        return frame.head(0).assign(margin=[], nearest=[], copies=[])
    copies = frame.groupby("normalized")["text"].transform("size")
    area = frame.groupby("normalized")["area"].agg(lambda s: s.mode().iloc[0])
    distinct = frame.assign(copies=copies).drop_duplicates("normalized").copy()
    distinct["area"] = distinct["normalized"].map(area)
    gap, nearest = margins(model, list(distinct["prediction"]))
    distinct["margin"], distinct["nearest"] = gap, nearest
    distinct = distinct[np.isfinite(distinct["margin"])]
    pool = distinct.sort_values(["margin", "normalized"]).head(CANDIDATES_PER_ROW * n)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, row in pool.iterrows():
        groups[(row["nearest"], row["area"])].append(index)
    chosen: list[int] = []
    while len(chosen) < n and any(groups.values()):
        for key in sorted(
            groups, key=lambda k: pool.at[groups[k][0], "margin"] if groups[k] else 9
        ):
            if groups[key] and len(chosen) < n:
                chosen.append(groups[key].pop(0))
    return pool.loc[chosen].sort_values(["margin", "normalized"])


def review_rows(
    picked: pd.DataFrame, taxonomy: Taxonomy, tokenizer: Tokenizer
) -> list[list[object]]:
    """The sheet's data rows: key, masked text, duplicates, current categories and blanks."""
    rows = []
    for _, row in picked.iterrows():
        prediction = row["prediction"]
        current = "|".join(prediction.labels) or taxonomy.other
        rows.append(
            [
                text_key(row["text"]),
                escape_formula(mask_personal_data(row["text"], tokenizer)),
                int(row["copies"]),
                current,
                round(float(prediction.confidence), 2),
                escape_formula(mask_personal_data(prediction.evidence, tokenizer)),
                *([""] * (len(taxonomy.labels) + 3)),
            ]
        )
    return rows


def write_review_sheet(
    path: Path,
    rows: list[list[object]],
    taxonomy: Taxonomy,
    municipality: str,
    fiscal_year: int,
) -> Path:
    """The workbook: an instructions sheet, then the review sheet with drop-downs."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    headers = sheet_headers(taxonomy)
    book = Workbook()
    info = book.active
    info.title = INSTRUCTIONS_SHEET
    for line in instructions(taxonomy, municipality, fiscal_year):
        info.append(line)
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 100
    info["A1"].font = Font(bold=True, size=13)

    sheet = book.create_sheet(SHEET_NAME)
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "C2"
    first_mark = headers.index(taxonomy.labels[0]) + 1
    last_mark = headers.index(CHECK_HEADER) + 1
    marks = DataValidation(
        type="list",
        formula1=f'"{MARK}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="入力できるのは ○ だけです",
        error="○ を選ぶか、空欄にしてください。",
    )
    sheet.add_data_validation(marks)
    end_row = max(2, len(rows) + 1)
    marks.add(f"{get_column_letter(first_mark)}2:{get_column_letter(last_mark)}{end_row}")
    fill = PatternFill("solid", fgColor="FFF4CC")
    widths = {TEXT_HEADER: 60, EVIDENCE_HEADER: 28, CURRENT_HEADER: 18, MEMO_HEADER: 30}
    for index, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(header, max(6, 2.2 * len(header)))
        if first_mark <= index <= last_mark:
            for number in range(2, len(rows) + 2):
                sheet.cell(row=number, column=index).fill = fill
                sheet.cell(row=number, column=index).alignment = Alignment(horizontal="center")
    for number in range(2, len(rows) + 2):
        sheet.cell(row=number, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def instructions(taxonomy: Taxonomy, municipality: str, fiscal_year: int) -> list[list[str]]:
    """The first sheet's text, in Japanese."""
    labels = "・".join(taxonomy.labels)
    return [
        [f"{municipality} {format_fiscal_year(fiscal_year)} 分類の確認シート"],
        [YEAR_LABEL, str(fiscal_year)],
        [],
        ["このシート", "自動の分類が迷った回答です（同じ文の回答は1行にまとめています）。"],
        ["つけ方", f"「{SHEET_NAME}」シートで、正しい分類の列に ○ をつけてください（{labels}）。"],
        ["", "困りごとが2つあれば ○ を2つ。どれにも当たらない回答は「その他」だけに ○。"],
        ["", "「今の分類」で正しければ、その分類に ○ をつけても、空欄のままでも構いません。"],
        ["", "○ がひとつもない行は使いません。迷う行は「要確認」に ○ をつければ使いません。"],
        ["", "「メモ」は自由にお使いください（学習には使いません）。"],
        ["してはいけないこと", "キーの列・見出し・列の並びを変えない。行を足さない。"],
        ["", "CSV に保存し直さず、この Excel のまま保存してください。"],
        [
            "学習させる",
            "needs-analysis train --config 設定ファイル --corrections このファイル",
        ],
        ["", "修正は設定ファイルの隣の labeled フォルダに保存され、以後の集計に使われます。"],
        ["個人情報", "回答は伏せ字です。回答者を特定できる情報は載せていません。"],
    ]


def write_review(
    config: Config,
    fiscal_year: int | None,
    out_dir: Path,
    n: int,
) -> ReviewResult:
    """Classify the year's survey with the town's model and write the review workbook."""
    from needs_analysis.classify.store import get_classifier
    from needs_analysis.config.taxonomy import load_taxonomy
    from needs_analysis.ingest.survey import load_survey

    year = config.fiscal_year if fiscal_year is None else fiscal_year
    survey = load_survey(config, year)
    model = get_classifier(config)
    taxonomy = load_taxonomy(config.taxonomy_path)
    responses = survey.responses[["area", "text"]].copy()
    responses["prediction"] = predict_answers(model, responses["text"].fillna("").tolist())
    picked = uncertain_answers(responses, model, n)
    tokenizer = town_tokenizer(config)
    rows = review_rows(picked, taxonomy, tokenizer)
    path = Path(out_dir) / str(year) / f"review_{year}.xlsx"
    write_review_sheet(path, rows, taxonomy, config.municipality, year)
    distinct = responses["text"].map(normalize_text)
    return ReviewResult(path, len(rows), int(distinct[distinct != ""].nunique()))
