"""The settings a run config becomes: sources, areas, gap settings and report options.

:func:`needs_analysis.config.load.load_config` builds them from a TOML file; code that only
needs the types or the default column labels imports them from here or from
:mod:`needs_analysis.config.load`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from needs_analysis.errors import ConfigError
from needs_analysis.paths import package_file

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
class ReportOptions:
    """``[report]``: where the reports go, PDF printing and the exploration page's keyword
    views.

    ``out`` (resolved against the config's folder): the folder the fiscal years' report
    folders go under; None means ``reports`` beside the config. Empty ``kwic`` /
    ``category`` mean: chosen from the town's own answers.
    """

    pdf: bool = True
    kwic: tuple[str, ...] = ()
    category: str = ""
    out: Path | None = None


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
    # ``[check] file``: a filled check sheet whose answers correct the year's rates.
    check_file: Path | None = None

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
