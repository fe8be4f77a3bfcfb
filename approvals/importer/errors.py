"""Errors and warnings of the ITA report importer, always Thai first, then English."""

from __future__ import annotations


def bilingual(thai: str, english: str, line: int | None = None) -> str:
    """Join a Thai and an English message, prefixed with the line they refer to.

    Clerks read the Thai half; the English half is for developers and logs. Both halves carry the line number
    so that either can be quoted on its own.
    """
    if line is None:
        return f"{thai} / {english}"
    return f"บรรทัด {line}: {thai} / line {line}: {english}"


class ReportError(Exception):
    """The file is not a readable ITA year-end report (รายงานผลการดำเนินงานตามมาตรการ ITA).

    Every failure of the importer surfaces as this one exception type, so that a view can show the message to
    the clerk who uploaded the file instead of a server error. ``line`` is the 1-based line of the decoded
    text where the problem was found, or None when it concerns the whole file (empty, binary, encoding).
    """

    def __init__(self, thai: str, english: str, *, line: int | None = None) -> None:
        self.line = line
        self.thai = thai
        self.english = english
        super().__init__(bilingual(thai, english, line))
