"""Small text helpers shared by the importer: digits, whitespace and the HTML left in table cells."""

from __future__ import annotations

import html
import re

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_TO_ARABIC = str.maketrans(THAI_DIGITS, "0123456789")

_SPACE = re.compile(r"\s+")
# Thai word processors sprinkle zero-width spaces as word-break hints; they never change the meaning.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")

_LIST_ITEM_OPEN = re.compile(r"<\s*li\b[^>]*>", re.IGNORECASE)
_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:p|div|br|li|ul|ol|tr|td|th|table|tbody|thead|h[1-6])\b[^>]*>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]*>")
_DOUBLE_BULLET = re.compile(r"^-\s+(?=[-•])")


def to_arabic(text: str) -> str:
    """Return ``text`` with Thai digits (เลขไทย) replaced by Arabic digits."""
    return text.translate(_TO_ARABIC)


def to_int(digits: str) -> int:
    """Read a number written in Thai or Arabic digits."""
    return int(to_arabic(digits))


def normalise_space(text: str) -> str:
    """Collapse every run of whitespace (including no-break spaces) into one space and trim the ends."""
    return _SPACE.sub(" ", text).strip()


def match_key(text: str) -> str:
    """Return ``text`` without any whitespace, for comparing Thai phrases that a PDF conversion broke up.

    Thai writes words without spaces, so a stray space inside a name ("การใช้ทรัพย์สินของ ราชการ") is noise.
    """
    return _SPACE.sub("", _ZERO_WIDTH.sub("", text))


def paragraphs(cell: str) -> list[str]:
    """Split a table cell into its paragraphs, dropping the HTML that the converter left in it.

    Block tags (``<p>``, ``<br>``, ``<li>``…) and line breaks end a paragraph; inline tags (``<u>``, ``<b>``)
    vanish; entities are decoded. A ``<li>`` becomes a "- " bullet so that HTML lists and hand-typed dashes
    read the same. Empty paragraphs are dropped and whitespace is normalised.
    """
    text = _LIST_ITEM_OPEN.sub("\n- ", cell)
    text = _BLOCK_TAG.sub("\n", text)
    text = html.unescape(_ANY_TAG.sub("", text))
    result = []
    for raw in text.split("\n"):
        paragraph = _DOUBLE_BULLET.sub("", normalise_space(raw))
        if paragraph:
            result.append(paragraph)
    return result


def plain(cell: str) -> str:
    """Return the cell's text on one line, without HTML."""
    return " ".join(paragraphs(cell))
