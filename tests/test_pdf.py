"""Printing with a real headless Chromium: the paper a page states is the paper it gets,
charts stay vector graphics, and without a browser the run says how to get one."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest

from needs_analysis.publish import pdf

A4 = (595, 842)


def page_sizes(path: Path) -> list[tuple[int, int]]:
    return [
        (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
        for page in pypdf.PdfReader(path).pages
    ]


def write_page(path: Path, paper: str, body: str) -> Path:
    path.write_text(
        f'<html lang="ja"><head><meta charset="utf-8"><style>@page {{ size: A4 {paper}; }}'
        f"</style></head><body>{body}</body></html>",
        encoding="utf-8",
    )
    return path


def test_without_a_browser_no_pdf_and_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    page = write_page(tmp_path / "a.html", "portrait", "<p>テスト</p>")
    result = pdf.write_pdfs([page])
    assert result.pdfs == () and "Chromium" in result.note and "apt install" in result.note
    assert not page.with_suffix(".pdf").exists()


@pytest.mark.slow
def test_pages_print_on_the_paper_they_state(tmp_path):
    if pdf.find_browser() is None:
        pytest.skip(pdf.INSTALL_HINT)
    svg = '<svg width="300" height="100"><rect width="200" height="50" fill="orange"/></svg>'
    portrait = write_page(tmp_path / "portrait.html", "portrait", f"<h1>縦の資料</h1>{svg}")
    landscape = write_page(tmp_path / "landscape.html", "landscape", "<h1>横の表</h1>")
    result = pdf.write_pdfs([portrait, landscape], workers=2)
    assert [p.name for p in result.pdfs] == ["portrait.pdf", "landscape.pdf"]
    assert page_sizes(tmp_path / "portrait.pdf") == [A4]
    assert page_sizes(tmp_path / "landscape.pdf") == [A4[::-1]]
    # The SVG is drawn as vector paths, not as an embedded picture.
    assert list(pypdf.PdfReader(tmp_path / "portrait.pdf").pages[0].images) == []
    assert "縦の資料" in pypdf.PdfReader(tmp_path / "portrait.pdf").pages[0].extract_text()


@pytest.mark.slow
def test_a_one_sheet_page_a_little_too_long_still_prints_on_one_sheet(tmp_path):
    from needs_analysis.report.pages import page_style

    if pdf.find_browser() is None:
        pytest.skip(pdf.INSTALL_HINT)
    body = "".join(f"<p>{i}行目の文章です。</p>" for i in range(40))
    for name, one_sheet in (("fitted", True), ("plain", False)):
        style = page_style("portrait", one_sheet=one_sheet).data
        (tmp_path / f"{name}.html").write_text(
            f'<html lang="ja"><head><meta charset="utf-8">{style}</head>'
            f'<body><div class="jp-Notebook">{body}</div></body></html>',
            encoding="utf-8",
        )
    pdf.write_pdfs([tmp_path / "fitted.html", tmp_path / "plain.html"])
    assert page_sizes(tmp_path / "fitted.pdf") == [A4]
    assert len(page_sizes(tmp_path / "plain.pdf")) == 2
    assert "39行目" in pypdf.PdfReader(tmp_path / "fitted.pdf").pages[0].extract_text()


def _tagged(ids: dict[int, int], headers: int) -> bytes:
    """The parts of a tagged PDF that carry node ids: elements, a header reference, the id tree."""
    elements = b"".join(
        b"%d 0 obj\n<</S /TH\n/ID (node%08d)>>\nendobj\n" % (obj, node)
        for obj, node in sorted(ids.items())
    )
    names = b" ".join(
        b"(node%08d) %d 0 R" % (node, obj)
        for obj, node in sorted(ids.items(), key=lambda item: item[1])
    )
    low, high = min(ids.values()), max(ids.values())
    return (
        b"/CreationDate (D:20261130041500+09'00')\n"
        + elements
        + b"<</A <</O /Table /Headers [(node%08d)]>>>>\n" % ids[headers]
        + b"<</Limits [(node%08d) (node%08d)]\n/Names [%s]>>\n" % (low, high, names)
    )


def test_reruns_give_the_same_pdf_bytes(tmp_path):
    # Two prints of one page in which scripts created the table nodes in another order.
    first = tmp_path / "first.pdf"
    second = tmp_path / "second.pdf"
    first.write_bytes(_tagged({139: 63, 141: 64, 143: 65}, headers=141))
    second.write_bytes(_tagged({139: 135, 141: 63, 143: 90}, headers=141))
    sizes = first.stat().st_size, second.stat().st_size
    pdf.make_reproducible(first)
    pdf.make_reproducible(second)
    assert first.read_bytes() == second.read_bytes()
    assert (first.stat().st_size, second.stat().st_size) == sizes  # offsets still hold
    data = first.read_bytes()
    assert b"/Headers [(node00000001)]" in data  # the reference follows its element
    assert b"/Names [(node00000000) 139 0 R (node00000001) 141 0 R (node00000002) 143 0 R]" in data
    assert b"/Limits [(node00000000) (node00000002)]" in data
    assert b"D:20261130" not in data


def test_a_real_print_stays_a_valid_pdf_after_it_is_made_reproducible(tmp_path):
    table = (
        "<table><tr><th>分類</th><th>件数</th></tr><tr><td>移動支援</td><td>62</td></tr></table>"
    )
    page = write_page(tmp_path / "table.html", "portrait", f"<h1>表</h1>{table}")
    browser = pdf.find_browser()
    if browser is None:
        pytest.skip("no Chromium on PATH")
    printed = pdf.print_to_pdf(page, tmp_path / "table.pdf", browser)
    reader = pypdf.PdfReader(printed, strict=True)
    assert "移動支援" in reader.pages[0].extract_text()
    assert b"/CreationDate (D:2000" in printed.read_bytes()
