"""Where the bundled data lives, in a source checkout and in an installed wheel.

In a checkout (or an editable install) the sample municipality and the labeled answers sit
in ``data/`` at the repository root; a wheel carries copies under ``needs_analysis/_data``.
"""

from __future__ import annotations

import os
import time
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


def _cpu_times() -> tuple[int, int] | None:
    """(idle, total) clock ticks of all CPUs since boot, from /proc/stat (Linux)."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = handle.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    ticks = [int(value) for value in fields[1:]]
    return ticks[3] + (ticks[4] if len(ticks) > 4 else 0), sum(ticks[:8])


def free_cpus(limit: int | None = None, probe: float = 0.1, sample=_cpu_times) -> int:
    """How many processes can run now without waiting for a CPU, at least 1.

    The CPUs the whole machine left idle during a short probe (``probe`` seconds, while
    this process waits), never more than this process may use nor ``limit``. Where the
    system does not say (no /proc/stat), the one-minute load average stands in (the CPUs
    minus the processes running), else every usable CPU counts as free. Work split over more
    processes than this runs slower than in one: each waits for a CPU and the split costs
    time of its own."""
    usable = usable_cpus() if limit is None else min(limit, usable_cpus())
    if usable <= 1:
        return 1
    before = sample()
    if before is not None:
        time.sleep(probe)
        after = sample()
        if after is not None and after[1] > before[1]:
            idle_share = (after[0] - before[0]) / (after[1] - before[1])
            idle = idle_share * (os.cpu_count() or usable)
            return max(1, min(usable, int(idle + 0.25)))
    if hasattr(os, "getloadavg"):
        busy = os.getloadavg()[0]
        return max(1, min(usable, int((os.cpu_count() or usable) - busy + 1.25)))
    return usable
