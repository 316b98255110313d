"""A run's folder is never half-written: the run writes into a staging folder beside its
target and the finished folder takes the target's place in one step.

While ``run`` works on ``<out>/2025``:

* a lock (``<out>/.2025.needs-analysis.lock``, held by the operating system, so it ends
  with the process however the process ends) keeps a second run off the same folder;
* every file is written into ``<out>/2025.作成中``; the user's own files and the files of
  other towns, years and commands are carried over into it (hard links where the disk
  has them), the file record is written last, and the two folders then change places
  (Linux's atomic exchange; elsewhere two renames, the previous folder named
  ``2025.前回分`` for that moment);
* what can fail is checked before the long work: the folder and its parent, a file the
  run would overwrite that another town's run or the user wrote, files another program
  holds open, and every file name the run will write.

So after any interruption ``<out>/2025`` holds the previous complete run or the new one;
at most a ``2025.作成中`` (or, between the two renames, a ``2025.前回分``) is left, and the
next run clears it (putting a previous folder back where the target is missing) before
it starts.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from needs_analysis.outputs import (
    MANIFEST,
    RUN,
    OutputError,
    Written,
    folder_lock,
    output_folder,
    read_record,
    write_record,
)

STAGING_SUFFIX = ".作成中"
PREVIOUS_SUFFIX = ".前回分"
# The staging folders this process is writing in (see abandon).
_ACTIVE: set[Path] = set()


@dataclass(frozen=True)
class StagedFolder:
    """Where a run writes (``folder``) and where its files go when it is complete."""

    target: Path
    folder: Path
    town: str
    year: int


def staging_path(target: Path) -> Path:
    return target.with_name(target.name + STAGING_SUFFIX)


@contextlib.contextmanager
def staged_folder(
    target: Path, town: str, year: int, planned: Iterable[str]
) -> Iterator[StagedFolder]:
    """Lock ``target``, check what can fail, and give an empty staging folder to write in.

    ``planned``: the files the run may write, relative to the folder. On leaving the block
    with an error the staging folder is removed; :func:`commit` puts it in place.
    """
    target = Path(target)
    output_folder(target.parent, "--out")
    with folder_lock(target):
        recover(target)
        planned = sorted(set(planned))
        check_target(target, town, year, planned)
        staging = staging_path(target)
        staging.mkdir()
        _ACTIVE.add(staging)
        try:
            check_names(staging, target, planned)
            yield StagedFolder(target, staging, town, year)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        finally:
            _ACTIVE.discard(staging)


def abandon() -> None:
    """Remove the staging folders this process is writing in: on a termination request,
    just before the process ends (the report folders keep their previous runs)."""
    for folder in list(_ACTIVE):
        shutil.rmtree(folder, ignore_errors=True)


def recover(target: Path) -> None:
    """Clear what an interrupted run left beside ``target``: a staging folder, and a
    previous folder (put back if the target is missing, unless the staging folder was
    complete, which then takes the target's place)."""
    staging, previous = staging_path(target), target.with_name(target.name + PREVIOUS_SUFFIX)
    if previous.is_dir() and not target.exists():
        if (staging / MANIFEST).is_file():
            os.replace(staging, target)
        else:
            os.replace(previous, target)
    for leftover in (staging, previous):
        if leftover.is_dir():
            shutil.rmtree(leftover)


def check_target(target: Path, town: str, year: int, planned: list[str]) -> None:
    """Stop before the work if the run would overwrite a file that is not this town's
    (another town's run, or the user's own), or could not replace a file it must."""
    if target.exists() and not target.is_dir():
        raise OutputError(
            f"--out の {target} はファイルです。書き出し先にはフォルダを指定してください。"
        )
    if not target.is_dir():
        return
    record = {entry.name: entry for entry in read_record(target)}
    replaced = []
    for name in planned:
        if not os.path.lexists(target / name):  # False too for a name the disk refuses
            continue
        entry = record.get(name)
        if entry is None:
            raise OutputError(
                f"{target / name} はこのツールが書いたファイルではないため、上書きしません。"
                "別の場所に移すか、--out で別のフォルダを指定してください。"
            )
        if not entry.of(town, year):
            raise OutputError(
                f"{target} には{entry.town}（{entry.year}年度）の資料があります。"
                "ほかの町の資料を消さないよう、--out で別のフォルダを指定してください。"
            )
        replaced.append(target / name)
    stale = [target / e.name for e in record.values() if e.command == RUN and e.of(town, year)]
    # On Windows a folder cannot be renamed while a file in it is open anywhere.
    held = _all_files(target) if os.name == "nt" else [*replaced, *stale]
    for path in held:
        _check_free(path)


def _check_free(path: Path) -> None:
    if not path.is_file():
        return
    try:
        with path.open("r+b"):
            pass
    except PermissionError:
        raise OutputError(
            f"{path} をほかのプログラム（Excel など）が開いているか、書き込みが禁止されています。"
            "閉じてから、もう一度実行してください。"
        ) from None


def check_names(staging: Path, target: Path, planned: list[str]) -> None:
    """Create and remove every planned file once, so that a name the disk cannot hold
    (too long, a character it refuses) stops the run before the work."""
    for name in planned:
        path = staging / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(exist_ok=False)
            path.unlink()
        except OSError as error:
            raise OutputError(
                f"{target} に {name} というファイルを作れません（{error.strerror}）。"
                "圏域名などを短くするか、--out で別のフォルダを指定してください。"
            ) from None


def commit(staged: StagedFolder, files: Iterable[Path]) -> list[str]:
    """Move the complete run into place; returns the files of the town's earlier run of
    the same year that this run did not write (they go with the previous folder)."""
    target, folder = staged.target, staged.folder
    new = {path.resolve().relative_to(folder.resolve()).as_posix() for path in files}
    before = {entry.name: entry for entry in read_record(target)} if target.is_dir() else {}
    ours = {n for n, e in before.items() if e.command == RUN and e.of(staged.town, staged.year)}
    carried = []
    for path in _all_files(target) if target.is_dir() else []:
        name = path.relative_to(target).as_posix()
        if name == MANIFEST or name in new or name in ours:
            continue
        _carry(path, folder / name)
        carried.append(name)
    kept = [before[name] for name in carried if name in before]
    written = [Written(name, staged.town, staged.year, RUN) for name in new]
    write_record(folder, [*kept, *written])
    # From here the folder is complete: a termination request waits for the swap.
    _ACTIVE.discard(folder)
    with _termination_held():
        _put_in_place(folder, target)
    return sorted(ours - new)


@contextlib.contextmanager
def _termination_held() -> Iterator[None]:
    """Hold SIGTERM (where the system can) while the folders change places."""
    import signal

    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


def _all_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file() or path.is_symlink())


def _carry(source: Path, destination: Path) -> None:
    """The same file in the new folder: a hard link where the disk allows, else a copy."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink():
        os.symlink(os.readlink(source), destination)
        return
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _put_in_place(folder: Path, target: Path) -> None:
    """``folder`` becomes ``target`` in one step where the system can exchange two
    folders; the previous target is removed."""
    if not target.exists():
        os.replace(folder, target)
        return
    if _exchange(folder, target):
        shutil.rmtree(folder)  # now the previous folder
        return
    previous = target.with_name(target.name + PREVIOUS_SUFFIX)
    os.replace(target, previous)
    os.replace(folder, target)
    shutil.rmtree(previous)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders atomically (Linux renameat2 with RENAME_EXCHANGE); False where the
    system or the disk cannot, and nothing was changed."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    return result == 0
