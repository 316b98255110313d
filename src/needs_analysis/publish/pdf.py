"""Printing the report pages to PDF with headless Chromium.

Each HTML page states its own paper in CSS (``@page { size: A4 }`` or ``A4 landscape``,
see :func:`needs_analysis.report.pages.page_style`); Chromium honours it, so this module only
finds the browser, prints, and says plainly what to install when there is none. Charts
are plotly SVG in the page, so they reach the PDF as vector graphics.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from needs_analysis.paths import usable_cpus
from needs_analysis.publish.pdf_browser import BrowserUnavailable, print_pages
from needs_analysis.publish.pdf_files import PdfError, make_reproducible

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


def write_pdfs(pages: Sequence[Path], workers: int | None = 2) -> PdfResult:
    """A PDF beside each HTML page (same name, .pdf), ``workers`` pages at a time (None or
    0: one per CPU).

    One browser prints all pages (:mod:`needs_analysis.publish.pdf_browser`); where it cannot be
    driven, a browser is started for each page. Without a browser nothing is printed and
    the note says how to install one.
    """
    browser = find_browser()
    if browser is None:
        return PdfResult((), INSTALL_HINT)
    count = max(1, workers or usable_cpus())
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
