"""Every number a run publishes, searched as a reader would: the overview, the handouts, the
plan table, the exploration page (its word tables, keyword views, cross-tabulation and
network) and the workbook of a town built with small groups (tests/disclosure_town.py).

Two checks:

* no page prints a count of 1 to threshold − 1 in any form (a table cell, a sentence, a
  chart's hover data): every such count reads 「5未満」 or is not there;
* from all the published figures together — equations (the 圏域 add up to the town, the
  levels of an attribute add up to all answers, the groups of a word add up to its count)
  and bounds (a count is at most its group's n; a roll-up is at least each of its
  categories and at most their sum) — every hidden count keeps at least two possible values
  (integer programming finds the least and the greatest), and every 「5未満」 keeps the
  whole range 1 … threshold − 1.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import bs4
import numpy as np
import pytest
from disclosure_town import AREAS, REPORT_CATEGORY, THRESHOLD, fixed_classifier, write_town
from openpyxl import load_workbook
from scipy.optimize import Bounds, LinearConstraint, milp

from needs_analysis.config.load import load_config
from needs_analysis.privacy.disclosure import COMPLEMENT_LABEL
from needs_analysis.report.rundata import load_run
from needs_analysis.run.jobs import run_reports

pytestmark = pytest.mark.slow

SMALL = f"{THRESHOLD}未満"
BIG = 10_000  # no count of this town comes near it


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    monkeypatch = pytest.MonkeyPatch()
    try:
        config = load_config(write_town(tmp_path_factory.mktemp("town") / "秘匿テスト町"))
        fixed_classifier(monkeypatch, config)
        result = run_reports(config, out=tmp_path_factory.mktemp("reports"), pdf=False)
    finally:
        monkeypatch.undo()
    return result.out_dir, load_run(result.out_dir / "data")


def pages(folder: Path) -> dict[str, bs4.BeautifulSoup]:
    return {
        path.name: bs4.BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for path in sorted(folder.glob("*.html"))
    }


def tables(soup: bs4.BeautifulSoup) -> list[list[list[str]]]:
    return [
        [[cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])] for row in t("tr")]
        for t in soup("table")
    ]


def plot_data(soup: bs4.BeautifulSoup) -> list[dict]:
    """The traces of every chart on a page, as plotly draws them."""
    traces = []
    decoder = json.JSONDecoder()
    for script in soup("script"):
        text = script.string or ""
        for match in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', text):
            data, _ = decoder.raw_decode(text, match.end())
            traces.extend(data)
    return traces


# --------------------------------------------------------------------------- 1. no small count


COUNT_UNITS = re.compile(r"(?<![\d.,])(\d[\d,]*)\s*(?:人|件|か所(?=。)|本)")
RATED = re.compile(
    rf"(?:{THRESHOLD}未満|{COMPLEMENT_LABEL})\s*/\s*(\d[\d,]*)\s*（(\d+(?:\.\d+)?)%）"
)
PAIRS = re.compile(r"(?<![\d.,%])(\d[\d,]*)\s*/\s*(\d[\d,]*)(?![\d.,%])")


# Sentences of the pages' fixed wording that name a number of people in general.
PROSE = ("1人の回答が複数の項目に当てはまる",)


def small_numbers(text: str) -> list[str]:
    """Numbers that stand for people (「3人」「3件」「3 / 40」) and are 1 … threshold − 1."""
    for sentence in PROSE:
        text = text.replace(sentence, "")
    found = [m.group(1) for m in COUNT_UNITS.finditer(text)]
    found += [n for m in PAIRS.finditer(text) for n in m.groups()]
    # A hidden count beside its n and rate (「5未満 / 55（3.6%）」) is the rate times n.
    for m in RATED.finditer(text):
        found.append(str(round(float(m.group(2)) / 100 * int(m.group(1).replace(",", "")))))
    return [n for n in found if 0 < int(n.replace(",", "")) < THRESHOLD]


def test_no_page_prints_a_small_count(published):
    folder, _ = published
    for name, soup in pages(folder).items():
        for script in soup(["script", "style"]):
            script.extract()
        text = soup.get_text(" ")
        assert not small_numbers(text), (name, small_numbers(text)[:5])


def test_no_chart_carries_a_small_count_in_its_hover_data(published):
    folder, _ = published
    for name, soup in pages(folder).items():
        for trace in plot_data(soup):
            template = trace.get("hovertemplate") or ""
            if "件" not in template and "人" not in template and "hovertext" not in trace:
                continue
            hover = " ".join(str(t) for t in trace.get("hovertext") or [])
            assert not small_numbers(hover), (name, hover[:200])
            # The hover fields that count answers or people: 「%{customdata[0]}件」 …
            people = [int(i) for i in re.findall(r"%\{customdata\[(\d+)\]\}\s*(?:件|人)", template)]
            for row in trace.get("customdata") or []:
                row = row if isinstance(row, list) else [row]
                for value in (row[i] for i in people if i < len(row)):
                    assert not 0 < float(value) < THRESHOLD, (name, template, row)
            if re.search(r"%\{x\}\s*件", template):
                assert all(not 0 < float(v) < THRESHOLD for v in trace.get("x") or []), name


# The workbook's columns that count people (answers, respondents, rows of the survey).
PEOPLE_COLUMNS = (
    "該当",
    "自由記述のある人",
    "件数",
    "回答者数",
    "自由記述あり",
    "読み込んだ行",
    "受け付けた行",
)


def test_the_saved_notebooks_print_no_small_count(published):
    """The notebooks beside the pages carry the same outputs; no small count in any."""
    folder, _ = published
    notebooks = sorted((folder / "notebooks").glob("*.ipynb"))
    assert len(notebooks) == len(list(folder.glob("*.html")))
    for path in notebooks:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                for kind in ("text/html", "text/markdown", "text/plain"):
                    text = "".join(data.get(kind, ""))
                    soup = bs4.BeautifulSoup(text, "html.parser")
                    for script in soup(["script", "style"]):
                        script.extract()
                    found = small_numbers(soup.get_text(" "))
                    assert not found, (path.name, kind, found[:5])
                text = "".join(output.get("text", ""))
                assert not small_numbers(text), (path.name, text[:200])


def test_the_workbook_prints_no_small_count(published):
    folder, _ = published
    book = load_workbook(next(folder.glob("*.xlsx")))
    checked = 0
    for sheet in book.sheetnames:
        rows = list(book[sheet].iter_rows(values_only=True))
        header = rows[0]
        for column in PEOPLE_COLUMNS:
            if column in header:
                for row in rows[1:]:
                    if sheet == "読み込みの記録" and row[1] == "資源一覧":
                        continue  # the resource list's rows are not people
                    value = row[header.index(column)]
                    assert not (isinstance(value, int) and 0 < value < THRESHOLD), (sheet, row)
                    checked += 1
    assert checked >= 50


# --------------------------------------------------------------------------- 2. nothing found


class Reader:
    """What a reader can conclude: integer unknowns (a cell's value), each with the range
    its printed form allows, and the equations and bounds that tie them together."""

    def __init__(self):
        self.labels: dict[tuple, set[str]] = {}
        self.index: dict[tuple, int] = {}
        self.low: list[int] = []
        self.high: list[int] = []
        self.complement: list[bool] = []
        self.rows: list[tuple[dict[int, int], float, float]] = []

    def var(self, key: tuple) -> int:
        if key not in self.index:
            self.index[key] = len(self.low)
            self.low.append(0)
            self.high.append(BIG)
            self.complement.append(False)
        return self.index[key]

    def printed(self, key: tuple, label: str) -> None:
        """A cell as printed: a number, 「5未満」, 「非表示」; anything else says nothing."""
        i = self.var(key)
        label = label.replace(",", "").replace("人", "").strip()
        if label == SMALL:
            self.low[i], self.high[i] = max(self.low[i], 1), min(self.high[i], THRESHOLD - 1)
        elif label == COMPLEMENT_LABEL:
            self.complement[i] = True
        elif label.isdigit():
            self.low[i] = self.high[i] = int(label)
        else:
            return
        self.labels.setdefault(key, set()).add(label if not label.isdigit() else "number")

    def equal(self, total: tuple, parts: list[tuple]) -> None:
        row = {self.var(p): 1 for p in parts}
        row[self.var(total)] = row.get(self.var(total), 0) - 1
        self.rows.append((row, 0, 0))

    def at_most(self, small: tuple, large: tuple) -> None:
        self.rows.append(({self.var(small): 1, self.var(large): -1}, -np.inf, 0))

    def range_of(self, key: tuple) -> tuple[int, int]:
        """The least and the greatest value the cell can take, by integer programming."""
        size = len(self.low)
        extra = [i for i in range(size) if self.complement[i]]  # one switch per 「非表示」
        total = size + len(extra)
        rows, lows, highs = [], [], []
        for coefficients, low, high in self.rows:
            row = np.zeros(total)
            for i, value in coefficients.items():
                row[i] = value
            rows.append(row)
            lows.append(low)
            highs.append(high)
        for k, i in enumerate(extra):  # 0, or at least the threshold
            upper = np.zeros(total)
            upper[i], upper[size + k] = 1, -BIG
            lower = np.zeros(total)
            lower[i], lower[size + k] = 1, -THRESHOLD
            rows += [upper, lower]
            lows += [-np.inf, 0]
            highs += [0, np.inf]
        bounds = Bounds(self.low + [0] * len(extra), self.high + [1] * len(extra))
        constraint = LinearConstraint(np.array(rows), lows, highs)
        found = []
        for sign in (1, -1):
            objective = np.zeros(total)
            objective[self.index[key]] = sign
            result = milp(objective, constraints=constraint, bounds=bounds, integrality=1)
            assert result.success, result.message
            found.append(round(sign * result.fun))
        return found[0], found[1]


def read_everything(folder: Path, run) -> Reader:
    reader = Reader()
    soups = pages(folder)
    read_overview(reader, soups["index.html"], run)
    for name, soup in soups.items():
        if name.startswith("handout_"):
            read_handout(reader, soup, run)
    read_plan(reader, soups["plan_table.html"], run)
    read_explore(reader, soups["explore.html"], run)
    read_workbook(reader, next(folder.glob("*.xlsx")), run)
    relations(reader, run)
    return reader


def read_overview(reader: Reader, soup, run) -> None:
    respondents = next(t for t in tables(soup) if t[0][:3] == ["圏域", "回答者数", "自由記述あり"])
    for area, many, written, _ in respondents[1:]:
        name = "町全体" if area == "町全体" else area
        reader.printed(("r", name), many)
        reader.printed(("n", name), written)
    rates = next(t for t in tables(soup) if t[0][:2] == ["圏域", "自由記述"])
    for row in rates[1:]:
        reader.printed(("n", row[0]), row[1])
        for label, cell in zip(rates[0][2:], row[2:], strict=True):
            rate = re.match(r"(\d+\.\d)%", cell)
            if rate and row[1].replace("人", "").replace(",", "").isdigit():
                n = int(row[1].replace("人", "").replace(",", ""))
                reader.printed(("c", row[0], label), str(round(float(rate.group(1)) / 100 * n)))
            else:
                reader.printed(("c", row[0], label), cell)
    gap = next(t for t in tables(soup) if "該当/自由記述" in t[0])
    for row in gap[1:]:
        cells = dict(zip(gap[0], row, strict=True))
        count, n = cells["該当/自由記述"].split(" / ")
        reader.printed(("c", cells["圏域"], cells["分類"]), count)
        reader.printed(("n", cells["圏域"]), n)


def read_handout(reader: Reader, soup, run) -> None:
    area = next(a for a in run.areas if f" {a} " in soup.title.get_text())
    table = next(t for t in tables(soup) if t[0][:3] == ["分類", "該当", "自由記述"])
    for row in table[1:]:
        reader.printed(("c", area, row[0]), row[1])
        reader.printed(("n", area), row[2])
        rate = re.fullmatch(r"(\d+\.\d)%", row[5])
        if rate:  # the town's rate of the category: its count, from the town's n
            town_n = int(run.responses["has_text"].sum())
            reader.printed(("C", row[0]), str(round(float(rate.group(1)) / 100 * town_n)))
    sentence = re.search(r"回答者\s+(\S+)\s+、うち自由記述あり\s+(\S+)\s+。", soup.get_text(" "))
    reader.printed(("r", area), sentence.group(1))
    reader.printed(("n", area), sentence.group(2))


def read_plan(reader: Reader, soup, run) -> None:
    table = tables(soup)[0]
    for heading, _, count in table[1:]:
        members = run.taxonomy.rollup.get(heading, (heading,))
        reader.printed(("C", members[0]) if len(members) == 1 else ("U", heading), count)


def read_explore(reader: Reader, soup, run) -> None:
    found = tables(soup)
    for table in found:
        head = table[0]
        if head[:2] == ["順位", "語"]:
            for row in table[1:]:
                reader.printed(("T", row[1]), row[4])
        elif head[1:3] == ["語", "対象での出現"]:
            by = {"圏域": "area", "世帯構成": "household"}[head[0]]
            for row in table[1:]:
                inside, outside = (_count_and_n(cell) for cell in row[2:4])
                group = ("n", row[0]) if by == "area" else ("ln", by, row[0])
                reader.printed(("x", by, row[0], row[1]), inside[0])
                reader.printed(group, inside[1])
                reader.printed(("xo", by, row[0], row[1]), outside[0])
                reader.equal(("T", row[1]), [("x", by, row[0], row[1]), ("xo", by, row[0], row[1])])
        elif head[:3] == ["集計の軸", "区分", "自由記述の回答者数"]:
            dimensions = {"年齢区分": "age_group", "性別": "sex", "世帯構成": "household"}
            for row in table[1:]:
                dimension = dimensions[row[0]]
                reader.printed(("ln", dimension, row[1]), row[2])
                for label, cell in zip(head[3:], row[3:], strict=True):
                    reader.printed(("lc", dimension, row[1], label), cell.split("人")[0])
    text = soup.get_text(" ")
    for count in re.findall(r"この分類の回答 (\S+?)件", text):
        reader.printed(("C", REPORT_CATEGORY), count)
    for trace in plot_data(soup):
        template = trace.get("hovertemplate") or ""
        if "出現回答数" in template:
            for word, row in zip(trace["text"], trace["customdata"], strict=True):
                reader.printed(("T", word), str(int(row[0])))


def _count_and_n(cell: str) -> tuple[str, str]:
    """「count / n（rate%）」: the count as printed, or as the rate and n tell it where the
    count itself is not a number."""
    count, n, rate = re.match(r"(\S+) / (\S+?)（(\d+\.\d)%）", cell).groups()
    digits = n.replace(",", "")
    if not count.replace(",", "").isdigit() and digits.isdigit():
        count = str(round(float(rate) / 100 * int(digits)))
    return count, n


def read_workbook(reader: Reader, path: Path, run) -> None:
    book = load_workbook(path)
    rows = list(book["困りごとと資源"].iter_rows(values_only=True))
    header = rows[0]
    town_n = int(run.responses["has_text"].sum())
    for row in rows[1:]:
        cells = dict(zip(header, row, strict=False))
        reader.printed(("c", cells["圏域"], cells["分類"]), str(cells["該当"]))
        reader.printed(("n", cells["圏域"]), str(cells["自由記述のある人"]))
        if isinstance(cells.get("町全体の割合"), float):
            reader.printed(("C", cells["分類"]), str(round(cells["町全体の割合"] * town_n)))
    people = list(book["回答者数"].iter_rows(values_only=True))
    for area, many, written, _ in people[1:]:
        reader.printed(("r", area), str(many))
        reader.printed(("n", area), str(written))
    plan = list(book["計画の表"].iter_rows(values_only=True))
    for heading, _, count in plan[1:]:
        members = run.taxonomy.rollup.get(heading, (heading,))
        reader.printed(("C", members[0]) if len(members) == 1 else ("U", heading), str(count))


def relations(reader: Reader, run) -> None:
    """What holds between the cells whatever their values (the reader knows it too)."""
    areas, labels = list(run.areas), list(run.taxonomy.labels)
    reader.equal(("r", "町全体"), [("r", a) for a in areas])
    reader.equal(("n", "町全体"), [("n", a) for a in areas])
    for area in areas:
        reader.at_most(("n", area), ("r", area))
    for label in labels:
        reader.equal(("C", label), [("c", a, label) for a in areas])
        for area in areas:
            reader.at_most(("c", area, label), ("n", area))
    for heading, members in run.taxonomy.rollup.items():
        if len(members) > 1:
            for member in members:
                reader.at_most(("C", member), ("U", heading))
            reader.rows.append(
                (
                    {reader.var(("U", heading)): 1, **{reader.var(("C", m)): -1 for m in members}},
                    -np.inf,
                    0,
                )
            )
    documents = run.documents[run.documents["has_text"]]
    levels = {
        dimension: set(documents[dimension].map(_level))
        for dimension in ("household", "age_group", "sex")
    }
    for dimension, every in levels.items():
        reader.equal(("n", "町全体"), [("ln", dimension, level) for level in every])
        for label in labels:
            reader.equal(("C", label), [("lc", dimension, level, label) for level in every])
            for level in every:
                reader.at_most(("lc", dimension, level, label), ("ln", dimension, level))
    words = {key[3] for key in reader.index if key[0] == "x"}
    for word in words:
        for by, groups in (("area", areas), ("household", sorted(levels["household"]))):
            parts = [("x", by, group, word) for group in groups]
            reader.equal(("T", word), parts)
            for group in groups:
                n = ("n", group) if by == "area" else ("ln", by, group)
                reader.at_most(("x", by, group, word), n)


def _level(value: object) -> str:
    return (
        "無回答"
        if value is None or value != value or not str(value).strip()
        else str(value).strip()
    )


def truth(run) -> dict[tuple, int]:
    """Every cell's true value, from the saved run."""
    documents = run.documents[run.documents["has_text"]]
    responses = run.responses
    values: dict[tuple, int] = {}
    for area in run.areas:
        in_area = documents["area"] == area
        values[("n", area)] = int(in_area.sum())
        values[("r", area)] = int((responses["area"] == area).sum())
        for label in run.taxonomy.labels:
            has = documents["categories"].map(lambda found, label=label: label in found)
            values[("c", area, label)] = int((has & in_area).sum())
    for label in run.taxonomy.labels:
        values[("C", label)] = int(documents["categories"].map(lambda f, k=label: k in f).sum())
    for heading, members in run.taxonomy.rollup.items():
        carries = documents["categories"].map(lambda f, m=members: bool(set(f) & set(m)))
        values[("U", heading)] = int(carries.sum())
    for dimension in ("household", "age_group", "sex"):
        levels = documents[dimension].map(_level)
        for level in set(levels):
            values[("ln", dimension, level)] = int((levels == level).sum())
            for label in run.taxonomy.labels:
                has = documents["categories"].map(lambda found, label=label: label in found)
                values[("lc", dimension, level, label)] = int((has & (levels == level)).sum())
    households = documents["household"].map(_level)
    for word in {w for lemmas in documents["lemmas"] for w in lemmas}:
        holds = documents["lemmas"].map(lambda lemmas, word=word: word in lemmas)
        for area in run.areas:
            values[("x", "area", area, word)] = int((holds & (documents["area"] == area)).sum())
        for level in set(households):
            values[("x", "household", level, word)] = int((holds & (households == level)).sum())
    return values


def total_of(key: tuple) -> tuple:
    """The published total a cell is part of (two 「5未満」 of a small total cannot both be 4:
    where the total is itself hidden, the labels narrow each other, and two values it is)."""
    kind = key[0]
    if kind in ("c", "lc"):
        return ("C", key[-1])
    if kind in ("n", "ln"):
        return ("n", "町全体")
    if kind == "r":
        return ("r", "町全体")
    return ("T", key[-1])


def test_every_hidden_count_keeps_two_values_and_every_5未満_its_whole_range(published):
    folder, run = published
    reader = read_everything(folder, run)
    true = truth(run)
    checked = pinned = 0
    for key, index in reader.index.items():
        if key not in true or reader.low[index] == reader.high[index]:
            continue  # a published number, or not a count of people
        value = true[key]
        low, high = reader.range_of(key)
        assert low <= value <= high, (key, value, low, high)  # the reader's model is right
        if not 0 < value < THRESHOLD:
            continue
        checked += 1
        assert high > low, f"{key} = {value} is found from the published figures"
        total = reader.index.get(total_of(key))
        if SMALL in reader.labels.get(key, set()) and total is not None:
            if reader.low[total] == reader.high[total]:  # a published total: the whole range
                assert (low, high) == (1, THRESHOLD - 1), f"{key}: 5未満 narrowed to {low}…{high}"
                pinned += 1
    # The town has hidden cells of every kind: 圏域 n, cells, levels, words, the roll-up.
    kinds = {
        key[0] for key, index in reader.index.items() if key in true and 0 < true[key] < THRESHOLD
    }
    assert {"n", "c", "ln", "lc", "x"} <= kinds and checked >= 25 and pinned >= 10


def test_the_roll_up_that_would_pin_a_member_is_hidden(published):
    folder, run = published
    plan = tables(pages(folder)["plan_table.html"])[0]
    counts = {row[0]: row[2] for row in plan[1:]}
    assert counts["移動支援等"] == COMPLEMENT_LABEL  # 配食 (4) = union − the others
    assert counts["ゴミ出し"].isdigit()


def test_groups_hidden_elsewhere_are_not_listed_on_the_exploration_page(published):
    folder, run = published
    explore = tables(pages(folder)["explore.html"])
    by_area = next(t for t in explore if t[0][:2] == ["圏域", "語"])
    listed = {row[0] for row in by_area[1:]}
    overview = next(t for t in tables(pages(folder)["index.html"]) if t[0][0] == "圏域")
    shown = {row[0] for row in overview[1:] if row[2].replace(",", "").isdigit()}
    assert listed and listed <= shown and len(shown) < len(AREAS)
    by_household = next(t for t in explore if t[0][:2] == ["世帯構成", "語"])
    crosstab = next(t for t in explore if t[0][:2] == ["集計の軸", "区分"])
    levels = {row[1] for row in crosstab[1:] if row[0] == "世帯構成" and row[2].isdigit()}
    assert {row[0] for row in by_household[1:]} <= levels
    assert "その他" not in levels and "無回答" not in levels
