"""PDF files as the tool writes them: the same bytes on every run, and the error of a page
that did not print."""

from __future__ import annotations

import re
from pathlib import Path

from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.outputs import FIXED_TIMESTAMP

# Chromium writes the time of printing into the document information; a rerun on the same
# data must give the same bytes, so the dates are overwritten in place (same length, so the
# cross-reference offsets stay valid).
_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}([+-]\d\d'\d\d'|Z)?\)")
# Chromium tags each structure element of its (accessible, tagged) PDF with the id of its
# DOM node, and those ids depend on when scripts created the nodes.
_STRUCT_ID = re.compile(rb"\(node(\d{8})\)")
_ID_PAIR = re.compile(rb"\(node(\d{8})\) (\d+) 0 R")
_ID_NAMES = re.compile(rb"/Names \[((?:\(node\d{8}\) \d+ 0 R ?)+)\]")
_ID_LIMITS = re.compile(rb"/Limits \[\(node\d{8}\) \(node\d{8}\)\]")
_FIXED_DIGITS = "{:04d}{:02d}{:02d}{:02d}{:02d}{:02d}".format(*FIXED_TIMESTAMP).encode()


class PdfError(NeedsAnalysisError):
    """The browser ran but did not produce a PDF; the message names the page."""


def make_reproducible(pdf: Path) -> Path:
    """Give ``pdf`` the same bytes on every run: the creation and modification dates
    Chromium stamps become the fixed date, and the structure elements' node ids are
    renumbered by the object they name (same width, so every offset holds)."""
    data = pdf.read_bytes()
    changed = _renumber_struct_ids(_PDF_DATE.sub(_fixed_date, data))
    if changed != data:
        pdf.write_bytes(changed)
    return pdf


def _fixed_date(match: re.Match[bytes]) -> bytes:
    zone = match.group(2) or b""
    zone = b"+00'00'" if len(zone) == 7 else zone
    return b"/" + match.group(1) + b" (D:" + _FIXED_DIGITS + zone + b")"


def _renumber_struct_ids(data: bytes) -> bytes:
    """Name each tagged element after its rank by object number (object numbers do not
    change between runs) and keep the id tree's one name array sorted. A file whose id
    tree has several name arrays is left as it is."""
    arrays = _ID_NAMES.findall(data)
    if len(arrays) != 1:
        return data
    pairs = _ID_PAIR.findall(arrays[0])
    by_object = sorted(pairs, key=lambda pair: int(pair[1]))
    new = {old: b"%08d" % rank for rank, (old, _) in enumerate(by_object)}
    renamed = _STRUCT_ID.sub(lambda m: b"(node" + new.get(m.group(1), m.group(1)) + b")", data)
    names = b" ".join(b"(node%s) %s 0 R" % (new[old], obj) for old, obj in by_object)
    first, last = new[by_object[0][0]], new[by_object[-1][0]]
    renamed = _ID_NAMES.sub(lambda m: b"/Names [" + names + b"]", renamed, count=1)
    return _ID_LIMITS.sub(
        lambda m: b"/Limits [(node%s) (node%s)]" % (first, last), renamed, count=1
    )
