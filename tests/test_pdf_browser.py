"""One browser for all pages prints what a browser started for each page prints."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest

from needs_analysis import pdf, pdf_browser

pytestmark = pytest.mark.slow


@pytest.fixture
def browser() -> Path:
    found = pdf.find_browser()
    if found is None:
        pytest.skip(pdf.INSTALL_HINT)
    return found


def write_page(path: Path, paper: str, body: str, margin: bool = True) -> Path:
    page_margin = "margin: 12mm;" if margin else ""
    path.write_text(
        f'<html lang="ja"><head><meta charset="utf-8"><title>{path.stem}</title>'
        f"<style>@page {{ size: A4 {paper}; {page_margin} }}</style></head><body>{body}"
        # A timer, as charts use: it fires within the virtual time the page gets.
        "<script>setTimeout(() => document.body.insertAdjacentHTML('beforeend',"
        " '<p>描画済み</p>'), 500)</script></body></html>",
        encoding="utf-8",
    )
    return path


def test_the_same_bytes_as_a_browser_per_page(tmp_path, browser):
    table = (
        "<table><tr><th>分類</th><th>件数</th></tr><tr><td>移動支援</td><td>62</td></tr></table>"
    )
    svg = '<svg width="300" height="100"><rect width="200" height="50" fill="orange"/></svg>'
    pages = [
        write_page(tmp_path / "portrait.html", "portrait", f"<h1>縦</h1>{table}{svg}"),
        write_page(tmp_path / "landscape.html", "landscape", f"<h1>横</h1>{table}"),
        # No margin stated: the browser's own default margin, the same in both ways.
        write_page(tmp_path / "plain.html", "portrait", "<p>余白なし</p>", margin=False),
    ]
    printed = pdf_browser.print_pages(
        pages, browser, workers=2, settle_ms=pdf.SETTLE_MS, timeout_s=60
    )
    assert printed == [page.with_suffix(".pdf") for page in pages]
    for page in pages:
        alone = pdf.print_to_pdf(page, tmp_path / "alone" / f"{page.stem}.pdf", browser)
        assert page.with_suffix(".pdf").read_bytes() == alone.read_bytes(), page.name
    assert "描画済み" in pypdf.PdfReader(printed[0]).pages[0].extract_text()


def test_reprinting_gives_the_same_bytes(tmp_path, browser):
    page = write_page(tmp_path / "page.html", "portrait", "<h1>再実行</h1>")
    first = pdf.write_pdfs([page]).pdfs[0].read_bytes()
    assert pdf.write_pdfs([page]).pdfs[0].read_bytes() == first


def test_a_browser_that_cannot_be_driven_is_reported_before_printing(tmp_path):
    page = write_page(tmp_path / "page.html", "portrait", "<p>x</p>")
    with pytest.raises(pdf_browser.BrowserUnavailable):
        pdf_browser.print_pages([page], Path("/bin/false"), 1, pdf.SETTLE_MS, timeout_s=20)
    assert not page.with_suffix(".pdf").exists()


def test_without_one_browser_each_page_gets_its_own(tmp_path, browser, monkeypatch):
    def unavailable(*args, **kwargs):
        raise pdf_browser.BrowserUnavailable("no driver")

    monkeypatch.setattr(pdf_browser, "print_pages", unavailable)
    page = write_page(tmp_path / "page.html", "landscape", "<h1>横</h1>")
    result = pdf.write_pdfs([page])
    assert result.pdfs == (page.with_suffix(".pdf"),)
    assert len(pypdf.PdfReader(result.pdfs[0]).pages) == 1


def test_a_page_that_does_not_load_names_itself(tmp_path, browser):
    missing = tmp_path / "missing.html"
    with pytest.raises(pdf.PdfError, match="missing.html"):
        pdf_browser.print_pages([missing], browser, 1, pdf.SETTLE_MS, timeout_s=60)
