"""Japanese tokenisation with MeCab (fugashi + unidic-lite), and a user dictionary.

A MeCab tagger holds a C handle and cannot be pickled, so :class:`Tokenizer` keeps only the
arguments and builds its tagger lazily in each process that uses it.

Tokens come from the tagger's own text output, in a format of our own (``data/mecabrc``:
surface, part of speech and lemma, tab-separated) rather than from per-node Python objects:
one C call and one split per answer keep tokenisation close to the speed of MeCab itself.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from needs_analysis import paths
from needs_analysis.errors import InputError
from needs_analysis.text.pieces import text_pieces
from needs_analysis.text.tokens import (
    Token,
)

if TYPE_CHECKING:
    import fugashi

# fugashi and unidic-lite are imported where a tagger or the dictionary is needed, not at
# module level: the text package (normalising, tokens) is read by display modules that must
# not load MeCab.

# UniDic writes the source word after loan-word lemmas ("バス-bus", "タクシー-taxi").
_LOANWORD_GLOSS = re.compile(r"-[A-Za-z][A-Za-z ]*$")
# Tabs and line breaks would break the tab-separated output we split.
_FIELD_BREAKS = re.compile(r"[\t\r\n]+")

# A plain user-dictionary CSV names a word and its kind; these UniDic left/right context
# classes (looked up by name in left-id.def) place the word in the grammar.
USER_WORD_KINDS: dict[str, str] = {
    "名詞": "名詞,普通名詞,一般,*,*,*,*,*,*",
    "地名": "名詞,固有名詞,地名,一般,*,*,*,*,*",
    "人名": "名詞,固有名詞,人名,一般,*,*,*,*,*",
    "組織名": "名詞,固有名詞,一般,*,*,*,*,*,*",
}
# Low enough that a listed word wins over splitting it into known parts.
_USER_WORD_COST = -3000

# MeCab builds one lattice per call and fails (the process ends, no error) near 850,000
# characters: a longer text is parsed in pieces of at most this many characters, cut at
# sentence ends. An answer this long is parsed exactly as before.
PIECE_CHARS = 20_000


def _dictionary_dir() -> str:
    import unidic_lite

    return unidic_lite.DICDIR


def dictionary_version() -> str:
    """The system dictionary the tokens come from, for model and cache keys."""
    unidic = (Path(_dictionary_dir()) / "version").read_text(encoding="utf-8").strip()
    return f"unidic-lite {version('unidic-lite')} (UniDic {unidic})"


class Tokenizer:
    """Tokenises text with fugashi + unidic-lite, optionally with a compiled user dictionary.

    >>> [t.lemma for t in Tokenizer().tokenize("駅まで送ってほしい")]
    ['駅', 'まで', '送る', 'て', '欲しい']
    """

    def __init__(self, user_dictionary: Path | str | None = None, places: Iterable[str] = ()):
        self.user_dictionary = Path(user_dictionary) if user_dictionary else None
        # The town's own names (areas, 行政区, resources): each is one place noun wherever
        # it is written, by MeCab's constrained parsing, with no dictionary to compile.
        self.places = tuple(sorted({p for p in places if p and p.strip()}, key=_longest_first))
        self._tagger: fugashi.GenericTagger | None = None
        self._partial_tagger: fugashi.GenericTagger | None = None

    def __getstate__(self) -> dict[str, object]:
        return {"user_dictionary": self.user_dictionary, "places": self.places}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update({"places": (), **state, "_tagger": None, "_partial_tagger": None})

    @property
    def tagger(self) -> fugashi.GenericTagger:
        if self._tagger is None:
            self._tagger = shared_tagger(self._user_dic())
        return self._tagger

    def _user_dic(self) -> str | None:
        return str(compile_user_dictionary(self.user_dictionary)) if self.user_dictionary else None

    @property
    def version(self) -> str:
        """Dictionary version plus the user dictionary's and the places' hashes, if any."""
        version = dictionary_version()
        if self.user_dictionary is not None:
            digest = hashlib.sha256(self.user_dictionary.read_bytes()).hexdigest()[:12]
            version += f" + user {digest}"
        if self.places:
            digest = hashlib.sha256("\n".join(self.places).encode()).hexdigest()[:12]
            version += f" + places {digest}"
        return version

    def tokenize(self, text: str) -> list[Token]:
        """Tokens of one text; the text should already be normalised. A text longer than
        :data:`PIECE_CHARS` is parsed in pieces cut at sentence ends (``text_pieces``)."""
        if not text:
            return []
        if len(text) > PIECE_CHARS:
            pieces = text_pieces(text, PIECE_CHARS)
            return [token for piece in pieces for token in self._tokenize(piece)]
        return self._tokenize(text)

    def _tokenize(self, text: str) -> list[Token]:
        text = _FIELD_BREAKS.sub(" ", text)
        if self.places:
            pieces = _place_pattern(self.places).split(text)
            if len(pieces) > 1 and not any(piece.strip() == "EOS" for piece in pieces):
                return self._tokenize_with_places(pieces)
        return _tokens_from_output(self.tagger.parse(text))

    def _tokenize_with_places(self, pieces: list[str]) -> list[Token]:
        """Tokens of a text split around the town's names (odd pieces): each name is held
        to one place noun, the text around it parsed in its context (MeCab's -p mode)."""
        if self._partial_tagger is None:
            self._partial_tagger = shared_tagger(self._user_dic(), partial=True)
        lines = [
            f"{piece}\t{PLACE_FEATURE}" if odd else piece
            for odd, piece in ((i % 2 == 1, piece) for i, piece in enumerate(pieces))
            if piece
        ]
        return _tokens_from_output(self._partial_tagger.parse("\n".join(lines) + "\nEOS\n"))

    def tokenize_many(self, texts: Iterable[str]) -> list[list[Token]]:
        """Tokens of many texts, in order."""
        return [self.tokenize(text) for text in texts]


# One tagger per dictionary and mode in a process. fugashi does not unmap a tagger's
# dictionary when the tagger is freed, so each new tagger would map (and, tokenising a few
# thousand answers, read into memory) the whole dictionary again: a process that fits many
# models grew by about 120 MB a model.
_taggers: dict[tuple[str | None, bool], fugashi.GenericTagger] = {}


def shared_tagger(user_dic: str | None, partial: bool = False) -> fugashi.GenericTagger:
    """The process's tagger for these arguments (:func:`build_tagger`), built once."""
    key = (user_dic, partial)
    if key not in _taggers:
        _taggers[key] = build_tagger(user_dic, partial)
    return _taggers[key]


def build_tagger(user_dic: str | None, partial: bool = False) -> fugashi.GenericTagger:
    """A MeCab tagger over unidic-lite (and ``user_dic``); ``partial``: MeCab's -p mode,
    where lines "surface<TAB>feature" fix a word and the rest is parsed around it."""
    # Our rc file (instead of a system-wide mecabrc) defines the output format "needs".
    import fugashi

    rcfile = paths.package_file("mecabrc")
    args = f'-d "{_dictionary_dir()}" -r "{rcfile}" -O needs'
    if user_dic:
        args += f' -u "{user_dic}"'
    if partial:  # lines "surface<TAB>feature" fix a word; other lines are parsed freely
        args += " -p"
    return fugashi.GenericTagger(args)


# The constraint a town's name is parsed under, and the part of speech it gets.
PLACE_FEATURE = "名詞,固有名詞,地名,一般"


def _longest_first(name: str) -> tuple[int, str]:
    return -len(name), name


@lru_cache(maxsize=16)
def _place_pattern(places: tuple[str, ...]) -> re.Pattern[str]:
    """Splits a text around the names, keeping them (longest names first)."""
    return re.compile("(" + "|".join(re.escape(place) for place in places) + ")")


def _tokens_from_output(parsed: str) -> list[Token]:
    if not parsed:
        return []
    fields = iter(parsed.split("\t"))
    return [
        Token(
            surface,
            _LOANWORD_GLOSS.sub("", lemma) or surface if "-" in lemma else lemma or surface,
            pos,
        )
        for surface, pos, lemma in zip(fields, fields, fields, strict=False)
    ]


@lru_cache(maxsize=1)
def _context_ids() -> dict[str, tuple[int, int]]:
    """Map each USER_WORD_KINDS class to its (left, right) id in unidic-lite."""
    dicdir = Path(_dictionary_dir())

    def ids(file_name: str) -> dict[str, int]:
        table: dict[str, int] = {}
        for line in (dicdir / file_name).read_text(encoding="utf-8").splitlines():
            number, _, name = line.partition(" ")
            table.setdefault(name, int(number))
        return table

    left, right = ids("left-id.def"), ids("right-id.def")
    return {kind: (left[name], right[name]) for kind, name in USER_WORD_KINDS.items()}


def read_user_words(csv_path: Path) -> list[tuple[str, str, str]]:
    """Read the editable user dictionary: columns 表記, 読み (optional), 種類 (optional).

    Returns (surface, reading, kind) triples. A bad line stops with its line number.
    """
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(csv_path, "ユーザー辞書のファイルが見つかりません。") from None
    except UnicodeDecodeError:
        raise InputError(csv_path, "ユーザー辞書は UTF-8 で保存してください。") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or [cell.strip() for cell in rows[0][:1]] != ["表記"]:
        raise InputError(csv_path, "1行目は見出し「表記,読み,種類」にしてください。", row=1)
    words: list[tuple[str, str, str]] = []
    for line_number, row in enumerate(rows[1:], start=2):
        cells = [cell.strip() for cell in row] + ["", ""]
        surface, reading, kind = cells[0], cells[1], cells[2] or "名詞"
        if not any(cells):
            continue
        if not surface or "," in surface or " " in surface:
            raise InputError(
                csv_path, "表記が空か、空白を含んでいます。", row=line_number, column="表記"
            )
        if kind not in USER_WORD_KINDS:
            kinds = "、".join(USER_WORD_KINDS)
            raise InputError(
                csv_path,
                f"種類「{kind}」は使えません（{kinds} のどれか）。",
                row=line_number,
                column="種類",
            )
        words.append((surface, reading or surface, kind))
    return words


def _user_dictionary_rows(words: list[tuple[str, str, str]]) -> list[list[str]]:
    ids = _context_ids()
    rows = []
    for surface, reading, kind in words:
        left, right = ids[kind]
        pos = USER_WORD_KINDS[kind].split(",")[:4]
        # UniDic's 26 feature fields; the lemma is the surface so rules can name the word.
        features = [*pos, "*", "*", reading, surface, surface, reading, surface, reading]
        features += ["固", "*", "*", "*", "*", reading, reading, reading, reading]
        features += ["*", "*", "*", "*", "*"]
        rows.append([surface, str(left), str(right), str(_USER_WORD_COST), *features])
    return rows


def compile_user_dictionary(csv_path: Path | str, cache_dir: Path | None = None) -> Path:
    """Compile the editable CSV into a MeCab user dictionary, cached by content hash.

    MeCab's own compiler (mecab-dict-index, exposed by fugashi) does the work. It runs in a
    child process because it ends the whole process on a malformed entry.
    """
    csv_path = Path(csv_path)
    words = read_user_words(csv_path)
    rows = _user_dictionary_rows(words)
    content = "\n".join(",".join(row) for row in rows)
    digest = hashlib.sha256(f"{dictionary_version()}\n{content}".encode()).hexdigest()[:16]
    target_dir = cache_dir or paths.cache_dir()
    target = target_dir / f"user-{digest}.dic"
    if target.is_file():
        return target
    with tempfile.TemporaryDirectory(prefix="needs-analysis-") as work:
        # The compiler splits its argument string on spaces: keep every path space-free.
        source = Path(work) / "user.csv"
        output = Path(work) / "user.dic"
        with source.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
        dicdir = _dictionary_dir()
        if " " in dicdir:
            dicdir_copy = Path(work) / "dicdir"
            shutil.copytree(dicdir, dicdir_copy)
            dicdir = str(dicdir_copy)
        args = f"mecab-dict-index -d {dicdir} -u {output} -f utf-8 -t utf-8 {source}"
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys, fugashi; fugashi.build_dictionary(sys.argv[1])",
                args,
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0 or not output.is_file():
            detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
            raise InputError(csv_path, f"ユーザー辞書を作れませんでした（{detail[0]}）。")
        target_dir.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        shutil.copyfile(output, partial)
        os.replace(partial, target)
    return target
