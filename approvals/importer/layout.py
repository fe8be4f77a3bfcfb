"""A Word or PDF report laid out as the text the parser reads, remembering where each line came from.

The parser (approvals/importer/parser.py) reads the text that Word exports: one line per paragraph, one
tab-separated line per table row. A .docx or a PDF is turned into that same text, so that both meet the same
rules, warnings and limits. A cell's paragraphs are joined with ``<br>`` (the parser's ``paragraphs()`` reads
block tags as paragraph breaks), so a row always stays on one line. Each line keeps its place in the file
("table 2, row 5", "page 3"), and errors and warnings that name a line of that text name the place instead.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from approvals.importer.errors import ReportError, bilingual

_LINE_WARNING = re.compile(r"^บรรทัด (\d+): (.*) / line \1: (.*)$", re.DOTALL)
_TAB = re.compile(r"[\t\r\n\x0b\x0c]+")


@dataclass(frozen=True)
class Place:
    """Where a line of the laid-out text is in the original file, in Thai and in English."""

    thai: str
    english: str


@dataclass
class Layout:
    """The text of a report file, line by line, with the place of each line."""

    lines: list[str] = field(default_factory=list)
    places: list[Place | None] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def paragraph(self, text: str, place: Place | None) -> None:
        """A line of running text; a tab in it would make it a table row, so tabs become spaces."""
        self._add(_TAB.sub(" ", text).strip(), place)

    def row(self, cells: Iterable[Iterable[str]], place: Place | None) -> None:
        """A table row: each cell given as its paragraphs."""
        self._add("\t".join(cell_text(paragraphs) for paragraphs in cells), place)

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self._add("", None)

    def place_of(self, line: int | None) -> Place | None:
        if line is None or not 1 <= line <= len(self.places):
            return None
        return self.places[line - 1]

    def error(self, exc: ReportError) -> ReportError:
        """The parser's error with the place in the file instead of the line of the laid-out text."""
        if exc.line is None:
            return exc
        place = self.place_of(exc.line)
        if place is None:
            return ReportError(exc.thai, exc.english)
        return ReportError(f"{place.thai}: {exc.thai}", f"{place.english}: {exc.english}")

    def warnings(self, warnings: list[str]) -> list[str]:
        """The parser's warnings with places in the file instead of lines of the laid-out text."""
        result = []
        for warning in warnings:
            found = _LINE_WARNING.match(warning)
            place = self.place_of(int(found.group(1))) if found else None
            if found is None:
                result.append(warning)
            elif place is None:
                result.append(bilingual(found.group(2), found.group(3)))
            else:
                result.append(f"{place.thai}: {found.group(2)} / {place.english}: {found.group(3)}")
        return result

    def _add(self, line: str, place: Place | None) -> None:
        self.lines.append(line)
        self.places.append(place)


def cell_text(paragraphs: Iterable[str]) -> str:
    """One cell on one line: its paragraphs escaped and joined with <br>."""
    parts = [html.escape(_TAB.sub(" ", paragraph).strip(), quote=False) for paragraph in paragraphs]
    return "<br>".join(part for part in parts if part)
