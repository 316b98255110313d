"""One TOML file describes a run: municipality, fiscal years, input files, columns, areas.

The file is validated once, at the entry point, by :func:`load_config`. Every problem names
the file and the key, in Japanese, so a coordinator can fix it without reading code. Paths in
the file are relative to the file's own folder.

A minimal config::

    [municipality]
    name = "和泉ヶ原町"
    fiscal_year = 2025

    [surveys.2025]
    path = "survey_r7.xlsx"

    [[areas]]
    name = "駅前"
    population_65 = 2100
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from needs_analysis.errors import ConfigError
from needs_analysis.normalize import normalize_text
from needs_analysis.paths import package_file, sample_config_path

# Header labels tried, in order, when the config names no column for a field.
DEFAULT_SURVEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "respondent_id": ("回答者ID", "回答者番号", "ID", "id", "No", "No."),
    "area": ("圏域", "日常生活圏域", "地区", "エリア"),
    "district": ("行政区", "行政区コード", "町丁", "町丁目", "自治会"),
    "text": ("自由記述", "自由記載", "自由記載欄", "困りごと", "ご意見", "意見"),
    "age_group": ("年齢区分", "年齢", "年代"),
    "sex": ("性別",),
    "household": ("世帯構成", "世帯", "家族構成"),
}
REQUIRED_SURVEY_FIELDS = ("respondent_id", "text")

DEFAULT_RESOURCE_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("資源名", "名称", "活動名"),
    "type": ("種別", "資源の種類", "種類"),
    "area": ("圏域", "日常生活圏域", "地区"),
    "per_month": ("月あたり回数", "開催回数(月)", "頻度"),
    "capacity": ("定員",),
    "started": ("開始年度",),
}
REQUIRED_RESOURCE_FIELDS = ("name", "type", "area")

DEFAULT_MIN_COUNT = 5
# How many ordinary labelled answers one of the town's corrections counts for.
DEFAULT_CORRECTIONS_WEIGHT = 3.0


@dataclass(frozen=True)
class GapSettings:
    """How the gap analysis decides (the ``[gaps]`` table; every key optional).

    q: false-discovery rate of the Benjamini–Hochberg control over all 圏域 × category cells.
    supply_margin: provision below this share of the municipal provision per 1,000 counts
    as clearly below. min_answers: an area with fewer answers with text is not judged.
    default_per_month: sessions a month assumed for a resource whose frequency is missing.
    """

    q: float = 0.05
    supply_margin: float = 0.75
    min_answers: int = 20
    default_per_month: float = 4.0


@dataclass(frozen=True)
class SurveySource:
    """One fiscal year's survey export and how to read it."""

    fiscal_year: int
    path: Path
    sheet: str | None = None
    encoding: str | None = None
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ResourceSource:
    """The inventory of community resources."""

    path: Path
    sheet: str | None = None
    encoding: str | None = None
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Area:
    """A 日常生活圏域 with its other spellings, 行政区 and 65+ population per fiscal year."""

    name: str
    aliases: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    population_65: dict[int, int] = field(default_factory=dict)
    default_population_65: int | None = None

    def population_in(self, fiscal_year: int) -> int | None:
        """The 65+ population for a fiscal year, or the single figure given, or None."""
        return self.population_65.get(fiscal_year, self.default_population_65)


@dataclass(frozen=True)
class Config:
    """A validated run description. Build it with :func:`load_config`."""

    path: Path
    municipality: str
    fiscal_year: int
    surveys: dict[int, SurveySource]
    areas: tuple[Area, ...]
    resources: ResourceSource | None = None
    resource_categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    min_count: int = DEFAULT_MIN_COUNT
    taxonomy_path: Path = field(default_factory=lambda: package_file("taxonomy.toml"))
    rules_path: Path = field(default_factory=lambda: package_file("rules.txt"))
    user_dictionary: Path | None = None
    labeled_dir: Path | None = None
    classifier_fast: bool = False
    report: ReportOptions = field(default_factory=lambda: ReportOptions())
    gaps: GapSettings = field(default_factory=GapSettings)
    corrections_weight: float = DEFAULT_CORRECTIONS_WEIGHT

    def survey(self, fiscal_year: int | None = None) -> SurveySource:
        """The survey source for a fiscal year (default: the config's fiscal year)."""
        year = self.fiscal_year if fiscal_year is None else fiscal_year
        if year not in self.surveys:
            known = "、".join(str(y) for y in sorted(self.surveys)) or "なし"
            raise ConfigError(
                self.path,
                f"{year}年度の調査ファイルが設定されていません（設定済みの年度: {known}）。",
                key=f"surveys.{year}",
            )
        return self.surveys[year]

    def previous_fiscal_year(self, fiscal_year: int | None = None) -> int | None:
        """The latest configured survey year before the given one, if any."""
        year = self.fiscal_year if fiscal_year is None else fiscal_year
        earlier = [y for y in self.surveys if y < year]
        return max(earlier) if earlier else None


