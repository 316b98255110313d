"""Config validation: every mistake names the file and the key."""

from __future__ import annotations

import pytest
from conftest import TOWN_CONFIG

from needs_analysis.config.load import format_fiscal_year, load_config
from needs_analysis.errors import ConfigError


def write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_town_config_loads(town_config):
    assert town_config.municipality == "テスト町"
    assert [area.name for area in town_config.areas] == ["北部", "中央", "南部"]
    assert town_config.areas[1].population_in(2022) == 1500
    assert town_config.areas[0].population_in(2022) == 800
    assert town_config.survey().columns["text"][0] == "自由記述"
    assert town_config.survey(2022).columns["text"] == ("ご意見",)
    assert town_config.previous_fiscal_year() == 2022
    assert town_config.previous_fiscal_year(2022) is None


def test_bundled_sample_is_the_default():
    config = load_config()
    assert config.municipality == "和泉ヶ原町"
    assert len(config.areas) == 5
    assert config.user_dictionary is not None and config.user_dictionary.is_file()


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('name = "テスト町"\n', "", "municipality.name"),
        ("fiscal_year = 2025\n", 'fiscal_year = "R7"\n', "municipality.fiscal_year"),
        (
            '[surveys.2025]\npath = "survey.csv"',
            '[surveys.2025]\npaht = "survey.csv"',
            "surveys.2025.paht",
        ),
        ('respondent_id = "No"', "respondent_id = 3", "surveys.2022.columns.respondent_id"),
        ("population_65 = 700", "population_65 = -1", "areas[3].population_65"),
        ('aliases = ["北部圏域", "北部地区"]', 'aliases = ["中央"]', "areas[2].aliases"),
        ("fiscal_year = 2025\n", "fiscal_year = 2024\n", "municipality.fiscal_year"),
    ],
)
def test_wrong_keys_are_named(tmp_path, old, new, key):
    assert old in TOWN_CONFIG
    path = write(tmp_path, TOWN_CONFIG.replace(old, new, 1))
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert raised.value.key == key
    assert f"「{key}」" in str(raised.value)
    assert str(path) in str(raised.value)


def test_unknown_top_level_key(tmp_path):
    with pytest.raises(ConfigError, match="「survey」"):
        load_config(write(tmp_path, TOWN_CONFIG + '\n[survey]\npath = "x"\n'))


def test_syntax_error_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="TOML の書き方"):
        load_config(write(tmp_path, TOWN_CONFIG + "\n[areas\n"))


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="見つかりません"):
        load_config(tmp_path / "nothing.toml")


def test_optional_paths_must_exist(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, TOWN_CONFIG + '\n[dictionary]\nuser = "words.csv"\n'))
    assert raised.value.key == "dictionary.user"


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2019, "令和元年度（2019）"),
        (2022, "令和4年度（2022）"),
        (2025, "令和7年度（2025）"),
        (2000, "平成12年度（2000）"),
    ],
)
def test_fiscal_year_in_the_japanese_era(year, expected):
    assert format_fiscal_year(year) == expected


def test_report_options_default_to_pdf_and_the_towns_own_words(town_config):
    assert town_config.report.pdf is True
    assert town_config.report.kwic == () and town_config.report.category == ""


@pytest.mark.parametrize(
    ("table", "pdf", "kwic", "category"),
    [
        (
            'pdf = false\nkwic = ["送迎", "ゴミ"]\ncategory = "ゴミ出し"',
            False,
            ("送迎", "ゴミ"),
            "ゴミ出し",
        ),
        ('kwic = "階段"', True, ("階段",), ""),
    ],
)
def test_report_options_are_read(tmp_path, table, pdf, kwic, category):
    config = load_config(write(tmp_path, TOWN_CONFIG + f"\n[report]\n{table}\n"))
    assert (config.report.pdf, config.report.kwic, config.report.category) == (pdf, kwic, category)


@pytest.mark.parametrize(
    ("table", "key"),
    [('pdf = "はい"', "report.pdf"), ("kwic = [1.5]", "report.kwic"), ("size = 3", "report.size")],
)
def test_report_option_mistakes_name_the_key(tmp_path, table, key):
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, TOWN_CONFIG + f"\n[report]\n{table}\n"))
    assert raised.value.key == key


@pytest.mark.parametrize(
    ("table", "key", "typed", "meant"),
    [
        (
            '[resource_categories]\n"デマンド交通" = ["移動"]',
            "resource_categories.デマンド交通",
            "移動",
            "移動支援",
        ),
        (
            '[resource_categories]\n"サロン" = ["居場所", "見まもり"]',
            "resource_categories.サロン",
            "見まもり",
            "見守り",
        ),
        ('[resource_categories]\n"弁当" = "配色"', "resource_categories.弁当", "配色", "配食"),
        ('[report]\ncategory = "ごみ出し"', "report.category", "ごみ出し", "ゴミ出し"),
    ],
)
def test_a_category_the_config_names_must_exist(tmp_path, table, key, typed, meant):
    with pytest.raises(ConfigError) as raised:
        load_config(write(tmp_path, TOWN_CONFIG + f"\n{table}\n"))
    assert raised.value.key == key
    assert f'"{typed}" は分類にありません。"{meant}" ですか？' in str(raised.value)


def test_a_category_nothing_resembles_lists_the_valid_ones(tmp_path):
    table = '[resource_categories]\n"体操" = ["zzz"]'
    with pytest.raises(ConfigError, match="使える分類: 移動支援、居場所"):
        load_config(write(tmp_path, TOWN_CONFIG + f"\n{table}\n"))


def test_a_missing_file_names_the_closest_one_there(tmp_path):
    (tmp_path / "user_dictionary.csv").write_text("表記,読み,種類\n", encoding="utf-8")
    text = TOWN_CONFIG + '\n[dictionary]\nuser = "user_dictionery.csv"\n'
    with pytest.raises(ConfigError, match='"user_dictionary.csv" ですか？') as raised:
        load_config(write(tmp_path, text))
    assert raised.value.key == "dictionary.user"
