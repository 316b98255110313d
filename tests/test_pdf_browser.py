"""One browser for all pages prints what a browser started for each page prints."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest

from needs_analysis.publish import pdf, pdf_browser

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


def chart_page(path: Path, values: list[int], paper: str = "portrait") -> Path:
    """A page with a chart drawn as the report pages draw theirs (plotly.js inline)."""
    import plotly.graph_objects as go

    from needs_analysis.publish.plotly_js import inline_plotly, plotly_script
    from needs_analysis.report.charts import figure_html
    from needs_analysis.report.pages import page_style

    figure = go.Figure(go.Bar(x=["移動", "配食", "見守り"], y=values))
    figure.update_layout(width=500, height=300, title="件数")
    chart = figure_html(figure, "plotly.min.js").data
    counter = (
        "<p id='n'></p><script>window.drawn = (window.drawn || 0) + 1;"
        "document.getElementById('n').textContent = '描画 ' + window.drawn + ' 回目';</script>"
    )
    style = page_style(paper).data
    page = write_page(path, paper, f"{style}<h1>{path.stem}</h1>{chart}{counter}")
    page.write_text(inline_plotly(page.read_text(encoding="utf-8")), encoding="utf-8")
    assert plotly_script() in page.read_text(encoding="utf-8")
    return page


def test_chart_pages_printed_in_one_tab_equal_pages_printed_alone(tmp_path, browser, monkeypatch):
    # One tab (workers=1) prints all three; the chart library is started there once.
    pages = [
        chart_page(tmp_path / "first.html", [3, 1, 2]),
        chart_page(tmp_path / "second.html", [5, 8, 1], "landscape"),
        write_page(tmp_path / "no_chart.html", "portrait", "<p>図なし</p>"),
        chart_page(tmp_path / "third.html", [2, 2, 9]),
    ]
    # A tab is closed when a print fails (the retry starts afresh) and once at the end.
    closed = []
    close = pdf_browser._Tab.close

    async def counted_close(tab):
        closed.append(tab.page is not None)
        await close(tab)

    monkeypatch.setattr(pdf_browser._Tab, "close", counted_close)
    fast = [pdf_browser.uses_loaded_library(page.read_text(encoding="utf-8")) for page in pages]
    assert fast == [True, True, False, True]
    printed = pdf_browser.print_pages(
        pages, browser, workers=1, settle_ms=pdf.SETTLE_MS, timeout_s=60
    )
    for page, path in zip(pages, printed, strict=True):
        alone = pdf.print_to_pdf(page, tmp_path / "alone" / f"{page.stem}.pdf", browser)
        assert path.read_bytes() == alone.read_bytes(), page.name
    assert closed == [True]  # every page printed at the first try, in one tab
    # What one page's scripts leave on the window is not seen by the next page's.
    assert "描画 1 回目" in pypdf.PdfReader(printed[-1]).pages[0].extract_text()


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
