"""A read check sheet against the year's survey: each key to its answer, each probability
to the survey's answers, and the checks into the answers the run analyses.

A key names an answer by its year, 圏域 and text (:func:`answer_keys`), so a key the survey
no longer holds (edited in Excel, or a survey file changed since the draw) is an error
naming its row. The inclusion probability of a checked answer in 圏域 h is n_h / N_h (the
checked answers of h over its answers with text); a recorded probability that no longer
fits the survey is an error too. Only a sheet that fits the survey corrects the rates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from needs_analysis.errors import InputError
from needs_analysis.gaps.corrected import CHECKED_COLUMN, INCLUSION_COLUMN
from needs_analysis.review.check_read import KIND, CheckSheet
from needs_analysis.review.check_sheet import answer_keys
from needs_analysis.review.corrections import SheetErrors
from needs_analysis.text.normalize import normalize_text

LEARNED_FILE = "learned_checks.txt"


@dataclass(frozen=True)
class MatchedChecks:
    """The checked answers as rows of the survey's responses (``index``), with the
    coordinator's categories and the inclusion probabilities, in sheet order."""

    index: tuple[object, ...]
    labels: tuple[tuple[str, ...], ...]
    inclusion_prob: tuple[float, ...]
    keys: tuple[str, ...]


def match_checks(sheet: CheckSheet, responses: pd.DataFrame, fiscal_year: int) -> MatchedChecks:
    """The sheet's answers in ``responses`` (the survey as read: ``area``, ``text``);
    raises unless the sheet belongs to this year, is filled and fits the survey."""
    path = sheet.path
    if sheet.fiscal_year != fiscal_year:
        raise InputError(
            path,
            f"この点検シートは{sheet.fiscal_year}年度の回答から選んだものです"
            f"（いまの集計は{fiscal_year}年度）。同じ年度の点検シートを指定してください。",
        )
    unfilled = sheet.unfilled
    if unfilled:
        rows = "、".join(str(answer.row) for answer in unfilled[:5])
        more = "ほか" if len(unfilled) > 5 else ""
        raise InputError(
            path,
            f"○ のない行が{len(unfilled)}件あります（{rows}行目{more}）。選ばれた回答をすべて"
            "読まないと割合を正しく補正できないため、どの分類にも当たらない回答は「その他」に"
            " ○ をつけて、すべての行に記入してから使ってください。",
        )
    keys = answer_keys(responses["area"], responses["text"].fillna(""), fiscal_year)
    where = {key: index for key, index in zip(keys, responses.index, strict=True) if key}
    missing = [
        f"{answer.row}行目: キー「{answer.key}」は{fiscal_year}年度の調査のどの回答とも一致しません"
        "（キーを書き換えたか、調査ファイルが点検シートを作ったあとで変わっています）。"
        for answer in sheet.answers
        if answer.key not in where
    ]
    if missing:
        raise SheetErrors(path, missing, KIND)
    index = [where[answer.key] for answer in sheet.answers]
    check_probabilities(sheet, responses, index)
    return MatchedChecks(
        tuple(index),
        tuple(answer.labels or () for answer in sheet.answers),
        tuple(answer.inclusion_prob for answer in sheet.answers),
        tuple(answer.key for answer in sheet.answers),
    )


def check_probabilities(sheet: CheckSheet, responses: pd.DataFrame, index: list[object]) -> None:
    """Each recorded probability must be n_h / N_h for its 圏域 in this survey."""
    texts = responses["text"].fillna("").astype(str)
    written = responses[texts.map(normalize_text) != ""]
    answers = written.groupby("area").size()
    areas = [responses.at[i, "area"] for i in index]
    checked = pd.Series(areas).value_counts()
    problems = []
    for answer, area in zip(sheet.answers, areas, strict=True):
        expected = checked[area] / answers[area]
        if not math.isclose(answer.inclusion_prob, expected, rel_tol=1e-9):
            problems.append(
                f"{answer.row}行目: 抽出確率（{answer.inclusion_prob:.6g}）が、調査の回答から求めた値"
                f"（{checked[area]}/{answers[area]}）と合いません（調査ファイルが点検シートを"
                "作ったあとで変わったか、行が消えています）。"
            )
    if problems:
        raise SheetErrors(sheet.path, problems, KIND)


