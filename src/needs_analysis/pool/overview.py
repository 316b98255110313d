"""The prefecture overview of a pool run: tables, a workbook and one HTML page.

Every figure comes from the towns' own gap tables (computed as a single-town run does) and
follows the same disclosure rule: a count below the town's threshold reads 「5未満」 and the
rate and interval derived from it are not shown. No answer appears anywhere in the overview;
rejected rows are written per town with every text cell masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

import pandas as pd

from needs_analysis.gaps.significance import wilson_interval
from needs_analysis.ingest.rejects import write_rejects
from needs_analysis.outputs import safe_file_name
from needs_analysis.pool.members import load_pool
from needs_analysis.pool.runner import PoolResult, TownResult, run_pool, starting_cluster
from needs_analysis.privacy.disclosure import Disclosure
from needs_analysis.progress import Progress, quiet
from needs_analysis.publish.xlsx import COUNT, RATE, Sheet, write_workbook
from needs_analysis.report.views import gap_display_table, percent

PROCESSED = "処理済み"
NOT_PROCESSED = "処理できず"


def town_rates(result: TownResult) -> pd.DataFrame:
    """One town's need rate per category (the whole town) with its Wilson 95% interval."""
    assert result.gaps is not None
    rows = []
    for label in result.labels:
        cells = result.gaps[result.gaps["category"] == label]
        n = int(cells["municipal_n"].iloc[0]) if len(cells) else 0
        count = int(cells["municipal_count"].iloc[0]) if len(cells) else 0
        rule = Disclosure(result.min_count)
        hidden = rule.is_small(count) or rule.is_small(n)
        low, high = wilson_interval(count, n)
        rows.append(
            {
                "町": result.town,
                "分類": label,
                # The town's figures as its own pages print them (the 町全体 row).
                "自由記述のある人": rule.cell(n),
                "該当": rule.cell(count),
                "割合": None if hidden or not n else round(count / n, 4),
                "95%区間の下限": None if hidden or not n else round(low, 4),
                "95%区間の上限": None if hidden or not n else round(high, 4),
            }
        )
    return pd.DataFrame(rows)


def rates_long(results: list[TownResult]) -> pd.DataFrame:
    """Need rates per town × category, one row each (for the workbook)."""
    frames = [town_rates(r) for r in results if r.processed]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def rates_wide(results: list[TownResult]) -> pd.DataFrame:
    """Towns down, categories across: "12.3%（10.1〜14.8%）" per cell, n per town."""
    long = rates_long(results)
    if long.empty:
        return long
    cell = [
        count if pd.isna(rate) else f"{percent(rate)}（{percent(low)}〜{percent(high)}）"
        for count, rate, low, high in zip(
            long["該当"], long["割合"], long["95%区間の下限"], long["95%区間の上限"], strict=True
        )
    ]
    wide = long.assign(cell=cell).pivot(index="町", columns="分類", values="cell")
    order = list(dict.fromkeys(long["町"]))
    labels = list(dict.fromkeys(long["分類"]))
    n = long.groupby("町", sort=False)["自由記述のある人"].first()
    wide = wide.reindex(index=order, columns=labels)
    wide.insert(0, "自由記述のある人", n.reindex(order))
    return wide.reset_index()


def gaps_side_by_side(results: list[TownResult]) -> pd.DataFrame:
    """Categories down, towns across: the 圏域 flagged as gaps in each town ("" if none)."""
    done = [r for r in results if r.processed]
    labels = list(dict.fromkeys(label for r in done for label in r.labels))
    table: dict[str, list[str]] = {"分類": labels}
    for result in done:
        assert result.gaps is not None
        flagged = result.gaps[result.gaps["flag"].astype(bool)].sort_values("rank")
        table[result.town] = [
            "・".join(flagged.loc[flagged["category"] == label, "area"]) for label in labels
        ]
    return pd.DataFrame(table)


def gap_list(results: list[TownResult]) -> pd.DataFrame:
    """Every town's ranked gap table (as in its own workbook), the town in front."""
    frames = []
    for result in results:
        if result.processed:
            shown = gap_display_table(result.gaps, result.min_count)
            shown.insert(0, "町", result.town)
            frames.append(shown)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def accounting_table(results: list[TownResult]) -> pd.DataFrame:
    """Rows read, accepted, rejected and classified per town, and the pool's totals."""
    rows = []
    for result in results:
        summary = result.summary
        rows.append(
            {
                "町": result.town,
                "年度": result.fiscal_year,
                "状態": PROCESSED if result.processed else NOT_PROCESSED,
                "理由": result.error,
                "読み込んだ行": summary.rows_read if summary else 0,
                "受け付けた行": summary.accepted if summary else 0,
                "除外した行": summary.rejected if summary else 0,
                "分類した行": result.classified_rows,
                "自由記述あり": summary.with_text if summary and result.processed else 0,
            }
        )
    table = pd.DataFrame(rows)
    totals = {column: int(table[column].sum()) for column in table.columns[4:]}
    processed = sum(r.processed for r in results)
    total_row = {"町": "合計", "年度": "", "状態": f"{processed}/{len(results)}町", "理由": ""}
    return pd.concat([table, pd.DataFrame([{**total_row, **totals}])], ignore_index=True)