_TOP_LEVEL_KEYS = {
    "municipality",
    "surveys",
    "areas",
    "resources",
    "resource_categories",
    "privacy",
    "classifier",
    "dictionary",
    "report",
    "gaps",
}


@dataclass(frozen=True)
class ReportOptions:
    """``[report]``: PDF printing and the exploration page's keyword views.

    Empty ``kwic`` / ``category`` mean: chosen from the town's own answers.
    """

    pdf: bool = True
    kwic: tuple[str, ...] = ()
    category: str = ""


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate a run config; ``None`` loads the bundled sample municipality."""
    config_path = Path(path) if path is not None else sample_config_path()
    return _parse(config_path.resolve(), read_toml(config_path))


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's contents; a missing, non-UTF-8 or malformed file is a ConfigError."""
    if not path.is_file():
        raise ConfigError(path, "ファイルが見つかりません。パスを確認してください。")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(path, "UTF-8 で保存してください。") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(path, f"TOML の書き方に誤りがあります（{error}）。") from None


def _parse(path: Path, raw: dict[str, Any]) -> Config:
    base = path.parent
    _reject_unknown(path, raw, _TOP_LEVEL_KEYS, prefix="")

    municipality = _table(path, raw, "municipality", required=True)
    _reject_unknown(path, municipality, {"name", "fiscal_year"}, prefix="municipality.")
    name = _string(path, municipality, "name", "municipality.name", required=True)
    fiscal_year = _fiscal_year(path, municipality.get("fiscal_year"), "municipality.fiscal_year")

    surveys_raw = _table(path, raw, "surveys", required=True)
    if not surveys_raw:
        raise ConfigError(path, "調査ファイルを少なくとも1年度分書いてください。", key="surveys")
    surveys: dict[int, SurveySource] = {}
    for year_key, table in surveys_raw.items():
        key = f"surveys.{year_key}"
        year = _fiscal_year(path, year_key, key)
        if not isinstance(table, dict):
            raise ConfigError(path, "表（[surveys.年度]）で書いてください。", key=key)
        surveys[year] = _survey_source(path, base, year, table, key)
    if fiscal_year not in surveys:
        raise ConfigError(
            path,
            f"{fiscal_year}年度の調査が [surveys.{fiscal_year}] にありません。",
            key="municipality.fiscal_year",
        )

    areas = _areas(path, raw.get("areas"))

    resources = None
    if "resources" in raw:
        resources = _resource_source(path, base, _table(path, raw, "resources", required=True))
    resource_categories = _resource_categories(path, raw.get("resource_categories", {}))

    privacy = _table(path, raw, "privacy", required=False)
    _reject_unknown(path, privacy, {"min_count"}, prefix="privacy.")
    min_count = privacy.get("min_count", DEFAULT_MIN_COUNT)
    if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
        raise ConfigError(path, "1以上の整数で書いてください。", key="privacy.min_count")

    gaps = _gap_settings(path, _table(path, raw, "gaps", required=False))

    classifier = _table(path, raw, "classifier", required=False)
    _reject_unknown(
        path,
        classifier,
        {"taxonomy", "rules", "labeled", "fast", "corrections_weight"},
        prefix="classifier.",
    )
    classifier_fast = classifier.get("fast", False)
    if not isinstance(classifier_fast, bool):
        raise ConfigError(path, "true か false で書いてください。", key="classifier.fast")
    corrections_weight = classifier.get("corrections_weight", DEFAULT_CORRECTIONS_WEIGHT)
    if (
        not isinstance(corrections_weight, int | float)
        or isinstance(corrections_weight, bool)
        or not 0 < corrections_weight <= 100
    ):
        raise ConfigError(
            path, "0より大きく100以下の数で書いてください。", key="classifier.corrections_weight"
        )
    taxonomy = _optional_path(path, base, classifier, "taxonomy", "classifier.taxonomy")
    rules = _optional_path(path, base, classifier, "rules", "classifier.rules")
    labeled = _optional_path(path, base, classifier, "labeled", "classifier.labeled", is_dir=True)

    dictionary = _table(path, raw, "dictionary", required=False)
    _reject_unknown(path, dictionary, {"user"}, prefix="dictionary.")
    user_dictionary = _optional_path(path, base, dictionary, "user", "dictionary.user")

    return Config(
        path=path,
        municipality=name,
        fiscal_year=fiscal_year,
        surveys=surveys,
        areas=areas,
        resources=resources,
        resource_categories=resource_categories,
        min_count=min_count,
        taxonomy_path=taxonomy or package_file("taxonomy.toml"),
        rules_path=rules or package_file("rules.txt"),
        user_dictionary=user_dictionary,
        labeled_dir=labeled,
        classifier_fast=classifier_fast,
        report=_report_options(path, _table(path, raw, "report", required=False)),
        gaps=gaps,
        corrections_weight=float(corrections_weight),
    )


