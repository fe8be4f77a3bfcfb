"""The OIT catalogues (แบบตรวจการเปิดเผยข้อมูลสาธารณะ, OIT) shipped as data, one file per assessment year in
`oit/catalogues/<B.E. year>.json`, each citing the public sources it was researched from.

The numbering of the items changes between years (O1–O43 in 2566–2567; local agencies' items were renumbered
and merged for 2568), so nothing in the code knows an item number: everything comes from the file. A file is
checked whole before anything is written: a duplicate item or a missing field is refused with a message that
names the file and the item.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from approvals.exceptions import InvalidTransition

ITEM_FIELDS = ("number", "title", "publish", "division", "period", "indicator")


class CatalogueError(InvalidTransition):
    """A catalogue file that cannot be used, with the place that is wrong."""


@dataclass(frozen=True)
class CatalogueItem:
    position: int
    number: str
    title: str
    publish: str
    division: str
    period: str
    indicator: int
    confirmed: bool


@dataclass(frozen=True)
class Catalogue:
    year: int
    title: str
    status: str
    indicators: dict[int, str]
    items: tuple[CatalogueItem, ...]
    sources: tuple[dict[str, str], ...]
    notes: tuple[str, ...]

    @property
    def divisions(self) -> list[str]:
        """The usual responsible divisions the items name, in the order they first appear."""
        return list(dict.fromkeys(item.division for item in self.items))

    @property
    def usable(self) -> bool:
        """A catalogue can be adopted when it lists its items; one the file says is unconfirmed or incomplete
        (only part of the year's items were found in public sources) cannot."""
        return self.status not in ("unconfirmed", "incomplete") and bool(self.items)

    @property
    def confirmed_count(self) -> int:
        return sum(1 for item in self.items if item.confirmed)

    @property
    def unconfirmed(self) -> list[CatalogueItem]:
        """The items whose wording was not confirmed against a cited public source."""
        return [item for item in self.items if not item.confirmed]


def directory() -> Path:
    return Path(getattr(settings, "OIT_CATALOGUE_DIR", Path(__file__).resolve().parent / "catalogues"))


def available_years() -> list[int]:
    """The assessment years a catalogue file is shipped for, newest first."""
    return sorted((int(path.stem) for path in directory().glob("*.json") if path.stem.isdigit()), reverse=True)


def load(year: int) -> Catalogue:
    path = directory() / f"{year}.json"
    if not path.is_file():
        raise CatalogueError(_("No OIT catalogue is shipped for %(year)s.") % {"year": year})
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CatalogueError(
            _("The OIT catalogue file %(file)s cannot be read: %(error)s") % {"file": path.name, "error": error}
        ) from None
    return parse(data, name=path.name)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def parse(data: Any, *, name: str) -> Catalogue:
    """Check a catalogue whole and return it; the first problem found is raised with its place."""
    if not isinstance(data, dict):
        raise CatalogueError(_("%(file)s: the catalogue must be an object with its items.") % {"file": name})
    year = data.get("assessment_year")
    if not isinstance(year, int) or not 2500 <= year <= 2700:
        raise CatalogueError(
            _("%(file)s: the field %(field)s is missing or is not a Buddhist-Era year.")
            % {"file": name, "field": "assessment_year"}
        )
    indicators_raw = data.get("indicators")
    if not isinstance(indicators_raw, dict) or not indicators_raw:
        raise CatalogueError(_("%(file)s: the field %(field)s is missing.") % {"file": name, "field": "indicators"})
    indicators: dict[int, str] = {}
    for key, label in indicators_raw.items():
        if not str(key).isdigit() or not 1 <= int(key) <= 10 or not _text(label):
            raise CatalogueError(
                _("%(file)s: indicator %(indicator)s needs a number from 1 to 10 and a name.")
                % {"file": name, "indicator": key}
            )
        indicators[int(key)] = _text(label)
    items_raw = data.get("items")
    if not isinstance(items_raw, list):
        raise CatalogueError(_("%(file)s: the field %(field)s is missing.") % {"file": name, "field": "items"})
    items: list[CatalogueItem] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(items_raw, start=1):
        if not isinstance(raw, dict):
            raise CatalogueError(
                _("%(file)s, item %(position)s: each item must be an object.") % {"file": name, "position": position}
            )
        label = _text(raw.get("number")) or "?"
        for field_name in ITEM_FIELDS:
            value = raw.get(field_name)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise CatalogueError(
                    _("%(file)s, item %(position)s (%(number)s): the field %(field)s is missing.")
                    % {"file": name, "position": position, "number": label, "field": field_name}
                )
        number = _text(raw["number"])
        if len(number) > 10:
            raise CatalogueError(
                _("%(file)s, item %(position)s (%(number)s): an item number has at most 10 characters.")
                % {"file": name, "position": position, "number": number}
            )
        key = number.casefold()
        if key in seen:
            raise CatalogueError(
                _("%(file)s, item %(position)s: the item %(number)s is listed twice (first as item %(first)s).")
                % {"file": name, "position": position, "number": number, "first": seen[key]}
            )
        seen[key] = position
        indicator = raw["indicator"]
        if not isinstance(indicator, int) or indicator not in indicators:
            raise CatalogueError(
                _("%(file)s, item %(position)s (%(number)s): the indicator %(indicator)s is not one of the file's.")
                % {"file": name, "position": position, "number": number, "indicator": indicator}
            )
        items.append(
            CatalogueItem(
                position=position,
                number=number,
                title=_text(raw["title"])[:500],
                publish=_text(raw["publish"]),
                division=_text(raw["division"])[:200],
                period=_text(raw["period"])[:300],
                indicator=indicator,
                confirmed=raw.get("confirmed") is True,
            )
        )
    return Catalogue(
        year=year,
        title=_text(data.get("title")),
        status=_text(data.get("status")) or "published",
        indicators=indicators,
        items=tuple(items),
        sources=tuple(s for s in data.get("sources") or [] if isinstance(s, dict)),
        notes=tuple(n for n in data.get("notes") or [] if isinstance(n, str)),
    )
