"""Labeled answers: the files the classifier learns from and is evaluated on.

A file (TSV or CSV) has a text column and a label column; labels are separated by ``|``,
and その他 (or an empty cell) means no need category. An optional ``status`` column says
whether the answer states a need at all (``docs/labeling-decisions.md``): ``need``,
``met`` (covered, or praise), ``offer`` (the helper's side), ``others`` (other people's
conduct) or ``none``; an answer with a category is always ``need``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from needs_analysis.config.taxonomy import Taxonomy
from needs_analysis.errors import InputError
from needs_analysis.ingest.raw_table import read_table
from needs_analysis.text.normalize import normalize_text

LABEL_SEPARATOR = "|"
STATUS_COLUMN = "status"
NEED = "need"
STATUSES = (NEED, "met", "offer", "others", "none")


def parse_labels(value: str, taxonomy: Taxonomy, where: str) -> tuple[str, ...]:
    """``移動支援|買い物支援`` → a tuple in taxonomy order; その他 (or empty) → ()."""
    parts = [normalize_text(part) for part in str(value).split(LABEL_SEPARATOR)]
    parts = [part for part in parts if part]
    unknown = [p for p in parts if p not in taxonomy.labels and p != taxonomy.other]
    if unknown:
        raise InputError(where, f"分類「{'、'.join(unknown)}」は分類表にありません。")
    if taxonomy.other in parts and len(parts) > 1:
        raise InputError(where, f"「{taxonomy.other}」はほかの分類と一緒に付けられません。")
    return tuple(label for label in taxonomy.labels if label in parts)


def parse_status(value: str | None, labels: tuple[str, ...], where: str) -> str:
    """A status cell checked against the codes and the labels (a category means ``need``)."""
    if value is None or not normalize_text(value):
        return NEED if labels else ""
    status = normalize_text(value)
    if status not in STATUSES:
        raise InputError(
            where, f"status「{status}」は使えません（{'・'.join(STATUSES)} のいずれか）。"
        )
    if labels and status != NEED:
        raise InputError(where, f"分類のある回答の status は {NEED} です（「{status}」）。")
    return status


def read_labeled(
    source: Path | str,
    taxonomy: Taxonomy,
    text_column: str = "text",
    label_column: str = "categories",
) -> pd.DataFrame:
    """Labeled answers from a file or every ``.tsv``/``.csv`` in a folder.

    Returns columns ``text``, ``labels`` (a tuple; empty for その他), ``status`` (one of
    :data:`STATUSES`; ``need`` for an answer with a category, ``""`` where a file has no
    status column and the answer no category) and ``source``.
    """
    source = Path(source)
    files = (
        sorted(source.glob("*.tsv")) + sorted(source.glob("*.csv")) if source.is_dir() else [source]
    )
    if not files:
        raise InputError(source, "ラベル付きの回答（.tsv / .csv）がありません。")
    frames = []
    for path in files:
        table = read_table(path)
        header = [normalize_text(h) for h in table.header]
        missing = [c for c in (text_column, label_column) if c not in header]
        if missing:
            raise InputError(
                path,
                f"この列が見つかりません（見出し: {'、'.join(table.header)}）。",
                row=1,
                column=missing[0],
            )
        text_at, label_at = header.index(text_column), header.index(label_column)
        status_at = header.index(STATUS_COLUMN) if STATUS_COLUMN in header else None
        records = []
        for row in table.rows:
            if row.problem is not None:
                raise InputError(path, row.problem, row=row.source_row)
            where = f"{path} の{row.source_row}行目"
            labels = parse_labels(row.cells[label_at], taxonomy, where)
            status = None if status_at is None else row.cells[status_at]
            records.append(
                {
                    "text": row.cells[text_at],
                    "labels": labels,
                    "status": parse_status(status, labels, where),
                    "source": f"{path.name}:{row.source_row}",
                }
            )
        frames.append(pd.DataFrame(records, columns=["text", "labels", "status", "source"]))
    return pd.concat(frames, ignore_index=True)
