"""Printing the report pages to PDF with headless Chromium.

Each HTML page states its own paper in CSS (``@page { size: A4 }`` or ``A4 landscape``,
see :func:`needs_analysis.pages.page_style`); Chromium honours it, so this module only
finds the browser, prints, and says plainly what to install when there is none. Charts
are plotly SVG in the page, so they reach the PDF as vector graphics.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from needs_analysis.errors import NeedsAnalysisError
from needs_analysis.outputs import FIXED_TIMESTAMP

# Names the browser goes by on Debian/Ubuntu, Fedora, macOS Homebrew links and Chrome.
BROWSER_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
)
INSTALL_HINT = (
    "PDF を作るには Chromium が必要です（Debian/Ubuntu では sudo apt install chromium、"
    "Windows・Mac では Google Chrome を入れて PATH に加えてください）。HTML は書き出しました。"
)
# Seconds one page may take; plotly draws in well under a second, a cold browser start
# on a busy machine takes a few.
PRINT_TIMEOUT = 120
# Virtual time the page gets after loading, so that every chart has finished drawing.
SETTLE_MS = 3000


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


@dataclass(frozen=True)
class PdfResult:
    """The PDFs written, or why none were (an empty ``pdfs`` and a one-sentence ``note``)."""

    pdfs: tuple[Path, ...]
    note: str = ""


def find_browser() -> Path | None:
    """The first Chromium or Chrome on PATH, or None."""
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def print_to_pdf(html: Path, pdf: Path, browser: Path) -> Path:
    """Print one local HTML page to ``pdf`` with ``browser`` in headless mode."""
    pdf.parent.mkdir(parents=True, exist_ok=True)
    # A profile of its own: two browsers sharing one profile wait for each other's lock.
    with tempfile.TemporaryDirectory(prefix="needs-analysis-chromium-") as profile:
        command = [
            str(browser),
            "--headless",
            # The pages are our own local files; the sandbox needs user namespaces that
            # containers and CI runners often lack.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--virtual-time-budget={SETTLE_MS}",
            f"--print-to-pdf={pdf.resolve()}",
            html.resolve().as_uri(),
        ]
        try:
            finished = subprocess.run(
                command, capture_output=True, text=True, timeout=PRINT_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            raise PdfError(
                f"{html.name} の PDF 化が{PRINT_TIMEOUT}秒で終わりませんでした。"
            ) from None
    if finished.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        detail = (finished.stderr or "").strip().splitlines()[-1:] or ["（出力なし）"]
        raise PdfError(
            f"{html.name} を PDF にできませんでした（{browser.name} の終了コード "
            f"{finished.returncode}: {detail[0]}）。"
        )
    return make_reproducible(pdf)


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


def write_pdfs(pages: Sequence[Path], workers: int | None = 2) -> PdfResult:
    """A PDF beside each HTML page (same name, .pdf), ``workers`` pages at a time (None or
    0: one per CPU).

    One browser prints all pages (:mod:`needs_analysis.pdf_browser`); where it cannot be
    driven, a browser is started for each page. Without a browser nothing is printed and
    the note says how to install one.
    """
    from needs_analysis.notebooks import default_workers
    from needs_analysis.pdf_browser import BrowserUnavailable, print_pages

    browser = find_browser()
    if browser is None:
        return PdfResult((), INSTALL_HINT)
    count = max(1, workers or default_workers())
    if not pages:
        return PdfResult(())
    try:
        return PdfResult(tuple(print_pages(pages, browser, count, SETTLE_MS, PRINT_TIMEOUT)))
    except BrowserUnavailable:
        pass
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [
            pool.submit(print_to_pdf, page, page.with_suffix(".pdf"), browser) for page in pages
        ]
        return PdfResult(tuple(future.result() for future in futures))
