"""Text as the tool reads it: one normalised form, tokens, and MeCab (fugashi + unidic-lite)."""