def overview_sheets(result: PoolResult) -> dict[str, pd.DataFrame]:
    """The workbook's sheets, Japanese headers, small counts suppressed."""
    return {
        "町ごとの困りごと": rates_long(result.towns),
        "困りごとの一覧表": rates_wide(result.towns),
        "不足の候補（町別）": gaps_side_by_side(result.towns),
        "不足の候補（一覧）": gap_list(result.towns),
        "読み込みの記録": accounting_table(result.towns),
    }


def write_overview(result: PoolResult, out_dir: Path | str) -> list[Path]:
    """Write the workbook, ``index.html`` and each town's masked rejects under ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sheets = overview_sheets(result)
    book = {name: Sheet(frame, _formats(frame)) for name, frame in sheets.items()}
    header = f"{result.pool.name}　町ごとの困りごとと不足の候補"
    files = [write_workbook(book, out_dir / "pool_overview.xlsx", header)]
    page = out_dir / "index.html"
    page.write_text(overview_html(result.pool.name, sheets), encoding="utf-8")
    files.append(page)
    for position, town in enumerate(result.towns, start=1):
        if town.rejects is not None:
            # The position keeps two towns whose names make the same file name apart.
            name = f"{position:02d}_{safe_file_name(town.town)}_rejects.csv"
            files.append(write_rejects(town.rejects, out_dir / "rejects" / name))
    return files


# Number formats of the overview's numeric columns (the rest are text).
_COLUMN_FORMATS = {
    "自由記述のある人": COUNT,
    "該当": COUNT,
    "割合": RATE,
    "95%区間の下限": RATE,
    "95%区間の上限": RATE,
    "読み込んだ行": COUNT,
    "受け付けた行": COUNT,
    "除外した行": COUNT,
    "分類した行": COUNT,
    "自由記述あり": COUNT,
}


def _formats(frame: pd.DataFrame) -> dict[str, str]:
    """The number format of each numeric column of one overview sheet."""
    return {column: fmt for column, fmt in _COLUMN_FORMATS.items() if column in frame.columns}


def overview_html(title: str, sheets: dict[str, pd.DataFrame]) -> str:
    """One self-contained page: a heading and a table per sheet, every cell escaped."""
    sections = [
        f"<h2>{escape(name)}</h2>" + frame.to_html(index=False, na_rep="—", escape=True, border=0)
        for name, frame in sheets.items()
        if name != "町ごとの困りごと"
    ]
    style = (
        "body{font-family:IPAGothic,'Noto Sans CJK JP','Hiragino Sans',Meiryo,sans-serif;"
        "margin:16px}table{border-collapse:collapse;font-size:12px}"
        "td,th{border:1px solid #ccc;padding:2px 6px}"
    )
    return (
        f'<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title><style>{style}</style></head><body><h1>{escape(title)}　町ごとの困りごとと"
        f"不足の候補</h1><p>割合は自由記述のある人に対する割合（括弧内は95%区間）。"
        f"件数が公表の下限未満のものは件数だけを「5未満」のように示しています。</p>"
        + "".join(sections)
        + "</body></html>"
    )


@dataclass(frozen=True)
class PoolRun:
    """A finished pool run: the towns' results and the overview files written."""

    result: PoolResult
    out_dir: Path
    files: list[Path]


def run_pool_overview(
    pool_path: Path,
    out: Path,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    fast: bool = False,
    progress: Progress = quiet,
) -> PoolRun:
    """Process every town of a pool file on Dask and write the overview to ``out/pool``.

    ``progress`` hears what the run is doing.
    """
    pool = load_pool(pool_path)
    progress(f"{pool.name}: {len(pool.members)}町をまとめて処理します。")
    # The cluster starts while the client reads the towns' configs and checks their models.
    with starting_cluster(scheduler, workers) as cluster:
        result = run_pool(pool, cluster, fast=fast, show_progress=True, progress=progress)
    out_dir = out / "pool"
    return PoolRun(result, out_dir, write_overview(result, out_dir))
