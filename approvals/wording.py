"""Short forms of long Thai texts: a title cut to a length is cut between words, never inside one.

Thai has no spaces between words, so the boundaries come from libthai's dictionary word breaker
(`reports.thai.word_breaks`, the one the PDF renderer uses; libthai0 is installed in the image). Without
libthai the breaker falls back to grapheme clusters: a cut may then fall inside a word, never inside a
character cluster.
"""

from __future__ import annotations

ELLIPSIS = "…"


def shorten(text: str, limit: int, placeholder: str = ELLIPSIS) -> str:
    """`text` if it is at most `limit` characters long; otherwise its longest beginning that ends at a word
    boundary and, with `placeholder`, fits in `limit`. A first word longer than the limit is cut at the limit."""
    from reports.thai import word_breaks

    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = max(limit - len(placeholder), 1)
    fitting = [position for position in word_breaks(text) if position <= room]
    cut = text[: fitting[-1]] if fitting else text[:room]
    return cut.rstrip(" ,;:-–") + placeholder
