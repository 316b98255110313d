"""`needs-analysis run`: every notebook executed on small data, numbers checked against the
package, the workbook read back, no personal data in any output, and a real browser."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from openpyxl import load_workbook

from needs_analysis import textstats
from needs_analysis.cli import command
from needs_analysis.config.load import load_config
from needs_analysis.gaps.change import ranked_gaps
from needs_analysis.privacy.disclosure import protect_gaps
from needs_analysis.publish.notebooks import NotebookError, NotebookJob, execute
from needs_analysis.report.plan import plan_table
from needs_analysis.report.rundata import load_run, year_tables
from needs_analysis.report.sections import plan_display_table
from needs_analysis.report.views import respondent_table
from needs_analysis.run.jobs import run_reports

pytestmark = pytest.mark.slow

# A small town: three areas, answers written for this test (north has a rubbish problem).
SMALL_CONFIG = """
[municipality]
name = "小さな町"
fiscal_year = 2025

[surveys.2025]
path = "survey.csv"

[surveys.2022]
path = "survey_old.csv"

[resources]
path = "resources.csv"

[resource_categories]
"サロン" = ["居場所"]
"移動支援" = ["移動支援"]
"配食" = ["配食"]

[report]
pdf = false
kwic = ["バス"]
category = "配食"

[[areas]]
name = "北"
population_65 = 500

[[areas]]
name = "中"
population_65 = 900