def _report_options(path: Path, table: dict[str, Any]) -> ReportOptions:
    _reject_unknown(path, table, {"pdf", "kwic", "category"}, prefix="report.")
    pdf = table.get("pdf", True)
    if not isinstance(pdf, bool):
        raise ConfigError(path, "true か false で書いてください。", key="report.pdf")
    kwic = table.get("kwic", [])
    if isinstance(kwic, str):
        kwic = [kwic]
    words = _string_list(path, kwic, "report.kwic")
    category = _string(path, table, "category", "report.category") or ""
    return ReportOptions(
        pdf=pdf, kwic=tuple(w.strip() for w in words if w.strip()), category=category
    )


def _gap_settings(path: Path, table: dict[str, Any]) -> GapSettings:
    _reject_unknown(
        path, table, {"q", "supply_margin", "min_answers", "default_per_month"}, "gaps."
    )
    defaults = GapSettings()

    def number(key: str, low: float, high: float, message: str) -> float:
        value = table.get(key, getattr(defaults, key))
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not low < value <= high
        ):
            raise ConfigError(path, message, key=f"gaps.{key}")
        return float(value)

    q = number("q", 0, 1, "0より大きく1以下の数で書いてください（例: 0.05）。")
    margin = number("supply_margin", 0, 1, "0より大きく1以下の割合で書いてください（例: 0.75）。")
    default = number("default_per_month", 0, 1000, "0より大きい月あたりの回数で書いてください。")
    answers = table.get("min_answers", defaults.min_answers)
    if not isinstance(answers, int) or isinstance(answers, bool) or answers < 1:
        raise ConfigError(path, "1以上の整数で書いてください。", key="gaps.min_answers")
    return GapSettings(q=q, supply_margin=margin, min_answers=answers, default_per_month=default)


def _reject_unknown(path: Path, table: dict[str, Any], allowed: set[str], prefix: str) -> None:
    for key in table:
        if key not in allowed:
            known = "、".join(sorted(allowed))
            raise ConfigError(
                path, f"知らないキーです（使えるキー: {known}）。", key=f"{prefix}{key}"
            )


def _table(path: Path, raw: dict[str, Any], key: str, required: bool) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        if required:
            raise ConfigError(path, "必須のキーがありません。", key=key)
        return {}
    if not isinstance(value, dict):
        raise ConfigError(path, f"表（[{key}]）で書いてください。", key=key)
    return value


def _string(
    path: Path, table: dict[str, Any], name: str, key: str, required: bool = False
) -> str | None:
    value = table.get(name)
    if value is None:
        if required:
            raise ConfigError(path, "必須のキーがありません。", key=key)
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(path, "空でない文字列で書いてください。", key=key)
    return value.strip()


def _fiscal_year(path: Path, value: Any, key: str) -> int:
    if value is None:
        raise ConfigError(path, "必須のキーがありません。", key=key)
    try:
        year = int(str(value))
    except ValueError:
        year = 0
    if not 1990 <= year <= 2100:
        raise ConfigError(path, f"年度は西暦4桁で書いてください（値: {value!r}）。", key=key)
    return year


def _optional_path(
    path: Path, base: Path, table: dict[str, Any], name: str, key: str, is_dir: bool = False
) -> Path | None:
    value = _string(path, table, name, key)
    if value is None:
        return None
    resolved = (base / value).resolve()
    exists = resolved.is_dir() if is_dir else resolved.is_file()
    if not exists:
        raise ConfigError(path, f"{resolved} が見つかりません。", key=key)
    return resolved


def _columns(
    path: Path,
    table: dict[str, Any],
    defaults: dict[str, tuple[str, ...]],
    key: str,
) -> dict[str, tuple[str, ...]]:
    given = table.get("columns", {})
    if not isinstance(given, dict):
        raise ConfigError(path, "表で書いてください。", key=key)
    _reject_unknown(path, given, set(defaults), prefix=f"{key}.")
    columns = dict(defaults)
    for field_name, value in given.items():
        labels = [value] if isinstance(value, str) else value
        if (
            not isinstance(labels, list)
            or not labels
            or not all(isinstance(label, str) and label.strip() for label in labels)
        ):
            raise ConfigError(
                path,
                "列の見出しを文字列か文字列のリストで書いてください。",
                key=f"{key}.{field_name}",
            )
        columns[field_name] = tuple(label.strip() for label in labels)
    return columns


