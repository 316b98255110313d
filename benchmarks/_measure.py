"""Small measuring helpers shared by the benchmarks: the peak memory of a process tree,
min and median of repeated runs, and the load average to print beside every figure."""

from __future__ import annotations

import os
import statistics
import threading
from collections.abc import Sequence
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages, as /proc/loadavg gives them."""
    if not hasattr(os, "getloadavg"):
        return "n/a"
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def min_median(values: Sequence[float], digits: int = 1) -> str:
    """ "min 12.3 / median 13.0 (n=3)"."""
    if not values:
        return "n/a"
    return (
        f"min {min(values):.{digits}f} / median {statistics.median(values):.{digits}f}"
        f" (n={len(values)})"
    )


def _parents() -> dict[int, int]:
    """Process id → parent id of every process readable under /proc (Linux)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def _rss(pid: int) -> int:
    """Resident memory of a process in bytes (0 once it has gone)."""
    try:
        return int((Path(f"/proc/{pid}/statm")).read_text().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def tree(root: int) -> list[int]:
    """``root`` and all its descendants."""
    parents = _parents()
    members, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        members += frontier
    return members


class PeakMemory:
    """Sample the resident memory of a process tree while it runs (Linux).

    ``peak_total`` is the largest sum of the tree's resident memory seen at one sample
    (shared pages counted in each process), ``peak_single`` the largest single process.
    Sampled every ``interval`` seconds, so a peak shorter than that can be missed.
    """

    def __init__(self, root: int, interval: float = 0.25):
        self.root, self.interval = root, interval
        self.peak_total = self.peak_single = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> PeakMemory:
        if Path("/proc").is_dir():
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _sample(self) -> None:
        while not self._stop.is_set():
            sizes = [_rss(pid) for pid in tree(self.root)]
            self.peak_total = max(self.peak_total, sum(sizes))
            self.peak_single = max(self.peak_single, max(sizes, default=0))
            self._stop.wait(self.interval)

    def text(self) -> str:
        mib = 1024 * 1024
        return (
            f"peak memory {self.peak_total / mib:,.0f} MiB all processes "
            f"(largest {self.peak_single / mib:,.0f} MiB)"
        )
