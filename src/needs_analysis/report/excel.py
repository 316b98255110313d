"""The run's workbook: the data log (rows read per input file) and the sheets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from needs_analysis.pages import model_note
from needs_analysis.report.rundata import (
    RunData,
    YearTables,
)

# --------------------------------------------------------------------------- workbook


def ingest_table(run: RunData) -> pd.DataFrame:
    """Rows read, accepted and rejected by reason, per input file: the data log."""
    rows = []
    for label, summary in (
        (run.year_label, run.survey_summary),
        (run.previous_year_label, run.previous_summary),
        ("資源一覧", run.resources_summary),
    ):
        if summary is None:
            continue
        reasons = "、".join(f"{k} {v}" for k, v in summary.rejected_by_reason.items()) or "なし"
        rows.append(
            {
                "ファイル": summary.path.name,
                "内容": label,
                "文字コード": summary.encoding_label,
                "読み込んだ行": summary.rows_read,
                "受け付けた行": summary.accepted,
                "除外した行": summary.rejected,
                "除外の理由": reasons,
            }
        )
    if model_note(run):
        rows.append({"ファイル": "分類モデル", "内容": model_note(run)})
        counts = ["読み込んだ行", "受け付けた行", "除外した行"]
        return pd.DataFrame(rows).astype({c: "Int64" for c in counts})
    return pd.DataFrame(rows)


def write_run_workbook(run: RunData, tables: YearTables, path: Path) -> Path:
    """The run's workbook: numbers with formats, a 説明 sheet, print setup per sheet."""
    from needs_analysis import workbook

    return workbook.write_workbook(
        workbook.workbook_sheets(run, tables), path, header=f"{run.municipality}　{run.year_label}"
    )