def with_checks(responses: pd.DataFrame, matched: MatchedChecks) -> pd.DataFrame:
    """A copy of the classified responses with each checked answer's categories and
    inclusion probability (None and NaN for the others)."""
    result = responses.copy()
    checked = pd.Series([None] * len(result), index=result.index, dtype=object)
    for index, labels in zip(matched.index, matched.labels, strict=True):
        checked.at[index] = labels
    result[CHECKED_COLUMN] = checked
    probability = pd.Series(math.nan, index=result.index)
    probability.loc[list(matched.index)] = list(matched.inclusion_prob)
    result[INCLUSION_COLUMN] = probability
    return result


def learned_record(folder: Path) -> Path:
    """The file that lists the check sheets a town's model has learned from."""
    return folder / LEARNED_FILE


def was_learned(folder: Path, sheet: CheckSheet) -> bool:
    """Whether ``train --corrections`` has taught the town's model this check sheet."""
    record = learned_record(folder)
    if not record.is_file():
        return False
    return sheet.digest in record.read_text(encoding="utf-8").split()


def remember_learned(folder: Path, sheet: CheckSheet) -> None:
    """Note that the town's model learns from this check sheet (its digest, one a line)."""
    record = learned_record(folder)
    known = record.read_text(encoding="utf-8").split() if record.is_file() else []
    if sheet.digest not in known:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text("\n".join([*known, sheet.digest]) + "\n", encoding="utf-8")


def checks_for_run(
    config, fiscal_year: int, responses: pd.DataFrame, path: Path | None, progress
) -> tuple[MatchedChecks, CheckSheet] | None:
    """The check a run corrects its rates with: ``path`` (``run --check``), else the
    config's ``[check] file`` when it was drawn from this year's answers (another year's
    is left out with a note). Raises when the sheet is invalid or does not fit the survey."""
    from needs_analysis.config.taxonomy import load_taxonomy
    from needs_analysis.review.check_read import read_check_sheet

    explicit = path is not None
    path = path if explicit else config.check_file
    if path is None:
        return None
    sheet = read_check_sheet(path, load_taxonomy(config.taxonomy_path))
    if not explicit and sheet.fiscal_year != fiscal_year:
        progress(
            f"注意: 設定ファイルの点検シート {Path(path).name} は{sheet.fiscal_year}年度のものなので、"
            "この年度の割合は補正しません。"
        )
        return None
    return match_checks(sheet, responses, fiscal_year), sheet


def refuse_learned(
    config, checks: tuple[MatchedChecks, CheckSheet], responses: pd.DataFrame, model
) -> None:
    """Raise when ``train --corrections`` has taught the model this check sheet: the
    correction assumes a model that has not seen the checked answers."""
    from needs_analysis.classify.predictions import is_corrected
    from needs_analysis.classify.sources import town_labeled_dir

    matched, sheet = checks
    if not was_learned(town_labeled_dir(config), sheet):
        return
    texts = responses.loc[list(matched.index), "text"].fillna("")
    if any(is_corrected(model, text) for text in texts):
        raise InputError(
            sheet.path,
            "この点検シートの回答は、すでに train --corrections でモデルに学ばせてあるため、"
            "割合の補正には使えません（補正は、確認した回答を学んでいないモデルでだけ正しく"
            "計算できます）。needs-analysis review --sample で新しく回答を選んで確認してください。",
        )


def check_corrections(sheet: CheckSheet, responses: pd.DataFrame, fiscal_year: int):
    """A filled check sheet as corrections to learn (``train --corrections``): the marked
    rows, each under the key of its answer's text as the survey has it; rows without a
    mark are skipped. Raises when a key names no answer of the year's survey."""
    from needs_analysis.classify.town_model import text_key
    from needs_analysis.review.corrections import Correction, FilledSheet

    if sheet.fiscal_year != fiscal_year:
        raise InputError(
            sheet.path,
            f"この点検シートは{sheet.fiscal_year}年度の回答から選んだものです"
            f"（指定した年度は{fiscal_year}年度）。",
        )
    texts = responses["text"].fillna("").astype(str)
    by_key = dict(zip(answer_keys(responses["area"], texts, fiscal_year), texts, strict=True))
    missing = [
        f"{answer.row}行目: キー「{answer.key}」は{fiscal_year}年度の調査のどの回答とも一致しません"
        "（キーを書き換えたか、調査ファイルが変わっています）。"
        for answer in sheet.answers
        if answer.key not in by_key
    ]
    if missing:
        raise SheetErrors(sheet.path, missing, KIND)
    corrections = tuple(
        Correction(text_key(by_key[answer.key]), answer.text, answer.labels, answer.row)
        for answer in sheet.answers
        if answer.labels is not None
    )
    return FilledSheet(fiscal_year, corrections, len(sheet.unfilled))
