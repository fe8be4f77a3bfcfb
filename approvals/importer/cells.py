"""Read the contents of one measures-table cell: the actions, the responsible divisions, the results."""

from __future__ import annotations

import re
from dataclasses import dataclass

from approvals.importer.text import match_key, normalise_space, paragraphs, to_int

_DIGITS = "0-9๐-๙"
# A list item opens a paragraph with "๑." / "1)" or a dash/bullet sign. The text must follow directly, so a
# lone number ("๒๕๖๖") or a dash used as a separator is not taken for a marker.
_NUMBER_AT_START = re.compile(rf"^([{_DIGITS}]{{1,2}})\s*[.)]\s*(?=\S)")
_BULLET_AT_START = re.compile(r"^[-•●▪◦–]\s*(?=\S)")
# Inside a paragraph only " - " and " ๓. " count, and only when a letter follows: "๑ - ๕ ตุลาคม", "2.5" and
# "E-Service" are text. The cell has to be a list already (see split_actions) before these are considered.
_INLINE_MARKER = re.compile(rf"(?<=\s)(?:(-)|([{_DIGITS}]{{1,2}})\.)\s*(?=[^\W\d_]|[\"“(])")

# Words that open the name of a unit of a local administration, or of a post standing in for one.
_UNIT_PREFIXES = (
    "สำนัก",
    "กอง",
    "ฝ่าย",
    "งาน",
    "หน่วย",
    "ศูนย์",
    "ส่วน",
    "ทุก",
    "ปลัด",
    "รองปลัด",
    "นายก",
    "หัวหน้า",
    "ผู้อำนวยการ",
    "คณะ",
    "เจ้าหน้าที่",
    "นัก",
    "โรงเรียน",
)
# "ทุกส่วนราชการ" and its variants mean every division of the agency.
_ALL_UNITS = re.compile(r"^ทุก(?:ส่วน|กอง|สำนัก|หน่วยงาน|ฝ่าย)")
# A short word after a unit name, before the next unit or the end, belongs to it ("กองการศึกษา ศาสนาและ…").
_NAME_TAIL_MAX = 25
# Units are listed with spaces, commas or semicolons; "/" stays inside a name ("ทุกสำนัก/กอง/ฝ่าย").
_WORD_BREAK = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class CellAction:
    """One action (แนวทาง) found in an approach cell: its marker as written ("๑", "2", or "" for a bullet)."""

    number: str
    text: str


@dataclass(frozen=True)
class Responsible:
    """What a responsible cell says: the units in the order written, and any text that is not a unit."""

    units: tuple[str, ...]
    other_text: str

    def for_all_actions(self) -> list[str] | str:
        """The units as one value for every action of the row: "all" if any of them is every division."""
        if any(_ALL_UNITS.match(match_key(unit)) for unit in self.units):
            return "all"
        return list(dict.fromkeys(self.units))

    def paired(self, count: int) -> list[list[str] | str] | None:
        """One value per action when the cell lists exactly one unit per action, else None."""
        if count < 2 or len(self.units) != count:
            return None
        return ["all" if _ALL_UNITS.match(match_key(unit)) else [unit] for unit in self.units]


def split_actions(cell: str) -> list[CellAction]:
    """Split an approach cell into actions: each bullet or numbered item is one action.

    Text before the first item, or a cell without items, is one unnumbered action. A paragraph that does not
    open with a marker continues the item before it ("ส่วนที่ ๑ …" under "๒. จัดทำมาตรการ…"). Inside a
    paragraph, " - " splits only a bulleted list, and " ๓. " only a list whose numbers it continues upwards,
    so that prose mentioning numbers stays whole.
    """
    cell_paragraphs = paragraphs(cell)
    opens_with_bullet = bool(cell_paragraphs) and _BULLET_AT_START.match(cell_paragraphs[0]) is not None
    items: list[tuple[str, list[str]]] = []
    has_marker = False
    last_number: int | None = None
    for paragraph in cell_paragraphs:
        marker, text = _opening_marker(paragraph)
        if marker is not None:
            items.append((marker, []))
            has_marker = True
            last_number = to_int(marker) if marker else last_number
        elif not items:
            items.append(("", []))
        bulleted = opens_with_bullet or marker == ""
        start = 0
        for found in _INLINE_MARKER.finditer(text):
            if found.group(1) and not bulleted:
                continue
            if found.group(2):
                number = to_int(found.group(2))
                if not has_marker or (last_number is not None and number <= last_number):
                    continue
                last_number = number
            items[-1][1].append(text[start : found.start()])
            items.append((found.group(2) or "", []))
            start = found.end()
        items[-1][1].append(text[start:])
    actions = [CellAction(number, normalise_space(" ".join(parts))) for number, parts in items]
    return [action for action in actions if action.text]


def read_responsible(cell: str) -> Responsible:
    """Read the units named in a responsible cell, keeping one entry per mention.

    Paragraphs and line breaks are read as spaces first: the same cell arrives as "<p>a</p><p>b</p>", as
    "a b" once a converter dropped the HTML, or as "ทุกส่วน\\nราชการ" after a page break. The cell is then read
    word by word: a word opening with a unit prefix starts a unit, "ทุกส่วน"+"ราชการ" are one, a short word
    before the next unit finishes the name, and the first other word starts free text.
    """
    words = _WORD_BREAK.split(" ".join(paragraphs(cell)))
    units: list[str] = []
    index = 0
    while index < len(words) and words[index]:
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == "ทุกส่วน" and following == "ราชการ":
            units.append("ทุกส่วนราชการ")
            index += 2
        elif word.startswith(_UNIT_PREFIXES):
            units.append(word)
            index += 1
        elif units and len(word) <= _NAME_TAIL_MAX and (not following or following.startswith(_UNIT_PREFIXES)):
            units[-1] = f"{units[-1]} {word}"
            index += 1
        else:
            break
    other = " ".join(words[index:]).strip()
    if not units and other and len(other) <= 2 * _NAME_TAIL_MAX:
        # A short cell naming a post we have no prefix for ("ปลัด อบต.", "นิติกร") is still the responsible.
        return Responsible((other,), "")
    return Responsible(tuple(units), other)


def text_block(cell: str) -> str:
    """Return a results or outcome cell as lines: one per paragraph, each bullet on its own "- " line."""
    lines: list[str] = []
    for paragraph in paragraphs(cell):
        if _BULLET_AT_START.match(paragraph) is None:
            lines.append(paragraph)
            continue
        body = _BULLET_AT_START.sub("", paragraph)
        start = 0
        for found in _INLINE_MARKER.finditer(body):
            if found.group(1):
                lines.append(f"- {normalise_space(body[start : found.start()])}")
                start = found.end()
        lines.append(f"- {normalise_space(body[start:])}")
    return "\n".join(line for line in lines if line.strip() not in ("", "-"))


def opens_list_item(paragraph: str) -> bool:
    """Whether a paragraph opens with a list marker ("๑.", "2)", "-", "•")."""
    return _NUMBER_AT_START.match(paragraph) is not None or _BULLET_AT_START.match(paragraph) is not None


def _opening_marker(paragraph: str) -> tuple[str | None, str]:
    number = _NUMBER_AT_START.match(paragraph)
    if number:
        return number.group(1), paragraph[number.end() :]
    bullet = _BULLET_AT_START.match(paragraph)
    if bullet:
        return "", paragraph[bullet.end() :]
    return None, paragraph
