"""Which text encoding and which delimiter a delimited file uses.

UTF-8 (with or without BOM), Shift_JIS (CP932) and UTF-16 (with or without BOM) are told
apart from the bytes unless the user names the encoding; a file that none of them reads
raises :class:`InputError` naming the row and the column where decoding stopped.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from needs_analysis.errors import InputError

ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8（BOM付き）",
    "cp932": "Shift_JIS（CP932）",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16（BOMなし、リトルエンディアン）",
    "utf-16-be": "UTF-16（BOMなし、ビッグエンディアン）",
}


OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def looks_binary(data: bytes) -> bool:
    return _utf16_without_bom(data) is None and b"\x00" in data[:4096]


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a byte order mark shows as NUL bytes on one side of ASCII characters
    (commas, line breaks, digits); which side tells the byte order."""
    sample = data[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    odd = sample[1::2].count(0)
    even = sample[0::2].count(0)
    if odd > 4 * even and odd >= len(sample) // 32:
        return "utf-16-le"
    if even > 4 * odd and even >= len(sample) // 32:
        return "utf-16-be"
    return None


def decode(path: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    if encoding:
        name = _canonical_encoding(path, encoding)
        candidates = [name]
    elif data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif utf16 := _utf16_without_bom(data):
        candidates = [utf16]
    else:
        # A CP932 file is almost never valid UTF-8, so UTF-8 goes first.
        candidates = ["utf-8", "cp932"]
    failures: list[UnicodeDecodeError] = []
    for name in candidates:
        try:
            return data.decode(name), name
        except UnicodeDecodeError as error:
            failures.append(error)
    # Report the position where the most plausible decoder stopped: the one that got furthest.
    worst = max(failures, key=lambda error: error.start)
    offset = worst.start
    row = data.count(b"\n", 0, offset) + 1
    line_start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[line_start:offset].decode(worst.encoding, errors="replace")
    header_bytes = data.split(b"\n", 1)[0]
    header = header_bytes.decode(worst.encoding, errors="replace").lstrip("\ufeff")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else guess_delimiter(header)
    column_index = prefix.count(delimiter)
    names = header.rstrip("\r").split(delimiter)
    column = names[column_index].strip() if column_index < len(names) else f"{column_index + 1}列目"
    tried = "、".join(ENCODING_LABELS.get(name, name) for name in candidates)
    raise InputError(
        path,
        f"文字コードを判別できません（{tried} として読めない文字があります）。"
        "--encoding で文字コードを指定するか、UTF-8 で保存し直してください。",
        row=row,
        column=column,
    )


def _canonical_encoding(path: Path, encoding: str) -> str:
    aliases = {
        "utf8": "utf-8",
        "utf-8": "utf-8",
        "utf-8-sig": "utf-8-sig",
        "utf8-sig": "utf-8-sig",
        "sjis": "cp932",
        "shift_jis": "cp932",
        "shift-jis": "cp932",
        "cp932": "cp932",
        "ms932": "cp932",
        "windows-31j": "cp932",
        "utf-16": "utf-16",
    }
    name = aliases.get(encoding.strip().lower())
    if name is None:
        known = "、".join(sorted(set(aliases)))
        raise InputError(path, f"文字コード「{encoding}」は使えません（使えるもの: {known}）。")
    return name


def guess_delimiter(text: str) -> str:
    """Tab when the first line (ended by CR LF, LF or a lone CR) has more tabs than commas."""
    first_line = re.split(r"\r\n|\r|\n", text, maxsplit=1)[0]
    return "\t" if first_line.count("\t") > first_line.count(",") else ","
