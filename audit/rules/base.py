"""What every rule is made of."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

CHAIN_BROKEN_TITLE = _("History altered outside the app")


@dataclass
class Hit:
    """One thing a rule found."""

    key: str
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)
    action_id: int | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    title: str | Promise
    rationale: str | Promise
    severity: str
    scan: Callable[..., Iterable[Hit]]
    # For records of no agency (the global chain): run once by a scan of every agency.
    scan_platform: Callable[..., Iterable[Hit]] | None = None


def setting(name: str) -> int:
    return int(getattr(settings, name))


def local(moment: datetime.datetime) -> datetime.datetime:
    """A moment in the agency's time zone (Asia/Bangkok)."""
    return timezone.localtime(moment)


def person(user) -> dict[str, Any]:
    if user is None:
        return {"id": None, "name": ""}
    return {"id": user.pk, "name": str(user), "username": user.username}
