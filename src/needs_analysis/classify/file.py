"""Classifying a file of answers for ``needs-analysis classify``: every row, every column kept.

The input (CSV, TSV or .xlsx) is read as text, its columns kept in order under unique names,
and the classifier's results are added beside them: 分類 (labels joined by ``|``), 確信度 and
根拠の語, or the English names with ``english_columns``. An input column named like a
result keeps its values under a new name. The output is UTF-8 with BOM with formula-safe cells.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from needs_analysis.classify.predictions import (
    RESULT_COLUMNS,
    classify_responses,
    names_beside_results,
)
from needs_analysis.classify.store import get_classifier
from needs_analysis.config.load import load_config
from needs_analysis.config.settings import DEFAULT_SURVEY_COLUMNS, Config
from needs_analysis.ingest.columns import find_columns
from needs_analysis.ingest.raw_table import RawTable, read_table, unique_headers
from needs_analysis.outputs import output_file, write_csv
from needs_analysis.progress import Progress, quiet

# The names the classify command gives its result columns unless english_columns.
JAPANESE_RESULT_COLUMNS = {"categories": "分類", "confidence": "確信度", "evidence": "根拠の語"}


@dataclass(frozen=True)
class ClassifiedFile:
    """The counts ``classify`` reports once the output is written."""

    output: Path
    rows: int
    with_text: int
    # Answers per label, in the model's order, その他 last.
    label_counts: dict[str, int]
    duplicated_ids: int  # 0 unless an ID column was named


def classify_file(
    source: Path,
    output: Path,
    *,
    config_path: Path | None = None,
    text_column: str | None = None,
    id_column: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    fast: bool | None = None,
    english_columns: bool = False,
    progress: Progress = quiet,
) -> ClassifiedFile:
    """Classify every row of ``source`` and write them all, with the results, to ``output``.

    ``progress`` receives the notes meant for the user while the work goes on (what was
    read differently from the file's name, renamed columns, the row count).
    """
    output_file(output, "-o", create_folder=True)
    # Like run: the sample municipality's config (and its own model) when none is named.
    config = load_config(config_path)
    table = read_table(source, encoding=encoding, sheet=sheet)
    for note in table.notes:
        progress(f"注意: {note}")
    added = RESULT_COLUMNS if english_columns else tuple(JAPANESE_RESULT_COLUMNS.values())
    labels = (text_column,) if text_column else answer_labels(config)
    frame, text_name = _answers_frame(table, labels, id_column, added, progress, config)
    progress(f"{len(frame):,}行を分類しています…")
    model = get_classifier(config, fast=fast)
    # Every row of the output is read by people: name the words behind every label.
    result = classify_responses(frame, text_column=text_name, model=model, explain=True)
    written = result.drop(columns=["has_text"]).assign(
        categories=["|".join(c) for c in result["categories"]],
        confidence=[None if c != c else round(c, 3) for c in result["confidence"]],
    )
    if not english_columns:
        written = written.rename(columns=JAPANESE_RESULT_COLUMNS)
    write_csv(written, output)
    counts = pd.Series([label for labels in result["categories"] for label in labels])
    counts = counts.value_counts()
    return ClassifiedFile(
        output=output,
        rows=len(frame),
        with_text=int(result["has_text"].sum()),
        label_counts={label: int(counts.get(label, 0)) for label in (*model.labels, model.other)},
        duplicated_ids=int(frame.iloc[:, 0].duplicated().sum()) if id_column else 0,
    )


def answer_labels(config: Config) -> tuple[str, ...]:
    """The headers an answer column may have: the config's for each surveyed year (its
    own export's names first), then the usual ones."""
    configured = [label for survey in config.surveys.values() for label in survey.columns["text"]]
    return tuple(dict.fromkeys([*configured, *DEFAULT_SURVEY_COLUMNS["text"], "text"]))


def _answers_frame(
    table: RawTable,
    text_labels: tuple[str, ...],
    id_column: str | None,
    added: tuple[str, ...],
    progress: Progress,
    config: Config,
) -> tuple[pd.DataFrame, str]:
    """Every row of the table under unique column names (the ID column first, if named),
    and the name of the answer column."""
    mapping = {"text": text_labels}
    required = ["text"]
    if id_column:
        mapping["respondent_id"] = (id_column,)
        required.append("respondent_id")
    hint = (
        "--text-column で自由記述の列名を指定してください（--config で町の設定ファイルを"
        f"指定すると、その [surveys.<年度>.columns] text の列名も探します。今は {config.path}）。"
    )
    columns = find_columns(table, mapping, tuple(required), hint=hint)
    width = len(table.header)
    names, renamed = names_beside_results(unique_headers(table.header), added)
    frame = pd.DataFrame(
        [list(row.cells[:width]) + [""] * (width - len(row.cells[:width])) for row in table.rows],
        columns=names,
    )
    for old, new in renamed:
        progress(f"注意: 入力の「{old}」列は「{new}」として残しました。")
    if id_column:
        id_name = names[columns["respondent_id"]]
        frame = frame[[id_name, *[c for c in frame.columns if c != id_name]]]
    return frame, names[columns["text"]]
