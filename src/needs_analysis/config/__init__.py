"""The town's config file (TOML): files, columns, areas, populations and options, each value checked once."""
