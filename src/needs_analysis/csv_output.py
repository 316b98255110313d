"""Tables written for people to open in Excel: UTF-8 with BOM, no cell run as a formula."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from needs_analysis.privacy import escape_formula


def write_csv(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write a table as UTF-8 with BOM (Excel opens it) with formula-safe text cells."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(escape_formula)
    safe.columns = [escape_formula(str(column)) for column in safe.columns]
    safe.to_csv(path, index=False, encoding="utf-8-sig")
    return path
