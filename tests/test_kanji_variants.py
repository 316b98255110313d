"""The variant-kanji table: what it folds, that the text shown keeps its characters, and
that the script rebuilds the shipped bytes from Unicode's Unihan files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from needs_analysis.paths import package_file
from needs_analysis.privacy.masking import mask_personal_data
from needs_analysis.privacy.variants import fold_variants, variant_table

ROOT = Path(__file__).resolve().parents[1]
UNIHAN = Path("/usr/share/unicode")


@pytest.mark.parametrize(
    ("variant", "standard"),
    [("髙", "高"), ("﨑", "崎"), ("濵", "濱"), ("德", "徳"), ("𠮷", "吉"), ("栁", "柳"),
     ("冨", "富"), ("嶋", "島"), ("廣", "広"), ("國", "国"), ("眞", "真"), ("惠", "恵")],
)  # fmt: skip
def test_variants_fold_to_their_standard_form(variant, standard):
    assert fold_variants(variant) == (standard, None)


@pytest.mark.parametrize("char", list("高崎徳吉辺斎沢浜一の行愛𠮟"))
def test_standard_and_ordinary_characters_stay(char):
    assert fold_variants(char) == (char, None)


def test_variation_selectors_are_dropped_for_lookup_and_placed_back():
    text = "葛\U000e0100城さん"
    folded, positions = fold_variants(text)
    assert folded == "葛城さん" and positions == [0, 2, 3, 4]
    assert mask_personal_data(text) == "〇〇さん"
    assert mask_personal_data("葛\U000e0100の花") == "葛\U000e0100の花"


def test_shown_text_keeps_variant_kanji_outside_names():
    assert mask_personal_data("髙い山の﨑に住む髙橋さん") == "髙い山の﨑に住む〇〇さん"


def test_table_maps_each_variant_to_a_character_outside_itself():
    table = variant_table()
    assert len(table) > 1500
    assert all(chr(code) != standard and len(standard) == 1 for code, standard in table.items())
    assert all(ord(standard) not in table for standard in table.values())


@pytest.mark.skipif(
    not (UNIHAN / "Unihan_Variants.txt.bz2").is_file(), reason="Unihan files not installed"
)
def test_script_rebuilds_the_shipped_table(tmp_path):
    out = tmp_path / "kanji_variants.tsv"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "kanji_variants.py"), "--unihan", str(UNIHAN),
         "--out", str(out)],
        check=True, capture_output=True,
    )  # fmt: skip
    assert out.read_bytes() == package_file("kanji_variants.tsv").read_bytes()
