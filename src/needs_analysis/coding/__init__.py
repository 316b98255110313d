"""The categories and the coding rules: the taxonomy, the rules file, its conditions and matching."""
