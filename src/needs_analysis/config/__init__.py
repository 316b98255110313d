"""The town's config file (TOML): files, columns, areas, populations and options.

Every value is checked once, when the file is loaded, with errors that name the file and
the key. :mod:`~needs_analysis.config.load` reads the file, :mod:`~needs_analysis.config.settings`
holds what it describes, :mod:`~needs_analysis.config.values` checks single values.
"""

from needs_analysis.config.load import format_fiscal_year, load_config
from needs_analysis.config.settings import (
    Area,
    Config,
    GapSettings,
    ReportOptions,
    ResourceSource,
    SurveySource,
)
from needs_analysis.config.stopwords import read_stopwords, stopwords_path, town_stopwords
from needs_analysis.config.taxonomy import Taxonomy, load_taxonomy
from needs_analysis.config.values import read_toml

__all__ = [
    "Area",
    "Config",
    "GapSettings",
    "ReportOptions",
    "ResourceSource",
    "SurveySource",
    "Taxonomy",
    "format_fiscal_year",
    "load_config",
    "load_taxonomy",
    "read_stopwords",
    "read_toml",
    "stopwords_path",
    "town_stopwords",
]
