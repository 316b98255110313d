"""The town's own stop words: ``stopwords.txt`` beside its config, one word a line.

The word views (word lists, KWIC counts, networks, characteristic words) leave these words
out on top of the package's stop words; the workbench edits the file and the next
``needs-analysis run`` reads it. Lines starting with ``#`` are notes.
"""

from __future__ import annotations

from pathlib import Path

from needs_analysis.config.settings import Config
from needs_analysis.errors import InputError
from needs_analysis.text.normalize import normalize_text

STOPWORDS_FILE = "stopwords.txt"


def stopwords_path(config: Config) -> Path:
    """Where the town's stop words are kept: beside its config."""
    return config.path.parent / STOPWORDS_FILE


def read_stopwords(path: Path) -> tuple[str, ...]:
    """The words of a stop-word file in their order, blanks, notes and repeats dropped
    (none when the file does not exist)."""
    if not path.is_file():
        return ()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(path, "除外する語のファイルは UTF-8 で保存してください。") from None
    words = (normalize_text(line.split("#", 1)[0]) for line in text.splitlines())
    return tuple(dict.fromkeys(word for word in words if word))


def town_stopwords(config: Config) -> tuple[str, ...]:
    """The town's own stop words (none when it keeps no file)."""
    return read_stopwords(stopwords_path(config))
