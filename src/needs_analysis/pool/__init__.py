"""Many towns together on dask.distributed: the pool file, the workers' tasks, the overview."""
