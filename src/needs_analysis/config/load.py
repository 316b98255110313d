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

from pathlib import Path
from typing import Any

from needs_analysis.config.settings import (
    DEFAULT_CORRECTIONS_WEIGHT,
    DEFAULT_MIN_COUNT,
    DEFAULT_RESOURCE_COLUMNS,
    DEFAULT_SURVEY_COLUMNS,
    Area,
    Config,
    GapSettings,
    ReportOptions,
    ResourceSource,
    SurveySource,
)
from needs_analysis.config.taxonomy import Taxonomy, load_taxonomy
from needs_analysis.config.values import (
    path_value,
    read_toml,
    reject_unknown,
    section,
    text_list,
    text_value,
    year_value,
)
from needs_analysis.errors import ConfigError, did_you_mean
from needs_analysis.paths import package_file, sample_config_path
from needs_analysis.text.normalize import normalize_text

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
    "check",
}


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate a run config; ``None`` loads the bundled sample municipality."""
    config_path = Path(path) if path is not None else sample_config_path()
    return _parse(config_path.resolve(), read_toml(config_path))


def _parse(path: Path, raw: dict[str, Any]) -> Config:
    base = path.parent
    reject_unknown(path, raw, _TOP_LEVEL_KEYS, prefix="")
    name, fiscal_year = _municipality(path, section(path, raw, "municipality", required=True))
    surveys = _surveys(path, base, section(path, raw, "surveys", required=True), fiscal_year)
    areas = _areas(path, raw.get("areas"))
    resources = None
    if "resources" in raw:
        resources = _resource_source(path, base, section(path, raw, "resources", required=True))
    resource_categories = _resource_categories(path, raw.get("resource_categories", {}))
    min_count = _min_count(path, section(path, raw, "privacy", required=False))
    gaps = _gap_settings(path, section(path, raw, "gaps", required=False))
    classifier = _classifier(path, base, section(path, raw, "classifier", required=False))
    dictionary = section(path, raw, "dictionary", required=False)
    reject_unknown(path, dictionary, {"user"}, prefix="dictionary.")
    user_dictionary = path_value(path, base, dictionary, "user", "dictionary.user")
    report = _report_options(path, section(path, raw, "report", required=False))
    taxonomy = load_taxonomy(classifier["taxonomy_path"])
    _check_categories(path, taxonomy, resource_categories, report)
    check = section(path, raw, "check", required=False)
    reject_unknown(path, check, {"file"}, prefix="check.")
    check_file = path_value(path, base, check, "file", "check.file")
    return Config(
        path=path,
        municipality=name,
        fiscal_year=fiscal_year,
        surveys=surveys,
        areas=areas,
        resources=resources,
        resource_categories=resource_categories,
        min_count=min_count,
        user_dictionary=user_dictionary,
        report=report,
        gaps=gaps,
        check_file=check_file,
        **classifier,
    )


def _municipality(path: Path, table: dict[str, Any]) -> tuple[str, int]:
    reject_unknown(path, table, {"name", "fiscal_year"}, prefix="municipality.")
    name = text_value(path, table, "name", "municipality.name", required=True)
    return name, year_value(path, table.get("fiscal_year"), "municipality.fiscal_year")


def _surveys(
    path: Path, base: Path, table: dict[str, Any], fiscal_year: int
) -> dict[int, SurveySource]:
    if not table:
        raise ConfigError(path, "調査ファイルを少なくとも1年度分書いてください。", key="surveys")
    surveys: dict[int, SurveySource] = {}
    for year_key, entry in table.items():
        key = f"surveys.{year_key}"
        year = year_value(path, year_key, key)
        if not isinstance(entry, dict):
            raise ConfigError(path, "表（[surveys.年度]）で書いてください。", key=key)
        surveys[year] = _survey_source(path, base, year, entry, key)
    if fiscal_year not in surveys:
        raise ConfigError(
            path,
            f"{fiscal_year}年度の調査が [surveys.{fiscal_year}] にありません。",
            key="municipality.fiscal_year",
        )
    return surveys


def _min_count(path: Path, table: dict[str, Any]) -> int:
    reject_unknown(path, table, {"min_count"}, prefix="privacy.")
    min_count = table.get("min_count", DEFAULT_MIN_COUNT)
    if not isinstance(min_count, int) or isinstance(min_count, bool) or min_count < 1:
        raise ConfigError(path, "1以上の整数で書いてください。", key="privacy.min_count")
    return min_count


def _classifier(path: Path, base: Path, table: dict[str, Any]) -> dict[str, Any]:
    """The ``[classifier]`` table as keyword arguments of :class:`Config`."""
    reject_unknown(
        path,
        table,
        {"taxonomy", "rules", "labeled", "fast", "corrections_weight"},
        prefix="classifier.",
    )
    fast = table.get("fast", False)
    if not isinstance(fast, bool):
        raise ConfigError(path, "true か false で書いてください。", key="classifier.fast")
    weight = table.get("corrections_weight", DEFAULT_CORRECTIONS_WEIGHT)
    if not isinstance(weight, int | float) or isinstance(weight, bool) or not 0 < weight <= 100:
        raise ConfigError(
            path, "0より大きく100以下の数で書いてください。", key="classifier.corrections_weight"
        )
    taxonomy = path_value(path, base, table, "taxonomy", "classifier.taxonomy")
    rules = path_value(path, base, table, "rules", "classifier.rules")
    labeled = path_value(path, base, table, "labeled", "classifier.labeled", is_dir=True)
    return {
        "taxonomy_path": taxonomy or package_file("taxonomy.toml"),
        "rules_path": rules or package_file("rules.txt"),
        "labeled_dir": labeled,
        "classifier_fast": fast,
        "corrections_weight": float(weight),
    }


def _report_options(path: Path, table: dict[str, Any]) -> ReportOptions:
    reject_unknown(path, table, {"pdf", "kwic", "category", "out"}, prefix="report.")
    pdf = table.get("pdf", True)
    if not isinstance(pdf, bool):
        raise ConfigError(path, "true か false で書いてください。", key="report.pdf")
    kwic = table.get("kwic", [])
    if isinstance(kwic, str):
        kwic = [kwic]
    words = text_list(path, kwic, "report.kwic")
    category = text_value(path, table, "category", "report.category") or ""
    out = text_value(path, table, "out", "report.out")
    return ReportOptions(
        pdf=pdf,
        kwic=tuple(w.strip() for w in words if w.strip()),
        category=category,
        out=(path.parent / out.strip()).resolve() if out and out.strip() else None,
    )


def _gap_settings(path: Path, table: dict[str, Any]) -> GapSettings:
    reject_unknown(path, table, {"q", "supply_margin", "min_answers", "default_per_month"}, "gaps.")
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


def _columns(
    path: Path,
    table: dict[str, Any],
    defaults: dict[str, tuple[str, ...]],
    key: str,
) -> dict[str, tuple[str, ...]]:
    given = table.get("columns", {})
    if not isinstance(given, dict):
        raise ConfigError(path, "表で書いてください。", key=key)
    reject_unknown(path, given, set(defaults), prefix=f"{key}.")
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
    value = text_value(path, table, "path", f"{key}.path", required=True)
    return (base / value).resolve()


def _survey_source(
    path: Path, base: Path, year: int, table: dict[str, Any], key: str
) -> SurveySource:
    reject_unknown(path, table, {"path", "sheet", "encoding", "columns"}, prefix=f"{key}.")
    return SurveySource(
        fiscal_year=year,
        path=_input_file(path, base, table, key),
        sheet=text_value(path, table, "sheet", f"{key}.sheet"),
        encoding=text_value(path, table, "encoding", f"{key}.encoding"),
        columns=_columns(path, table, DEFAULT_SURVEY_COLUMNS, f"{key}.columns"),
    )


def _resource_source(path: Path, base: Path, table: dict[str, Any]) -> ResourceSource:
    reject_unknown(path, table, {"path", "sheet", "encoding", "columns"}, prefix="resources.")
    return ResourceSource(
        path=_input_file(path, base, table, "resources"),
        sheet=text_value(path, table, "sheet", "resources.sheet"),
        encoding=text_value(path, table, "encoding", "resources.encoding"),
        columns=_columns(path, table, DEFAULT_RESOURCE_COLUMNS, "resources.columns"),
    )


def _check_categories(
    path: Path,
    taxonomy: Taxonomy,
    resource_categories: dict[str, tuple[str, ...]],
    report: ReportOptions,
) -> None:
    """Every category the config names is one of the taxonomy's: a typo would otherwise
    leave a category without its resources and flag a gap that is not there."""
    named = [
        (f"resource_categories.{kind}", label)
        for kind, labels in resource_categories.items()
        for label in labels
    ]
    if report.category:
        named.append(("report.category", report.category))
    for key, label in named:
        if label not in taxonomy.labels:
            hint = did_you_mean(label, taxonomy.labels) or (
                f"使える分類: {'、'.join(taxonomy.labels)}。"
            )
            raise ConfigError(path, f'"{label}" は分類にありません。{hint}', key=key)


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
        reject_unknown(
            path, table, {"name", "aliases", "districts", "population_65"}, prefix=f"{key}."
        )
        name = text_value(path, table, "name", f"{key}.name", required=True)
        aliases = text_list(path, table.get("aliases", []), f"{key}.aliases")
        districts = text_list(path, table.get("districts", []), f"{key}.districts")
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


def _population(path: Path, value: Any, key: str) -> tuple[dict[int, int], int | None]:
    if value is None:
        return {}, None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return {}, value
    if isinstance(value, dict):
        by_year: dict[int, int] = {}
        for year_key, count in value.items():
            year = year_value(path, year_key, f"{key}.{year_key}")
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
