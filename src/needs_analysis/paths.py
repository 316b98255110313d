"""Where the bundled data lives, in a source checkout and in an installed wheel.

In a checkout (or an editable install) the sample municipality and the labeled answers sit
in ``data/`` at the repository root; a wheel carries copies under ``needs_analysis/_data``.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_data_dir(name: str) -> Path:
    """Return the folder ``data/<name>`` of the checkout, or its copy inside the package."""
    checkout = _PACKAGE_DIR.parent.parent / "data" / name
    if checkout.is_dir():
        return checkout
    return _PACKAGE_DIR / "_data" / name


def sample_config_path() -> Path:
    """The sample municipality's config: the default when the user names none."""
    return bundled_data_dir("sample") / "config.toml"


def labeled_data_dir() -> Path:
    """The labeled answers the default classifier is fitted on."""
    return bundled_data_dir("labeled")


def package_file(name: str) -> Path:
    """A data file shipped inside the package itself (taxonomy, rules, stop words)."""
    return _PACKAGE_DIR / "data" / name


def notebooks_dir() -> Path:
    """The report notebooks: ``notebooks/`` of the checkout, or their copy in the package."""
    checkout = _PACKAGE_DIR.parent.parent / "notebooks"
    if checkout.is_dir():
        return checkout
    return _PACKAGE_DIR / "_data" / "notebooks"


def cache_dir() -> Path:
    """The user's cache folder for fitted models, embeddings and compiled dictionaries:
    ``$XDG_CACHE_HOME/needs-analysis``, else ``~/.cache/needs-analysis``."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache")
    return Path(root) / "needs-analysis"


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity mask, where the system has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS and Windows have no affinity mask
        return max(1, os.cpu_count() or 1)