[[areas]]
name = "南"
population_65 = 600
"""

NORTH = [
    "ゴミ出しが階段でつらい",
    "ゴミを集積所まで運べない",
    "粗大ごみが出せなくて困る",
    "ごみ捨て場が遠くて大変",
    "ゴミ出しを手伝ってほしい",
    "分別が難しくてゴミが出せない",
    "バスが少なくて通院が大変",
    "特になし",
]
MIDDLE = [
    "特にありません",
    "いつもお世話になっています",
    "バスの本数を増やしてほしい",
    "サロンに行きたいが足がない",
    "配食サービスがあると助かる",
    "一人暮らしで倒れたら不安",
    "今は元気なので大丈夫です",
    "話し相手がほしい",
]
SOUTH = [
    "買い物に行く店が遠い",
    "電球の交換を頼みたい",
    "特になし",
    "草取りができなくなった",
    "夜中に倒れたら誰も気づかない",
    "弁当を届けてほしい",
    '=HYPERLINK("x") 特になし',
    "隣の佐藤さん(090-1234-5678)が心配",
]


def write_town(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.toml").write_text(SMALL_CONFIG, encoding="utf-8")
    for name, repeat in (("survey.csv", 4), ("survey_old.csv", 3)):
        lines = ["回答者ID,圏域,自由記述"]
        number = 0
        for area, answers in (("北", NORTH), ("中", MIDDLE), ("南", SOUTH)):
            for _ in range(repeat):
                for answer in [*answers, "", ""]:
                    number += 1
                    quoted = '"' + answer.replace('"', '""') + '"'
                    lines.append(f"{number},{area},{quoted}")
        (directory / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    (directory / "resources.csv").write_text(
        "資源名,種別,圏域,開始年度\n中央サロン,サロン,中,2010\n南サロン,サロン,南,2024\n"
        "送迎の会,移動支援,中,2015\n弁当の会,配食,南,2012\n",
        encoding="utf-8",
    )
    return directory / "config.toml"


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    config = load_config(write_town(tmp_path_factory.mktemp("town")))
    result = run_reports(config, out=tmp_path_factory.mktemp("reports"))
    return result, load_run(result.out_dir / "data")


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    return run_reports(load_config(), out=tmp_path_factory.mktemp("sample-reports"))


def outputs_text(executed: Path) -> str:
    notebook = nbformat.read(executed, as_version=4)
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            texts.append(data.get("text/html", "") + data.get("text/markdown", ""))
            texts.append(data.get("text/plain", "") + output.get("text", ""))
    return "\n".join(texts)


def test_every_report_file_is_written(small_run):
    result, run = small_run
    out = result.out_dir
    expected = [
        "index.html",
        "plan_table.html",
        "explore.html",
        "needs_analysis_2025.xlsx",
    ]
    expected += [f"handout_{i:02d}_{area}.html" for i, area in enumerate(run.areas, start=1)]
    for name in expected:
        assert (out / name).is_file(), name
    # The config says pdf = false; the pages carry plotly.js themselves.
    assert not list(out.glob("*.pdf")) and not (out / "plotly.min.js").exists()
    assert len(list((out / "notebooks").glob("*.ipynb"))) >= 2 + len(run.areas)


def test_overview_numbers_match_the_package(small_run):
    result, run = small_run
    text = outputs_text(result.out_dir / "notebooks" / "index.ipynb")
    assert f"回答者 **{len(run.responses):,}人**" in text
    assert f"自由記述あり **{int(run.responses['has_text'].sum()):,}人**" in text
    flagged = ranked_gaps(protect_gaps(year_tables(run).gaps, run.disclosure))
    assert not flagged.empty
    plain = re.sub(r"<[^>]+>", "", text)  # cells are held together in no-break spans
    for row in flagged.itertuples():
        assert f"{row.count_label} / {row.n_label}" in plain  # 「5未満 / 32」 for a hidden count
    assert ("北", "ゴミ出し") in set(zip(flagged["area"], flagged["category"], strict=True))


def test_overview_and_workbook_show_one_respondent_table(small_run):
    result, run = small_run
    table = respondent_table(run)
    sheet = pd.read_excel(result.out_dir / "needs_analysis_2025.xlsx", sheet_name="回答者数")
    assert list(sheet["圏域"]) == list(table["圏域"]) == [*run.areas, "町全体"]
    for column in ("回答者数", "自由記述あり"):
        # The same cells: a number where it is published, the same label where it is not.
        assert [str(v) for v in sheet[column]] == [str(v) for v in table[column]]
    assert table["回答者数"].iloc[-1] == len(run.responses)
    html = outputs_text(result.out_dir / "notebooks" / "index.ipynb")
    shown = [cell for cell in table["回答者数"] if isinstance(cell, int)]
    assert all(f"{cell:,}" in html for cell in shown)


def test_handout_numbers_match_the_package(small_run):
    result, run = small_run
    text = outputs_text(result.out_dir / "notebooks" / "handout_01_北.ipynb")
    north = run.responses[run.responses["area"] == "北"]
    assert f"回答者 **{len(north)}人**" in text
    gaps = year_tables(run).gaps
    cell = gaps[(gaps["area"] == "北") & (gaps["category"] == "ゴミ出し")].iloc[0]
    assert f"該当 {cell['count']}人 / 自由記述 {cell['n']}人" in text
    assert "協議体で話し合いたいこと" in (result.out_dir / "handout_01_北.html").read_text(
        encoding="utf-8"
    )


def test_plan_table_numbers_match_the_package(small_run):
    result, run = small_run
    text = outputs_text(result.out_dir / "notebooks" / "plan_table.ipynb")
    plain = re.sub(r"<(?!/?t[dr][ >])[^>]+>", "", text)  # the cells, without their spans
    # One row per category by default; a roll-up names what it holds.
    table = plan_table(run.responses, run.taxonomy.labels, run.min_count)
    assert len(table) == len(run.taxonomy.labels)
    for row in table.itertuples():
        assert re.search(
            rf"<td>{re.escape(row.heading)}</td>\s*<td>.*?</td>\s*<td>{re.escape(row.count_display)}</td>",
            plain,
            re.S,
        ), row.heading
    rolled = plan_display_table(run, use_rollup=True)
    for heading in rolled["項目"]:
        name = heading.split("（")[0]
        members = run.taxonomy.rollup.get(name, ())
        if len(members) > 1:
            assert heading == f"{name}（{'・'.join(members)}）", heading


def test_explore_numbers_match_the_package(small_run):
    result, run = small_run
    text = outputs_text(result.out_dir / "notebooks" / "explore.ipynb")
    documents = textstats.build_documents(run.responses)
    for row in textstats.word_frequencies(documents, top_n=5).itertuples():
        pattern = rf"<td>{re.escape(row.word)}</td>\s*<td>[^<]*</td>\s*<td>{row.term_count}</td>\s*<td>{row.doc_count}</td>"
        assert re.search(pattern, text), row.word
    north = textstats.characteristic_words(documents, by="area", group="北", top_n=1)
    assert north.iloc[0]["word"] == "ゴミ"
    assert "ゴミ" in text and "共起ネットワーク" in (result.out_dir / "explore.html").read_text(
        encoding="utf-8"
    )


def test_explore_uses_the_configured_keyword_and_category(small_run):
    result, _ = small_run
    executed = nbformat.read(result.out_dir / "notebooks" / "explore.ipynb", as_version=4)
    assert executed.metadata["papermill"]["parameters"]["keywords"] == "バス"
    html = (result.out_dir / "explore.html").read_text(encoding="utf-8")
    assert "設定された語: バス" in html and "<h3>「バス」</h3>" in html
    assert "<h3>分類「配食」</h3>" in html
    assert "階段" not in html.split("キーワード・イン・コンテキスト")[-1]


def test_parameters_are_recorded_and_html_has_no_code(small_run):
    result, run = small_run
    executed = nbformat.read(result.out_dir / "notebooks" / "handout_02_中.ipynb", as_version=4)
    assert executed.metadata["papermill"]["parameters"]["area"] == "中"
    html = (result.out_dir / "handout_02_中.html").read_text(encoding="utf-8")
    # Scripts (the inlined chart library) aside, no code is shown.
    shown = re.sub(r"<script.*?</script>", "", html, flags=re.S)
    assert "load_run(" not in shown and "import " not in shown
    assert "令和7年度（2025）" in shown


def test_workbook_reads_back_with_japanese_headers_and_no_formulas(small_run):
    result, _ = small_run
    workbook = load_workbook(result.out_dir / "needs_analysis_2025.xlsx")
    assert {"回答者数", "困りごとと資源", "不足の候補", "計画の表", "前回との変化"} <= set(
        workbook.sheetnames
    )
    headers = [cell.value for cell in workbook["困りごとと資源"][1]]
    assert headers[:4] == ["圏域", "分類", "自由記述のある人", "該当"]
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                assert not (isinstance(cell.value, str) and cell.value[:1] in "=+@")


def test_small_counts_are_suppressed_in_handouts(small_run):
    result, run = small_run
    gaps = year_tables(run).gaps
    small = gaps[(gaps["count"] > 0) & (gaps["count"] < run.min_count)]
    assert not small.empty
    html = (result.out_dir / "index.html").read_text(encoding="utf-8")
    assert f"{run.min_count}未満" in html


def test_hidden_cells_publish_nothing_derived_anywhere(small_run):
    result, run = small_run
    rule = f"{run.min_count}未満"
    for path in result.out_dir.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert f"{rule}人" not in text, path.name
    index = outputs_text(result.out_dir / "notebooks" / "index.ipynb")
    # The 用語の説明 box says what the labels mean.
    assert f"人数が少ないところは「{rule}」とし、そこから計算できる数字は出していません" in index
    sheet = load_workbook(result.out_dir / "needs_analysis_2025.xlsx")["困りごとと資源"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    derived = [
        header.index(name)
        for name in (
            "割合",
            "95%区間の下限",
            "95%区間の上限",
            "調整済み残差",
            "p値",
            "q値（多重比較の調整後）",
        )
    ]
    hidden = [row for row in rows[1:] if row[header.index("該当")] in (rule, "非表示")]
    assert hidden
    for row in hidden:
        assert all(row[i] is None for i in derived), row
    shown = [row for row in rows[1:] if isinstance(row[header.index("該当")], int)]
    assert shown and all(isinstance(row[header.index("割合")], (int, float)) for row in shown)


def test_no_personal_data_in_the_small_run(small_run):
    result, _ = small_run
    assert_clean(result.out_dir, ["佐藤", "090-1234-5678", "1234-5678"])


def assert_clean(directory: Path, markers: list[str]) -> None:
    for path in directory.rglob("*"):
        if path.is_file() and path.suffix != ".js":
            content = read_any(path)
            for marker in markers:
                assert marker not in content, f"{marker} in {path}"


def read_any(path: Path) -> str:
    if path.suffix == ".xlsx":
        workbook = load_workbook(path)
        return "\n".join(
            str(cell.value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows()
            for cell in row
        )
    if path.suffix == ".pkl":
        import pickle

        with path.open("rb") as handle:
            run = pickle.load(handle)
        if isinstance(run, pd.DataFrame):  # a part of the saved run: answers, documents
            return run.to_csv()
        frames = [run.responses, run.previous_responses, run.resources]
        return "\n".join(frame.to_csv() for frame in frames if frame is not None)
    return path.read_bytes().decode("utf-8", errors="replace")


def test_planted_name_and_phone_never_reach_the_sample_reports(sample_run):
    # The sample survey holds these in a raw answer (see data/sample/README.md).
    raw = Path(__file__).resolve().parents[1] / "data" / "sample" / "pool" / "answers.tsv"
    assert "渡部ミツ子" in raw.read_text(encoding="utf-8")
    assert_clean(sample_run.out_dir, ["渡部", "ミツ子", "0294-55-7788", "55-7788"])


def test_failed_notebook_names_the_cell_and_error(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("x = 1"),
        nbformat.v4.new_code_cell("raise ValueError('壊れたセル')"),
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = tmp_path / "broken.ipynb"
    nbformat.write(notebook, path)
    with pytest.raises(NotebookError) as raised:
        execute(NotebookJob(str(path), {}, "broken"), tmp_path / "out")
    assert "ValueError" in str(raised.value) and "壊れたセル" in str(raised.value)


def test_run_exits_1_when_a_notebook_fails(monkeypatch, capsys):
    def failing(*args, **kwargs):
        raise NotebookError(
            "ノートブック 02_brief_area.ipynb のセル 3 でエラーが起きました: KeyError: '北'"
        )

    monkeypatch.setattr("needs_analysis.run.jobs.run_reports", failing)
    assert command.main(["run"]) == 1
    assert "KeyError" in capsys.readouterr().err


# --------------------------------------------------------------------------- print


A4_PORTRAIT, A4_LANDSCAPE = (595, 842), (842, 595)
_PLOTLY_LIBRARY = re.compile(r"\* plotly\.js v\d")


def pdf_pages(path: Path) -> list[tuple[int, int]]:
    import pypdf

    return [
        (round(float(page.mediabox.width)), round(float(page.mediabox.height)))
        for page in pypdf.PdfReader(path).pages
    ]


def test_sample_pdfs_have_the_promised_pages(sample_run):
    from needs_analysis.publish.pdf import find_browser

    if find_browser() is None:
        pytest.skip("no Chromium on PATH")
    out = sample_run.out_dir
    handouts = sorted(out.glob("handout_*.pdf"))
    assert len(handouts) == len(load_config().areas)
    for handout in handouts:
        assert pdf_pages(handout) == [A4_PORTRAIT], handout.name
    overview = pdf_pages(out / "index.pdf")
    assert 1 <= len(overview) <= 4 and set(overview) == {A4_PORTRAIT}
    assert pdf_pages(out / "plan_table.pdf") == [A4_LANDSCAPE]  # one sheet, per category
    assert (out / "explore.pdf").is_file()


def test_sample_handout_charts_are_vector_graphics(sample_run):
    import pypdf

    pdfs = sorted(sample_run.out_dir.glob("handout_*.pdf")) + [sample_run.out_dir / "index.pdf"]
    if not pdfs[-1].exists():
        pytest.skip("no Chromium on PATH")
    for path in pdfs:
        for page in pypdf.PdfReader(path).pages:
            assert list(page.images) == [], path.name


def test_each_page_carries_its_chart_library_once(sample_run):
    out = sample_run.out_dir
    charted = ["index.html", "explore.html", *(p.name for p in out.glob("handout_*.html"))]
    for name in charted:
        html = (out / name).read_text(encoding="utf-8")
        assert len(_PLOTLY_LIBRARY.findall(html)) == 1, name
        assert "Plotly.newPlot" in html, name
        assert not re.search(r"<script[^>]*\ssrc=", html), name
    assert not (out / "plotly.min.js").exists()
    handout = (out / "handout_01_駅前.html").read_text(encoding="utf-8")
    assert "needs-analysis 0.2" not in handout.split('class="na-footer"')[0]
    assert "docs/method.md" not in handout and "需要" not in handout


# --------------------------------------------------------------------------- workbook

_NUMBER_LIKE = re.compile(r"[-+]?[\d,]+(\.\d+)?%?")


def test_workbook_numbers_are_numbers_with_formats(sample_run):
    workbook = load_workbook(sample_run.out_dir / "needs_analysis_2025.xlsx")
    rates = workbook["困りごとと資源"]
    headers = [cell.value for cell in rates[1]]
    formats = {"該当": "#,##0", "自由記述のある人": "#,##0", "割合": "0.0%", "町全体の割合": "0.0%"}
    for name, number_format in formats.items():
        column = headers.index(name) + 1
        values = [row[0] for row in rates.iter_rows(min_row=2, min_col=column, max_col=column)]
        assert values and all(
            (isinstance(c.value, (int, float)) and c.number_format == number_format)
            or c.value is None
            or c.value == "5未満"
            for c in values
        ), name
    assert any(isinstance(c.value, int) for c in workbook["回答者数"]["B"][1:])
    assert "判定の理由" not in headers and "説明" in workbook.sheetnames


def test_workbook_has_no_number_written_as_text(sample_run, small_run):
    for path in (sample_run.out_dir, small_run[0].out_dir):
        workbook = load_workbook(path / "needs_analysis_2025.xlsx")
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    if isinstance(cell.value, str):
                        text = cell.value.strip()
                        assert not _NUMBER_LIKE.fullmatch(text), (sheet.title, cell.coordinate)


def test_workbook_suppresses_small_counts_as_text_only(small_run):
    result, run = small_run
    workbook = load_workbook(result.out_dir / "needs_analysis_2025.xlsx")
    sheet = workbook["困りごとと資源"]
    headers = [cell.value for cell in sheet[1]]
    count, rate = headers.index("該当"), headers.index("割合")
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    small = [row for row in rows if row[count] == f"{run.min_count}未満"]
    assert small and all(row[rate] is None for row in small)


def test_workbook_sheets_print_on_a4_fitted_to_width(small_run):
    workbook = load_workbook(small_run[0].out_dir / "needs_analysis_2025.xlsx")
    for sheet in workbook.worksheets:
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
        assert sheet.print_title_rows == "$1:$1"
        assert "令和7年度" in sheet.oddHeader.center.text
    assert workbook.properties.modified == workbook.properties.created


# --------------------------------------------------------------------------- browser


def chromium_driver():
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not chromedriver:
        pytest.skip(
            "Debian's chromium and chromium-driver are not installed (.ci/run installs them)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1200,1600",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(chromedriver), options=options)


@pytest.mark.parametrize("page", ["index.html", "handout_02_桜台団地.html", "explore.html"])
def test_pages_open_in_chromium_with_charts_drawn(sample_run, page, tmp_path):
    # Copied alone into an empty folder: a page needs nothing beside it.
    alone = tmp_path / "alone" / page
    alone.parent.mkdir()
    shutil.copyfile(sample_run.out_dir / page, alone)
    driver = chromium_driver()
    try:
        driver.get(alone.as_uri())
        charts = driver.execute_script("return document.querySelectorAll('.js-plotly-plot').length")
        drawn = driver.execute_script(
            "return Array.from(document.querySelectorAll('.js-plotly-plot'))"
            ".filter(p => p._fullLayout && p.data.length && p.querySelector('.main-svg')).length"
        )
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        shot = tmp_path / f"{page}.png"
        driver.save_screenshot(str(shot))
    finally:
        driver.quit()
    assert charts >= 1 and drawn == charts
    assert errors == [], json.dumps(errors, ensure_ascii=False)
    assert shot.stat().st_size > 10_000


def test_handout_chart_and_its_table_do_not_overlap(sample_run):
    # The table beside the chart carries n and the interval; on paper nothing may cover it.
    driver = chromium_driver()
    try:
        driver.get((sample_run.out_dir / "handout_03_西原.html").as_uri())
        boxes = driver.execute_script(
            "return Array.from(document.querySelectorAll('.na-row')).map(row =>"
            " Array.from(row.children).map(c => {"
            "  const plot = c.querySelector('.js-plotly-plot') || c;"
            "  const box = plot.getBoundingClientRect();"
            "  const table = c.querySelector('table');"
            "  const inner = table ? table.getBoundingClientRect() : box;"
            "  return [Math.min(box.left, inner.left), Math.max(box.right, inner.right)]; }))"
        )
    finally:
        driver.quit()
    assert boxes, "the handout has no chart beside a table"
    for row in boxes:
        for (_, right), (left, _) in zip(row, row[1:], strict=False):
            assert right <= left + 1, boxes


def test_pages_are_marked_japanese(sample_run):
    # Browsers and screen readers choose Japanese glyphs and reading only for lang="ja".
    for page in sorted(sample_run.out_dir.glob("*.html")):
        head = page.read_text(encoding="utf-8")[:500]
        assert '<html lang="ja">' in head, page.name


def _overlaps(boxes: list[list]) -> list[tuple[str, str]]:
    """Pairs of label boxes [text, left, top, right, bottom] that overlap by over 0.5 px."""
    found = []
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            wide = min(first[3], second[3]) - max(first[1], second[1])
            high = min(first[4], second[4]) - max(first[2], second[2])
            if wide > 0.5 and high > 0.5:
                found.append((first[0], second[0]))
    return found


def test_network_labels_do_not_overlap_on_the_page(sample_run):
    # The co-occurrence network's words, as the browser draws them at the A4 width.
    driver = chromium_driver()
    try:
        driver.set_window_size(794, 1123)
        driver.get((sample_run.out_dir / "explore.html").as_uri())
        plots = driver.execute_script(
            "return Array.from(document.querySelectorAll('.js-plotly-plot')).map(plot =>"
            " Array.from(plot.querySelectorAll('g.textpoint text')).map(t => {"
            "  const b = t.getBoundingClientRect();"
            "  return [t.textContent, b.left, b.top, b.right, b.bottom]; }))"
            ".filter(labels => labels.length > 0)"
        )
    finally:
        driver.quit()
    assert plots and sum(len(labels) for labels in plots) >= 20
    for labels in plots:
        assert all(right - left > 1 for _, left, _, right, _ in labels)  # drawn, measurable
        assert _overlaps(labels) == []
    # The check can fail: two labels at the same place overlap.
    same = plots[0][0]
    assert _overlaps([same, [f"{same[0]}2", *same[1:]]]) == [(same[0], f"{same[0]}2")]


@pytest.mark.parametrize("page", ["handout_01_駅前.html", "index.html", "plan_table.html"])
def test_table_cells_never_break_a_word(sample_run, page):
    # A short cell with Japanese in it (a category, an area, a count in 人) is held
    # together between its punctuation: each part is one no-break span, and no span runs
    # over two lines. (A run of digits never breaks.)
    driver = chromium_driver()
    try:
        driver.set_window_size(1123 if page == "plan_table.html" else 794, 1123)
        driver.get((sample_run.out_dir / page).as_uri())
        cells = driver.execute_script(
            "return Array.from(document.querySelectorAll('td, th'))"
            ".filter(c => c.getClientRects().length && c.textContent.length <= 16"
            " && !c.closest('.na-terms') && /[\\u3040-\\u30ff\\u4e00-\\u9fff]/.test(c.textContent))"
            ".map(c => [c.textContent,"
            "  Array.from(c.querySelectorAll('.na-nb')).map(s => s.textContent).join(''),"
            "  Array.from(c.querySelectorAll('.na-nb')).filter(s => s.getClientRects().length > 1)"
            "   .map(s => s.textContent)])"
        )
    finally:
        driver.quit()
    assert len(cells) >= 10
    for text, held, broken in cells:
        assert held == text and broken == [], (text, held, broken)
