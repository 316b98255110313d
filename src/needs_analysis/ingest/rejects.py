"""Rejected rows on their one way out: masked with the town's tokenizer, then written.

Every rejected row of a survey or a resource inventory leaves the tool through here:
``check`` writes them at once, ``run`` keeps them masked in its saved run and writes them
beside the reports, and a pool masks them on the worker that read the town. Masking needs
the town's tokenizer, whose user dictionary knows the town's own names, so it is never
optional; :func:`write_rejects` only accepts rows this module has masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from needs_analysis.outputs import write_csv
from needs_analysis.privacy.masking import mask_table

if TYPE_CHECKING:
    from needs_analysis.text.mecab import Tokenizer

REJECTS_SUFFIX = "_rejects.csv"
# The rejects file is opened by the coordinator in Excel: its own columns read in Japanese
# (the file's own columns follow, as the export named them).
FILE_HEADERS = {"source_row": "元の行番号", "reason": "除外の理由", "detail": "詳しく"}


def rejects_file_name(source: Path | str) -> str:
    """The rejects file of an input file: ``survey_r7.xlsx`` → ``survey_r7_rejects.csv``."""
    return f"{Path(source).stem}{REJECTS_SUFFIX}"


@dataclass(frozen=True)
class MaskedRejects:
    """The rejected rows of one input file with every text cell masked.

    IDs, row numbers and reasons are kept (the coordinator fixes the export with them);
    ``file_name`` is the name of its rejects file. Made only by :func:`mask_rejects`.
    """

    file_name: str
    rows: pd.DataFrame


def mask_rejects(
    rows: pd.DataFrame, source: Path | str, tokenizer: Tokenizer
) -> MaskedRejects | None:
    """The rejected rows of ``source`` masked with the town's ``tokenizer``; None if none."""
    if rows.empty:
        return None
    return MaskedRejects(rejects_file_name(source), mask_table(rows, tokenizer))


def write_rejects(rejects: MaskedRejects, path: Path) -> Path:
    """Write masked rejected rows as a CSV for Excel (formula-safe cells), with Japanese
    headers for the row number, the reason and its detail."""
    return write_csv(rejects.rows.rename(columns=FILE_HEADERS), path)
