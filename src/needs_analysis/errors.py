"""Errors that reach the user as one Japanese sentence.

The CLI catches :class:`NeedsAnalysisError`, prints its message and exits with status 2, so
every problem a coordinator can fix (a wrong file, a missing column, a typo in the config)
is reported without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class NeedsAnalysisError(Exception):
    """Base class: ``str(error)`` is the complete message shown to the user."""


class ConfigError(NeedsAnalysisError):
    """A configuration file is missing, unreadable, or has a wrong or missing key."""

    def __init__(self, path: Path | str, message: str, key: str | None = None):
        self.path = Path(path)
        self.key = key
        where = f"設定ファイル {self.path}"
        if key:
            where += f" のキー「{key}」"
        super().__init__(f"{where}: {message}")


class InputError(NeedsAnalysisError):
    """A data file cannot be used as a whole (missing, empty, not a table, wrong column)."""

    def __init__(
        self,
        path: Path | str,
        message: str,
        row: int | None = None,
        column: str | None = None,
    ):
        self.path = Path(path)
        self.row = row
        self.column = column
        where = f"{self.path}"
        if row is not None:
            where += f" の{row}行目"
        if column is not None:
            where += f"「{column}」列"
        super().__init__(f"{where}: {message}")
