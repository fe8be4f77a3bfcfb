"""Thai line breaking for the PDF renderer.

Thai is written without spaces between words, and fpdf2 only breaks lines at spaces (or, failing that,
anywhere, which can separate a vowel or tone mark from its consonant). We find word boundaries with
libthai's dictionary breaker (the library Pango uses, installed with Chromium's dependencies and with
`libthai0`), and fall back to breaking between grapheme clusters when libthai is not available: a line
may then end inside a word, but never inside a cluster.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import re
from collections.abc import Callable

logger = logging.getLogger(__name__)

# Characters that attach to the preceding character (above/below vowels, tone marks, and the vowels
# that follow their consonant), and leading vowels that attach to the following consonant.
_COMBINING = set("\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e")
_FOLLOWING_VOWELS = set("\u0e30\u0e32\u0e33\u0e45\u0e46")
_LEADING_VOWELS = set("\u0e40\u0e41\u0e42\u0e43\u0e44")


@functools.cache
def _libthai() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("thai") or "libthai.so.0"
    try:
        lib = ctypes.CDLL(name)
        lib.th_wbrk.argtypes = [ctypes.c_wchar_p, ctypes.POINTER(ctypes.c_int), ctypes.c_size_t]
        lib.th_wbrk.restype = ctypes.c_int
    except (OSError, AttributeError):
        logger.warning("libthai is not available: Thai lines will break between characters, not words")
        return None
    return lib


def _cluster_breaks(text: str) -> list[int]:
    """Positions between grapheme clusters of a Thai run (the fallback)."""
    breaks = []
    for index in range(1, len(text)):
        char, previous = text[index], text[index - 1]
        if char in _COMBINING or char in _FOLLOWING_VOWELS or previous in _LEADING_VOWELS:
            continue
        breaks.append(index)
    return breaks


def word_breaks(text: str) -> list[int]:
    """Positions inside `text` where a line may break (between Thai words, and after spaces)."""
    positions: set[int] = {index + 1 for index, char in enumerate(text) if char == " "}
    for match in re.finditer("[\u0e00-\u0e7f]+", text):
        run, start = match.group(), match.start()
        lib = _libthai()
        if lib is not None:
            found = (ctypes.c_int * (len(run) + 1))()
            count = lib.th_wbrk(run, found, len(run) + 1)
            inner = [found[i] for i in range(max(count, 0))]
        else:
            inner = _cluster_breaks(run)
        positions.update(start + position for position in inner if 0 < position < len(run))
        # A Thai run may also break where it meets a Latin word or a number, never at punctuation.
        if start > 0 and text[start - 1].isascii() and text[start - 1].isalnum():
            positions.add(start)
        if match.end() < len(text) and text[match.end()].isascii() and text[match.end()].isalnum():
            positions.add(match.end())
    return sorted(positions)


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """Break `text` into lines no wider than `width`, keeping its own line breaks.

    `measure` returns the printed width of a string (e.g. fpdf's `get_string_width`). A single word
    wider than the line is cut between grapheme clusters.
    """
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines.extend(_wrap_paragraph(paragraph.strip(), width, measure))
    return lines


def _wrap_paragraph(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    if not text:
        return [""]
    pieces, start = [], 0
    for position in [*word_breaks(text), len(text)]:
        if position > start:
            pieces.append(text[start:position])
            start = position
    # A line's width is the sum of its pieces' widths (Thai shapes within a word, never across a break),
    # so each piece is measured on its own, once, and `measure` may cache it.
    lines: list[str] = []
    current, current_width = "", 0.0
    for piece in pieces:
        if current and current_width + measure(piece.rstrip()) > width:
            lines.append(current.rstrip())
            piece = piece.lstrip()
            current, current_width = "", 0.0
        if not current:
            while len(piece) > 1 and measure(piece.rstrip()) > width:
                # A single word wider than the line.
                head, piece = _cut(piece, width, measure)
                lines.append(head)
        current += piece
        current_width += measure(piece)
    if current.strip() or not lines:
        lines.append(current.rstrip())
    return lines


def _cut(text: str, width: float, measure: Callable[[str], float]) -> tuple[str, str]:
    """The longest head of `text` that fits, cut between grapheme clusters."""
    cuts = _cluster_breaks(text)
    best = cuts[0] if cuts else len(text)
    for position in cuts:
        if measure(text[:position]) > width:
            break
        best = position
    return text[:best], text[best:]
