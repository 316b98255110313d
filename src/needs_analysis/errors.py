"""Errors that reach the user as one Japanese sentence.

The CLI catches :class:`NeedsAnalysisError`, prints its message and exits with status 2, so
every problem a coordinator can fix (a wrong file, a missing column, a typo in the config)
is reported without a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
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


def sibling_names(path: Path) -> list[str]:
    """The names in the folder a missing file was looked for in (none if it is missing too)."""
    folder = path.parent
    return sorted(child.name for child in folder.iterdir()) if folder.is_dir() else []


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """「"移動支援" ですか？」 for the valid choice closest to a mistyped ``value`` ("" when
    none is close), so that a message names the fix as well as the mistake.

    >>> did_you_mean("移動", ["移動支援", "居場所", "配食"])
    '"移動支援" ですか？'
    >>> did_you_mean("xyz", ["移動支援"])
    ''
    """
    choices = [str(choice) for choice in choices]
    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.4)
    if not close:  # a prefix or a part is also a good guess: 移動 → 移動支援
        close = [c for c in choices if value and (c.startswith(value) or value in c)][:1]
    return f'"{close[0]}" ですか？' if close else ""
