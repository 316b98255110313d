"""Need rates, their tests, the supply of resources, and the gap table of one fiscal year."""
