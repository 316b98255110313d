"""Where results are written: checked before the long work, named safely, kept to one run.

* :func:`output_folder` and :func:`output_file` turn every file-system mistake (a folder
  given where a file is needed, a missing or read-only folder) into one sentence, before
  anything is computed.
* :func:`safe_file_name` makes an area name usable as part of a file name on any system;
  the area name itself stays as written in titles and tables.
* :func:`report_root` is where a town's reports go by default: beside its config (or where
  the config's ``[report] out`` says).
* The file record (:data:`MANIFEST`, :func:`read_record`, :func:`write_record`,
  :func:`record_written`) lists every file the tool wrote into a folder with the town and
  fiscal year and the command that wrote it. A run removes only the files the same town's
  earlier run of the same year wrote there and this run did not (a renamed area's handout,
  a rejects file that no longer applies); files of other towns or years, and files the
  user put there, are never touched (see :mod:`needs_analysis.run.staging`).
* :func:`folder_lock` keeps two commands from writing one report folder at once.
* :func:`fix_zip_timestamps` makes an .xlsx byte-identical from run to run.
* :func:`write_csv` writes a table for people who open it in Excel: UTF-8 with BOM, and
  :func:`escape_formula` on every text cell so none runs as a formula.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from needs_analysis.config.settings import Config
from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.paths import sample_config_path

MANIFEST = "needs-analysis-files.txt"
_MANIFEST_HEADER = (
    "# needs-analysis が書き出したファイル（ファイル・町・年度・コマンド、タブ区切り）。\n"
    "# run は、同じ町・同じ年度の run が前に書いたファイルのうち、今回書かないものだけを消します。\n"
)
# The commands whose files the record lists.
RUN = "run"
CHECK = "check"
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


def report_root(config: Config, option: Path | str | None = None) -> Path:
    """The folder a town's reports go under (``<root>/<fiscal year>/``): ``option``
    (``--out``) if given, else the config's ``[report] out``, else ``reports`` beside the
    config. The sample town lives inside the installation, so its reports go to
    ``reports`` in the current folder."""
    if option is not None:
        return Path(option)
    if config.report.out is not None:
        return config.report.out
    if config.path == sample_config_path().resolve():
        return Path("reports")
    return config.path.parent / "reports"


LOCK_SUFFIX = ".needs-analysis.lock"


def lock_path(target: Path) -> Path:
    """The lock of a report folder: a hidden file beside it."""
    return target.with_name(f".{target.name}{LOCK_SUFFIX}")


@contextlib.contextmanager
def folder_lock(target: Path) -> Iterator[None]:
    """Hold the lock of a report folder for the block, or stop in one sentence when a run
    holds it. The operating system releases it when the process ends, however it ends."""
    from filelock import FileLock, Timeout

    Path(target).parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_path(Path(target))))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise OutputError(
            f"{target} には別の needs-analysis run が書き出している最中です。"
            "終わるのを待ってから、もう一度実行してください。"
        ) from None
    try:
        yield
    finally:
        lock.release()


@dataclass(frozen=True)
class Written:
    """One line of the file record: a file (relative to the folder), the town and fiscal
    year it was written for, and the command that wrote it. A record written before towns
    were recorded gives None for both; such a file is taken as the running town's."""

    name: str
    town: str | None
    year: int | None
    command: str

    def of(self, town: str, year: int) -> bool:
        """Whether the file was written for this town and fiscal year."""
        return self.town is None or (self.town == town and self.year == year)

    def line(self) -> str:
        return f"{self.name}\t{self.town or ''}\t{self.year or ''}\t{self.command}\n"


def read_record(folder: Path) -> list[Written]:
    """The file record of a folder; lines naming a path outside it are ignored."""
    manifest = Path(folder) / MANIFEST
    if not manifest.is_file():
        return []
    found = []
    for line in manifest.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        name, *rest = line.split("\t")
        # Only plain relative paths inside the folder: never follow ``..`` or absolute ones.
        if name.startswith("/") or ".." in name.split("/"):
            continue
        if len(rest) == 3 and rest[1].isdigit():
            found.append(Written(name, rest[0] or None, int(rest[1]), rest[2]))
        else:
            found.append(Written(name, None, None, RUN))
    return found


def write_record(folder: Path, entries: Iterable[Written]) -> Path:
    """Write the file record of ``folder`` in one step (a new file moved into place)."""
    manifest = Path(folder) / MANIFEST
    unique = {entry.name: entry for entry in entries}
    text = _MANIFEST_HEADER + "".join(unique[name].line() for name in sorted(unique))
    partial = manifest.with_name(f"{MANIFEST}.{os.getpid()}.tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, manifest)
    return manifest


def record_written(folder: Path, files: Iterable[Path], town: str, year: int, command: str) -> None:
    """Add files ``command`` wrote into ``folder`` for a town and year to its record."""
    folder = Path(folder)
    names = {_relative(folder, Path(path)) for path in files} - {None}
    kept = [entry for entry in read_record(folder) if entry.name not in names]
    new = [Written(name, town, year, command) for name in sorted(names) if name]
    write_record(folder, [*kept, *new])


def _relative(out_dir: Path, path: Path) -> str | None:
    try:
        return path.resolve().relative_to(out_dir.resolve()).as_posix()
    except ValueError:
        return None


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
