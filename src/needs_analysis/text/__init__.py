"""Text as the tool reads it: one normalised form, tokens, and MeCab (fugashi + unidic-lite).

- :mod:`~needs_analysis.text.normalize` — :func:`normalize_text`, the one normalised form;
- :mod:`~needs_analysis.text.tokens` — :class:`Token`, content words, placing tokens in a text;
- :mod:`~needs_analysis.text.mecab` — :class:`Tokenizer` and the town's user dictionary
  (MeCab is loaded only when a text is tokenised).
"""

from needs_analysis.text.mecab import Tokenizer, compile_user_dictionary
from needs_analysis.text.normalize import normalize_text
from needs_analysis.text.tokens import Token, content_tokens, place_tokens

__all__ = [
    "Token",
    "Tokenizer",
    "compile_user_dictionary",
    "content_tokens",
    "normalize_text",
    "place_tokens",
]
