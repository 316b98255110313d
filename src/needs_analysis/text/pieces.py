"""A very long text in bounded pieces cut at sentence ends, for the steps that cannot take
it whole (MeCab's lattice, the sentence encoder's windows)."""

from __future__ import annotations

import re

# Where a piece may end, best first: after a sentence end, after a comma or a space.
_PIECE_ENDS = (re.compile(r"[。．.!?！？…」』）)]+"), re.compile(r"[、，, ]+"))


def text_pieces(text: str, limit: int) -> list[str]:
    """``text`` in consecutive pieces of at most ``limit`` characters that join back to it,
    each cut after the last sentence end in its window (else after a comma or a space,
    else at the limit).

    >>> text_pieces("バスが少ない。病院が遠い。ゴミ出しが大変。", limit=10)
    ['バスが少ない。', '病院が遠い。', 'ゴミ出しが大変。']
    """
    pieces = []
    start = 0
    while len(text) - start > limit:
        window = text[start : start + limit]
        cut = limit
        for pattern in _PIECE_ENDS:
            ends = [match.end() for match in pattern.finditer(window) if match.end() <= limit]
            if ends:
                cut = ends[-1]
                break
        pieces.append(text[start : start + cut])
        start += cut
    pieces.append(text[start:])
    return pieces
