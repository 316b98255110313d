"""The town's own names: the tokenizer holds them as one place noun, they come from the
config, and every masking path (check, pool, review) keeps them where they are places."""

from __future__ import annotations

import csv
import pickle
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from needs_analysis.config.load import load_config
from needs_analysis.ingest.places import town_place_names
from needs_analysis.paths import sample_config_path
from needs_analysis.privacy.masking import mask_personal_data, mask_table
from needs_analysis.text.mecab import Tokenizer

TOWN = """
[municipality]
name = "川向村"
fiscal_year = 2025

[surveys.2025]
path = "survey.csv"

[[areas]]
name = "川向"
aliases = ["川向地区"]
districts = ["01", "上川向"]
population_65 = 500

[[areas]]
name = "北山"
population_65 = 700
"""
KEPT = "川向から町の病院まで遠い"
NAMED = "川向さんと星さん(090-1234-5678)に頼む"
NAMED_MASKED = "〇〇さんと〇〇さん(【電話番号】)に頼む"


@pytest.fixture
def village(tmp_path):
    (tmp_path / "config.toml").write_text(TOWN, encoding="utf-8")
    rows = ["回答者ID,圏域,自由記述"]
    rows += [f"{i},川向,{text}" for i, text in enumerate([KEPT, "バスが少ない"] * 12, 1)]
    rows += [f"{i},北山,{text}" for i, text in enumerate(["ゴミ出しが大変"] * 12, 100)]
    rows += [f'900,東山,"{KEPT}。{NAMED}"']  # an unknown area: a rejected row
    (tmp_path / "survey.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path / "config.toml"


def test_names_come_from_the_config_without_codes_or_single_characters():
    names = town_place_names(load_config(sample_config_path()))
    for name in ("和泉ヶ原町", "和泉ヶ原", "桜台団地", "桜台", "上西原", "本町ふれあいサロン"):
        assert name in names
    assert "01" not in names and all(len(name) >= 2 for name in names)
    assert list(names) == sorted(names, key=lambda name: (-len(name), name))


def test_the_tokenizer_holds_each_name_as_one_place_noun():
    tokenizer = Tokenizer(places=("川向", "桜台団地"))
    tokens = tokenizer.tokenize("川向から桜台団地まで")
    assert [(t.surface, t.pos) for t in tokens[:1]] == [("川向", "名詞-固有名詞-地名-一般")]
    assert "桜台団地" in [t.surface for t in tokens]
    assert [t.surface for t in Tokenizer().tokenize("川向から")][0] == "川向"  # a surname


def test_a_tokenizer_with_names_pickles_and_an_old_one_still_loads():
    tokenizer = Tokenizer(places=("川向",))
    tokenizer.tokenize("川向から")  # the taggers are built, and not pickled
    copy = pickle.loads(pickle.dumps(tokenizer))
    assert copy.places == ("川向",) and copy.tokenize("川向から")[0].pos.endswith("地名-一般")
    old = Tokenizer.__new__(Tokenizer)
    old.__setstate__({"user_dictionary": None, "_tagger": None})  # saved before names
    assert old.places == () and old.tokenize("駅まで")
    assert Tokenizer(places=("川向",)).version != Tokenizer().version


def test_callers_that_pass_no_names_mask_as_before():
    assert mask_personal_data(KEPT) == "〇〇から町の病院まで遠い"
    assert mask_personal_data(KEPT, places=("川向",)) == KEPT
    assert mask_personal_data(KEPT, Tokenizer(places=("川向",))) == KEPT


def test_mask_table_keeps_the_names():
    import pandas as pd

    frame = pd.DataFrame({"area": ["川向"], "text": [f"{KEPT}。{NAMED}"], "n": [3]})
    masked = mask_table(frame, places=("川向",))
    assert masked.loc[0, "text"] == f"{KEPT}。{NAMED_MASKED}"
    assert masked.loc[0, "area"] == "川向" and masked.loc[0, "n"] == 3


def test_check_masks_the_rejects_with_the_towns_names(village, tmp_path):
    from needs_analysis.ingest.check import check_inputs

    target = tmp_path / "rejects.csv"
    check_inputs(village, rejects=target)
    rows = list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines()))
    cells = " ".join(" ".join(row) for row in rows)
    assert f"{KEPT}。{NAMED_MASKED}" in cells and "5678" not in cells


def test_pool_worker_masks_the_rejects_with_the_towns_names(village):
    from needs_analysis.pool.tasks import read_town

    read = read_town(SimpleNamespace(config_path=village, fiscal_year=2025, name="川向村"))
    cells = " ".join(str(v) for v in read.rejects.rows.to_numpy().ravel())
    assert f"{KEPT}。{NAMED_MASKED}" in cells


@pytest.mark.slow
def test_review_sheet_keeps_the_towns_names(village, tmp_path, monkeypatch, fast_classifier):
    from needs_analysis.classify import store as model_store
    from needs_analysis.review.sheet import write_review

    monkeypatch.setattr(model_store, "get_classifier", lambda *args, **kwargs: fast_classifier)
    result = write_review(load_config(village), None, tmp_path / "out", n=10)
    sheet = load_workbook(result.path)["確認"]
    cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row]
    assert KEPT in cells and not any("〇〇から" in cell for cell in cells)