def _input_file(path: Path, base: Path, table: dict[str, Any], key: str) -> Path:
    value = _string(path, table, "path", f"{key}.path", required=True)
    return (base / value).resolve()


def _survey_source(
    path: Path, base: Path, year: int, table: dict[str, Any], key: str
) -> SurveySource:
    _reject_unknown(path, table, {"path", "sheet", "encoding", "columns"}, prefix=f"{key}.")
    return SurveySource(
        fiscal_year=year,
        path=_input_file(path, base, table, key),
        sheet=_string(path, table, "sheet", f"{key}.sheet"),
        encoding=_string(path, table, "encoding", f"{key}.encoding"),
        columns=_columns(path, table, DEFAULT_SURVEY_COLUMNS, f"{key}.columns"),
    )


def _resource_source(path: Path, base: Path, table: dict[str, Any]) -> ResourceSource:
    _reject_unknown(path, table, {"path", "sheet", "encoding", "columns"}, prefix="resources.")
    return ResourceSource(
        path=_input_file(path, base, table, "resources"),
        sheet=_string(path, table, "sheet", "resources.sheet"),
        encoding=_string(path, table, "encoding", "resources.encoding"),
        columns=_columns(path, table, DEFAULT_RESOURCE_COLUMNS, "resources.columns"),
    )


def _resource_categories(path: Path, raw: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(raw, dict):
        raise ConfigError(path, "表で書いてください。", key="resource_categories")
    mapping: dict[str, tuple[str, ...]] = {}
    for resource_type, labels in raw.items():
        labels = [labels] if isinstance(labels, str) else labels
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise ConfigError(
                path,
                "困りごとの分類名を文字列のリストで書いてください。",
                key=f"resource_categories.{resource_type}",
            )
        # Compared with the inventory's normalised types, so ｻﾛﾝ and サロン agree.
        mapping[normalize_text(resource_type)] = tuple(labels)
    return mapping


def _areas(path: Path, raw: Any) -> tuple[Area, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError(path, "圏域を [[areas]] で少なくとも1つ書いてください。", key="areas")
    areas: list[Area] = []
    seen: dict[str, str] = {}
    for index, table in enumerate(raw, start=1):
        key = f"areas[{index}]"
        if not isinstance(table, dict):
            raise ConfigError(path, "表（[[areas]]）で書いてください。", key=key)
        _reject_unknown(
            path, table, {"name", "aliases", "districts", "population_65"}, prefix=f"{key}."
        )
        name = _string(path, table, "name", f"{key}.name", required=True)
        aliases = _string_list(path, table.get("aliases", []), f"{key}.aliases")
        districts = _string_list(path, table.get("districts", []), f"{key}.districts")
        by_year, default = _population(path, table.get("population_65"), f"{key}.population_65")
        for spelling in (name, *aliases):
            if spelling in seen and seen[spelling] != name:
                raise ConfigError(
                    path,
                    f"「{spelling}」が圏域「{seen[spelling]}」と「{name}」の両方にあります。",
                    key=f"{key}.aliases",
                )
            seen[spelling] = name
        areas.append(Area(name, aliases, districts, by_year, default))
    return tuple(areas)


def _string_list(path: Path, value: Any, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(x, (str, int)) for x in value):
        raise ConfigError(path, "文字列のリストで書いてください。", key=key)
    return tuple(str(x).strip() for x in value if str(x).strip())


def _population(path: Path, value: Any, key: str) -> tuple[dict[int, int], int | None]:
    if value is None:
        return {}, None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return {}, value
    if isinstance(value, dict):
        by_year: dict[int, int] = {}
        for year_key, count in value.items():
            year = _fiscal_year(path, year_key, f"{key}.{year_key}")
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise ConfigError(path, "0以上の整数で書いてください。", key=f"{key}.{year_key}")
            by_year[year] = count
        return by_year, None
    raise ConfigError(
        path, "0以上の整数か、年度ごとの表（{2022 = 1800, 2025 = 1900}）で書いてください。", key=key
    )


def format_fiscal_year(year: int) -> str:
    """令和N年度 (YYYY) for the fiscal year starting in April of ``year``.

    >>> format_fiscal_year(2024)
    '令和6年度（2024）'
    >>> format_fiscal_year(2019)
    '令和元年度（2019）'
    """
    if year >= 2019:
        number = year - 2018
        era = "令和"
    elif year >= 1989:
        number = year - 1988
        era = "平成"
    else:
        return f"{year}年度"
    return f"{era}{'元' if number == 1 else number}年度（{year}）"
