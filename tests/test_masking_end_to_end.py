"""A tiny town's survey with personal data of every class planted in its answers (and in
a rejected row), run through the real ``needs-analysis run``: no planted identifier may
appear in any file the run writes, read as a person would (HTML entities, JSON escapes
and widths undone), while the area name 川向 is kept where it names the area."""

from __future__ import annotations

import html
import json
import pickle
import re
import unicodedata
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from needs_analysis.publish.pdf import find_browser

pytestmark = pytest.mark.slow

CONFIG = """
[municipality]
name = "川向村"
fiscal_year = 2025

[surveys.2025]
path = "survey.csv"

[resources]
path = "resources.csv"

[resource_categories]
"サロン" = ["居場所"]

[report]
pdf = {pdf}

[[areas]]
name = "川向"
aliases = ["川向地区"]
districts = ["01", "上川向"]
population_65 = 500

[[areas]]
name = "北山"
population_65 = 700
"""

# Each answer plants one class; the markers are what must not be found afterwards.
PLANTED = {
    "髙橋さんにゴミ出しを手伝ってもらっている": ["髙橋", "高橋"],
    "星さんが毎朝見に来てくれる": ["星さん"],
    "孫のはるとくんが買い物に行ってくれる": ["はると"],
    "困ったら〇九〇・一二三四・五六七八に電話してほしい": ["5678", "1234"],
    "連絡先は+81 (0)294-55-7788です。バスが少ない": ["7788", "294-55"],
    "〒319-0123の家まで配食を届けてほしい": ["319-0123", "3190123"],
    "taro.yamada@example.jpに連絡がほしい": ["example.jp", "taro.yamada"],
    "家は字川向3456-7で坂の上にある": ["3456-7", "3456"],
    "十二番地の三に一人で住んでいる": ["十二番地", "12番地"],
    "コーポ北山305号室で階段がつらい": ["305号室"],
    "マイナンバーは123456789018、手続きが分からない": ["123456789018", "9018"],
    "昭和12年3月4日生まれで一人暮らし": ["昭和12年3月4日", "12年3月4日"],
    "S12.3.4生まれの夫の通院が大変": ["S12.3.4", "12.3.4"],
    "LINEのIDは hanako_55 なので連絡して": ["hanako_55", "hanako"],
    "車は品川 500 さ 12-34 だが運転が不安": ["12-34", "500さ", "500 さ"],
}
KEPT = "川向から町の病院まで遠くて通院が大変"
ORDINARY = [
    "バスが1日2便しかない",
    "ゴミ出しが大変",
    "買い物に行く店が遠い",
    "サロンに行きたいが足がない",
    "配食サービスがあると助かる",
    "雪かきを手伝ってほしい",
]
REJECTED = "星さん(090-9876-5432)と髙橋さんに相談"


def write_town(directory: Path, pdf: bool) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.toml").write_text(CONFIG.format(pdf=str(pdf).lower()), encoding="utf-8")
    answers = [*PLANTED, KEPT, *ORDINARY]
    rows = ["回答者ID,圏域,自由記述"]
    for number, (area, answer) in enumerate(
        ((area, answer) for area in ("川向", "北山") for answer in answers * 2), start=1
    ):
        rows.append(f'{number},{area},"{answer}"')
    rows.append(f'999,東山,"{REJECTED}"')  # no such area: rejected, with its text masked
    (directory / "survey.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (directory / "resources.csv").write_text(
        "資源名,種別,圏域\n川向ふれあいサロン,サロン,川向\n北山サロン,サロン,北山\n",
        encoding="utf-8",
    )
    return directory / "config.toml"


@pytest.fixture(scope="module")
def town_run(tmp_path_factory):
    from needs_analysis.cli.command import main

    config = write_town(tmp_path_factory.mktemp("town"), pdf=find_browser() is not None)
    out = tmp_path_factory.mktemp("reports")
    assert main(["run", "--config", str(config), "--out", str(out)]) == 0
    return out


_SURROGATES = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_PLOTLY = re.compile(r"<script[^>]*>\s*/\*\*\s*\*\s*plotly\.js v.*?</script>", re.DOTALL)


def readable(text: str) -> str:
    """Text as a reader sees it: JSON escapes and HTML entities undone, NFKC, kanji digits."""
    text = _SURROGATES.sub(
        lambda m: bytes.fromhex(m[1] + m[2]).decode("utf-16-be", errors="replace"), text
    )
    text = _ESCAPE.sub(lambda m: chr(int(m[1], 16)), text)
    text = unicodedata.normalize("NFKC", html.unescape(html.unescape(text)))
    return text + "\n" + text.translate(str.maketrans("〇一二三四五六七八九", "0123456789"))


def strings_in(value, seen=None):
    """Every string held by an unpickled object: frames, containers and object fields."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, str):
        yield value
    elif isinstance(value, (pd.DataFrame, pd.Series)):
        yield value.to_csv()
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings_in(key, seen)
            yield from strings_in(item, seen)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from strings_in(item, seen)
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        yield from strings_in(vars(value), seen)


def file_text(path: Path) -> str:
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as book:
            return "\n".join(book.read(name).decode("utf-8") for name in book.namelist())
    if path.suffix == ".pkl":
        with path.open("rb") as handle:
            return "\n".join(strings_in(pickle.load(handle)))
    if path.suffix == ".pdf":
        import pypdf

        return "\n".join(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)
    if path.suffix == ".html":  # the charting library, inlined, is no output of the run
        return _PLOTLY.sub("", path.read_text(encoding="utf-8"))
    if path.suffix == ".ipynb":
        raw = path.read_text(encoding="utf-8")
        return raw + json.dumps(json.loads(raw), ensure_ascii=False)
    return path.read_bytes().decode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def outputs(town_run) -> dict[Path, str]:
    files = [p for p in town_run.rglob("*") if p.is_file() and p.suffix != ".js"]
    return {path: readable(file_text(path)) for path in files}


def test_the_run_wrote_every_kind_of_file(outputs):
    kinds = {path.suffix for path in outputs}
    assert {".html", ".ipynb", ".xlsx", ".csv", ".pkl"} <= kinds
    if find_browser() is not None:
        assert ".pdf" in kinds
    assert any(path.name.endswith("_rejects.csv") for path in outputs)


def found(marker: str, text: str) -> bool:
    """Whether the marker is in the text; digits at its ends must not continue a longer
    number (a chart's coordinates hold every run of four digits somewhere)."""
    before = r"(?<![0-9.])" if marker[0].isdigit() else ""
    after = r"(?![0-9])" if marker[-1].isdigit() else ""
    return re.search(before + re.escape(marker) + after, text) is not None


@pytest.mark.parametrize("marker", sorted({m for ms in PLANTED.values() for m in ms}))
def test_no_planted_identifier_in_any_output(outputs, marker):
    for path, text in outputs.items():
        assert not found(marker, text), f"{marker} in {path.name}"


def test_the_rejected_row_is_masked(outputs):
    rejects = [text for path, text in outputs.items() if path.name.endswith("_rejects.csv")]
    assert rejects and all("9876" not in text and "星さん" not in text for text in rejects)


def test_the_area_name_is_kept_where_it_names_the_area(outputs):
    run = next(text for path, text in outputs.items() if path.suffix == ".pkl")
    assert KEPT in run
    assert all("〇〇から町の病院" not in text for text in outputs.values())
