"""Derive the variant-kanji table that name lookup folds with, from Unicode's Unihan data.

    .venv/bin/python scripts/kanji_variants.py [--unihan /usr/share/unicode] [--out PATH]

Reads Unihan_Variants, Unihan_IRGSources and Unihan_OtherMappings (plain, .bz2, or inside
Unihan.zip; Debian's unicode-data package installs them under /usr/share/unicode) and
writes ``src/needs_analysis/data/kanji_variants.tsv``: one ``variant<TAB>standard`` line
for each ideograph outside JIS X 0208 (and outside the 常用漢字 and 人名用漢字 lists)
that has a variant inside it, and for each 人名用漢字 old form that Unihan maps to its
standard form (德 → 徳). The standard form is the variant reached through the fewest and
closest relations: z-variants, spoofing variants, compatibility variants and the 人名用漢字
mapping first, then semantic variants attested by the most dictionaries; among equals a
常用漢字, then a 人名用漢字, then any JIS X 0208 character. The same input gives the same
bytes.
"""

from __future__ import annotations

import argparse
import bz2
import re
import sys
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "src" / "needs_analysis" / "data" / "kanji_variants.tsv"
FILES = ("Unihan_Variants.txt", "Unihan_IRGSources.txt", "Unihan_OtherMappings.txt")
# Relations that say "the same character, drawn differently" (priority 0) or "the same
# meaning" (priority 1); simplified/traditional pairs are Chinese reforms and stay out.
CLOSE = {"kZVariant", "kSpoofingVariant", "kCompatibilityVariant"}
FIELDS = CLOSE | {"kSemanticVariant", "kJis0", "kJoyoKanji", "kJinmeiyoKanji"}
_CODE = re.compile(r"U\+([0-9A-F]{4,6})(?:<([^ ]*))?")
HEADER = """\
# Variant kanji → the standard form that name lookup reads (needs_analysis.privacy.names).
# Derived by scripts/kanji_variants.py from the Unicode Han Database (Unihan), Unicode {version}:
# kZVariant, kSpoofingVariant, kCompatibilityVariant, kSemanticVariant, kJis0, kJoyoKanji,
# kJinmeiyoKanji. This file is a modified extract of Unicode Data Files.
# © 1991-2022 Unicode, Inc. Distributed under the Unicode License (https://www.unicode.org/license.txt);
# the licence text is in kanji_variants.LICENSE beside this file.
"""


def unihan_lines(source: Path) -> Iterator[tuple[str, str, str]]:
    """(character, field, value) of the Unihan fields this script reads."""
    for name in FILES:
        for line in _read(source, name).splitlines():
            if line.startswith("#") or not line.strip():
                continue
            code, field, value = line.split("\t", 2)
            if field in FIELDS:
                yield chr(int(code[2:], 16)), field, value


def _read(source: Path, name: str) -> str:
    if source.suffix == ".zip":
        with zipfile.ZipFile(source) as archive:
            return archive.read(name).decode("utf-8")
    if (source / name).is_file():
        return (source / name).read_text(encoding="utf-8")
    return bz2.decompress((source / f"{name}.bz2").read_bytes()).decode("utf-8")


class Unihan:
    """The variant relations and the Japanese character lists, as read."""

    def __init__(self, lines: Iterator[tuple[str, str, str]]):
        self.edges: dict[str, dict[str, tuple[int, int]]] = defaultdict(dict)
        self.jis0: set[str] = set()
        self.joyo: set[str] = set()
        self.jinmei: set[str] = set()
        self.jinmei_old: dict[str, str] = {}
        for char, field, value in lines:
            self._add(char, field, value)

    def _add(self, char: str, field: str, value: str) -> None:
        if field == "kJis0":
            self.jis0.add(char)
        elif field == "kJoyoKanji":
            (self.joyo.add(char) if value.isdigit() else self._link(char, value, 0))
        elif field == "kJinmeiyoKanji":
            year, _, standard = value.partition(":")
            self.jinmei.add(char)
            if standard:
                self.jinmei_old[char] = chr(int(standard[2:], 16))
                self._link(char, standard, 0)
        else:
            for code, sources in _CODE.findall(value):
                close = field in CLOSE or ":Z" in sources
                self._link(char, f"U+{code}", 0 if close else 1, len(sources.split(",")))

    def _link(self, char: str, code: str, priority: int, attested: int = 9) -> None:
        other = chr(int(code[2:], 16))
        if other == char:
            return
        for a, b in ((char, other), (other, char)):
            known = self.edges[a].get(b, (9, 0))
            self.edges[a][b] = min(known, (priority, -attested))

    def rank(self, char: str) -> int:
        """0 常用漢字, 1 人名用漢字, 2 other JIS X 0208, 3 none of these."""
        if char in self.joyo:
            return 0
        if char in self.jinmei and char not in self.jinmei_old:
            return 1
        return 2 if char in self.jis0 else 3

    def standard(self, char: str) -> str | None:
        """The standard form of a variant, or None (already standard, or none in reach)."""
        if char in self.jinmei_old:
            return self.jinmei_old[char]
        if self.rank(char) < 3:
            return None
        best: tuple | None = None
        for first, (priority, attested) in self.edges.get(char, {}).items():
            steps = [(first, (1, priority, attested))]
            steps += [
                (second, (2, priority + p2, attested + a2))
                for second, (p2, a2) in self.edges.get(first, {}).items()
                if second != char
            ]
            for target, cost in steps:
                if self.rank(target) < 3:
                    key = (*cost, self.rank(target), ord(target), target)
                    best = key if best is None or key < best else best
        return best[-1] if best else None


def unicode_version(source: Path) -> str:
    found = re.search(r"^# Unicode version: (\S+)", _read(source, FILES[0]), re.MULTILINE)
    return found.group(1) if found else "?"


def variant_table(unihan: Unihan) -> dict[str, str]:
    """Each variant → its standard form, followed to the end (囯 → 國 → 国)."""
    chars = set(unihan.edges) | set(unihan.jinmei_old)
    found = {char: unihan.standard(char) for char in sorted(chars)}
    table = {char: standard for char, standard in found.items() if standard}
    for char, standard in table.items():
        seen = {char}
        while standard in table and standard not in seen:
            seen.add(standard)
            standard = table[standard]
        table[char] = standard
    return {char: standard for char, standard in table.items() if standard != char}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unihan", type=Path, default=Path("/usr/share/unicode"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    unihan = Unihan(unihan_lines(args.unihan))
    table = variant_table(unihan)
    lines = [f"{variant}\t{standard}" for variant, standard in sorted(table.items())]
    text = HEADER.format(version=unicode_version(args.unihan)) + "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {len(lines)} variants", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
