"""Many towns together on dask.distributed.

- :mod:`~needs_analysis.pool.members` — the pool file;
- :mod:`~needs_analysis.pool.runner` — reading and classifying the towns on a cluster;
- :mod:`~needs_analysis.pool.tasks` — what runs on a worker;
- :mod:`~needs_analysis.pool.overview` — the pool's workbook and page.
"""

from needs_analysis.pool.members import Pool, load_pool
from needs_analysis.pool.overview import run_pool_overview
from needs_analysis.pool.runner import connect, run_pool, starting_cluster

__all__ = [
    "Pool",
    "connect",
    "load_pool",
    "run_pool",
    "run_pool_overview",
    "starting_cluster",
]
