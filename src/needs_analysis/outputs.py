"""Where results are written: checked before the long work, named safely, kept to one run.

* :func:`output_folder` and :func:`output_file` turn every file-system mistake (a folder
  given where a file is needed, a missing or read-only folder) into one sentence, before
  anything is computed.
* :func:`safe_file_name` makes an area name usable as part of a file name on any system;
  the area name itself stays as written in titles and tables.
* :func:`record_run` keeps a manifest of the files a run wrote into its folder, and removes
  the files an earlier run wrote there that this run did not (a renamed area's handout, a
  rejects file that no longer applies); files the user put there are never touched.
* :func:`fix_zip_timestamps` makes an .xlsx byte-identical from run to run.
* :func:`write_csv` writes a table for people who open it in Excel: UTF-8 with BOM, and
  :func:`escape_formula` on every text cell so none runs as a formula.
"""

from __future__ import annotations

import os
import re
import tempfile
import zipfile
from pathlib import Path

import pandas as pd

from needs_analysis.errors import NeedsAnalysisError

MANIFEST = "needs-analysis-files.txt"
_MANIFEST_HEADER = "# needs-analysis が書き出したファイル（次の実行で古いものを消すための一覧）\n"
# Characters Windows, macOS or a USB stick's FAT cannot hold in a file name.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)
# The date written into workbooks and zip entries: fixed, so reruns give the same bytes.
FIXED_TIMESTAMP = (2000, 1, 1, 0, 0, 0)
_FIXED_ISO = "2000-01-01T00:00:00Z"


class OutputError(NeedsAnalysisError):
    """A place to write results that cannot be used; the message is one sentence."""


def safe_file_name(name: str) -> str:
    """``name`` with the characters a file name cannot hold replaced by ``_``.

    >>> safe_file_name("北部/南部"), safe_file_name("駅前: 東"), safe_file_name("CON")
    ('北部_南部', '駅前_ 東', '_CON')
    """
    safe = _UNSAFE.sub("_", name).strip().rstrip(".")
    if not safe:
        return "_"
    return f"_{safe}" if _RESERVED.match(safe) else safe


def _writable(folder: Path) -> bool:
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


def output_folder(path: Path, option: str) -> Path:
    """A folder results go into: created if missing; an error if it is a file or read-only."""
    if path.exists() and not path.is_dir():
        raise OutputError(
            f"{option} の {path} はファイルです。書き出し先にはフォルダを指定してください。"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(
            f"{option} のフォルダ {path} を作れません（{error.strerror}）。別の場所を指定してください。"
        ) from None
    if not _writable(path):
        raise OutputError(
            f"{option} のフォルダ {path} に書き込めません。別の場所を指定してください。"
        )
    return path


def output_file(path: Path, option: str, *, create_folder: bool = False) -> Path:
    """A file a result is written to: not a folder, in a writable folder.

    With ``create_folder`` the folder may be missing (it is made when the file is written):
    the nearest folder that exists must then be writable. Nothing is created here.
    """
    if path.is_dir():
        raise OutputError(
            f"{option} の {path} はフォルダです。書き出すファイルの名前を指定してください。"
        )
    folder = path.parent
    if create_folder:
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
    if folder.exists() and not folder.is_dir():
        raise OutputError(
            f"{option} の {folder} はファイルです。書き出し先のフォルダを指定してください。"
        )
    if not folder.is_dir():
        raise OutputError(
            f"{option} のフォルダ {folder} がありません。先に作るか、別の場所を指定してください。"
        )
    if not _writable(folder):
        raise OutputError(
            f"{option} のフォルダ {folder} に書き込めません。別の場所を指定してください。"
        )
    return path


def record_run(out_dir: Path, files: list[Path]) -> list[Path]:
    """Write the manifest of this run's files; remove the previous run's leftovers.

    Returns the removed files. Only files listed in the previous manifest are removed.
    """
    out_dir = Path(out_dir)
    manifest = out_dir / MANIFEST
    now = sorted({_relative(out_dir, Path(f)) for f in files} - {None})
    before = _read_manifest(manifest)
    removed = []
    for name in sorted(set(before) - set(now)):
        stale = out_dir / name
        if stale.is_file():
            stale.unlink()
            removed.append(stale)
            _remove_empty_parents(stale.parent, out_dir)
    manifest.write_text(_MANIFEST_HEADER + "".join(f"{name}\n" for name in now), encoding="utf-8")
    return removed


def _relative(out_dir: Path, path: Path) -> str | None:
    try:
        return path.resolve().relative_to(out_dir.resolve()).as_posix()
    except ValueError:
        return None


def _read_manifest(manifest: Path) -> list[str]:
    if not manifest.is_file():
        return []
    names = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        # Only plain relative paths inside the folder: never follow ``..`` or absolute ones.
        if (
            line
            and not line.startswith("#")
            and not line.startswith("/")
            and ".." not in line.split("/")
        ):
            names.append(line)
    return names


def _remove_empty_parents(folder: Path, top: Path) -> None:
    while folder.resolve() != top.resolve() and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def fix_zip_timestamps(path: Path) -> Path:
    """Rewrite an .xlsx (a zip) with fixed entry dates and document dates, same order."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info.filename)) for info in source.infolist()]
    temporary = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                    rb"\g<1>" + _FIXED_ISO.encode() + rb"\g<2>",
                    data,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, data)
    os.replace(temporary, path)
    return path


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe.

    Numbers are left alone; only strings starting with = + - @ (or a tab or carriage
    return, which some spreadsheet programs strip before reading the formula) change.

    >>> escape_formula("=HYPERLINK(\\"x\\")"), escape_formula(-3)
    ('\\'=HYPERLINK("x")', -3)
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


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
