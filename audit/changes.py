"""Reading history for people: what changed in a history row, field by field, and the agency-wide
change log, paged by seeking on the ledger's (chain, seq) key so that a page costs the same at a
thousand history rows as at millions (no OFFSET, no COUNT over the ledger)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from approvals.models import Action, Division, User
from approvals.templatetags.history_labels import reason_label
from audit import seal, words
from audit.models import Seal, SealLayout
from audit.seal.tables import HistoryModel
from audit.words import HISTORY_TYPES

# How far back one change-log page searches when a filter leaves most rows out: each page stays
# bounded, and the page offers to search further back.
SCAN_WINDOW = 20000
# Fields that say nothing to a reader of a change: the agency is the page's own, the fingerprint a hash,
# the token viewflow's own bookkeeping of parallel branches.
QUIET_FIELDS = {"agency", "fingerprint", "token"}
# Shown as changed, never with their values (a password hash is nobody's business, auditors' included).
SECRET_FIELDS = {"password"}


@dataclass
class FieldChange:
    label: str
    old: str
    new: str
    # For a reference to a person: the user ids, replaced by names in `attach_users`.
    people: tuple[Any, Any] | None = None


@dataclass
class Change:
    """One history row, ready to show: who changed which record when and why, and what changed."""

    history_id: int
    table: str
    kind: str
    object_id: Any
    history_type: str
    when: datetime.datetime
    user_id: int | None
    reason: str
    changes: list[FieldChange] = field(default_factory=list)
    row: Any = None
    seq: int | None = None
    action_id: int | None = None
    user: User | None = None
    on_behalf_of: User | None = None
    record: str = ""
    division_id: int | None = None
    # Named when the page is built (`name_places`): the action by number and title, its indicator, the division.
    action_label: str = ""
    indicator_label: str = ""
    division_label: str = ""

    @property
    def type_label(self) -> str:
        return str(HISTORY_TYPES.get(self.history_type, self.history_type))


def name_places(changes: list[Change]) -> None:
    """Name the action, indicator and division of each change (inside `words.names()`: once a page)."""
    for change in changes:
        if change.action_id:
            change.action_label = words.name_of(Action, change.action_id)
            change.indicator_label = words.indicator_of_action(change.action_id)
        if change.division_id:
            change.division_label = words.division_name(change.division_id)


def display_value(model_field: models.Field, value: Any, row: Any = None) -> str:
    """A field's value as a person reads it (audit/words.py)."""
    return words.value_words(model_field, value, row)


def field_changes(row: Any, previous: Any | None) -> list[FieldChange]:
    """Field-by-field changes of a history row against the one before it (all filled fields when created)."""
    changes = []
    for model_field in type(row).tracked_fields:
        if model_field.primary_key or model_field.name in QUIET_FIELDS or words.is_hidden(model_field, row):
            continue
        if previous is None and model_field.is_relation and model_field.related_model is not User:
            continue  # a new record's links are its context (agency, action, ...), shown elsewhere
        new = getattr(row, model_field.attname)
        old = getattr(previous, model_field.attname) if previous is not None else None
        if old == new or (previous is None and new in (None, "", [], {})):
            continue
        if model_field.name in SECRET_FIELDS:
            changes.append(FieldChange(str(model_field.verbose_name), "", _("(changed, not shown)")))
            continue
        people = (old, new) if model_field.is_relation and model_field.related_model is User else None
        if people:
            old_words, new_words = str(old or ""), str(new or "")  # named in attach_users, one query a page
        else:
            old_words = display_value(model_field, old, previous)
            new_words = display_value(model_field, new, row)
            if old_words == new_words:
                continue  # a change only of what is not shown (a key, an id inside the system's JSON)
        changes.append(FieldChange(words.field_label(model_field, row), old_words, new_words, people))
    return changes


def kind_of(model: HistoryModel) -> str:
    return str(model.instance_type._meta.verbose_name)


def record_kinds() -> list[tuple[str, str]]:
    """(table, name) of every kind of historised record, for the filter."""
    return sorted(((table, kind_of(model)) for table, model in seal.history_models().items()), key=lambda k: k[1])


def changes_for_rows(model: HistoryModel, rows: Iterable[Any], previous: dict[int, Any]) -> list[Change]:
    result = []
    for row in rows:
        result.append(
            Change(
                history_id=row.history_id,
                table=model._meta.db_table,
                kind=kind_of(model),
                object_id=getattr(row, "id", None),
                history_type=row.history_type,
                when=row.history_date,
                user_id=row.history_user_id,
                # A code the system wrote, translated; words a person typed, as typed (audit/reasons.py); the
                # short English reasons of releases before codes, in words (history_labels).
                reason=reason_label(row.get_history_reason_display()),
                changes=field_changes(row, previous.get(row.history_id)),
                row=row,
                action_id=getattr(row, "action_id", None),
                record=words.record_label(row),
                division_id=getattr(row, "division_id", None),
            )
        )
    return result


def load_changes(model: HistoryModel, history_ids: list[int]) -> dict[int, Change]:
    """History rows of one table with the row before each (two queries)."""
    rows, previous = load_rows(model, history_ids)
    return {change.history_id: change for change in changes_for_rows(model, rows, previous)}


def load_rows(model: HistoryModel, history_ids: list[int]) -> tuple[list[Any], dict[int, Any]]:
    """History rows of one table and the row before each, by history_id (two queries)."""
    earlier = model.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by("-history_id")
    rows = list(
        model.objects.filter(history_id__in=history_ids).annotate(
            previous_id=Subquery(earlier.values("history_id")[:1])
        )
    )
    previous_rows = model.objects.in_bulk([r.previous_id for r in rows if r.previous_id], field_name="history_id")
    previous = {r.history_id: previous_rows.get(r.previous_id) for r in rows}
    return rows, previous


def attach_users(changes: list[Change]) -> None:
    """Name the people: who made each change, and people a changed field refers to (one query)."""
    ids = {c.user_id for c in changes if c.user_id}
    ids |= {
        on_behalf_of for c in changes if (on_behalf_of := getattr(c.row, "history_on_behalf_of_id", None)) is not None
    }
    for change in changes:
        for item in change.changes:
            if item.people:
                ids |= {pk for pk in item.people if pk}
    users = User.objects.in_bulk(ids)
    for change in changes:
        change.user = users.get(change.user_id)
        change.on_behalf_of = users.get(getattr(change.row, "history_on_behalf_of_id", None))
        for item in change.changes:
            if item.people:
                old, new = (users.get(pk) for pk in item.people)
                item.old, item.new = (str(old) if old else item.old), (str(new) if new else item.new)


@dataclass
class Filters:
    user_id: int | None = None
    table: str = ""
    division_id: int | None = None
    indicator_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None

    @property
    def narrows(self) -> bool:
        """Whether the filter leaves rows out inside the seq range (dates only bound the range)."""
        return bool(self.user_id or self.table or self.division_id or self.indicator_id)


def _first_seq_from(chain: int, moment: datetime.datetime, head: int) -> int:
    """The first seq of the chain sealed at or after `moment` (seals are sealed in seq order)."""
    low, high = 1, head + 1
    while low < high:
        middle = (low + high) // 2
        sealed_at = (
            Seal.objects.filter(chain=chain, seq__gte=middle)
            .order_by("seq")
            .values_list("sealed_at", flat=True)
            .first()
        )
        if sealed_at is not None and sealed_at < moment:
            low = middle + 1
        else:
            high = middle
    return low


def head_seq(chain: int) -> int:
    return Seal.objects.filter(chain=chain).order_by("-seq").values_list("seq", flat=True).first() or 0


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def seq_range(chain: int, filters: Filters) -> tuple[int, int]:
    """[low, high) of the seqs inside the date range."""
    head = head_seq(chain)
    low, high = 1, head + 1
    if filters.date_from:
        low = _first_seq_from(chain, _start_of(filters.date_from), head)
    if filters.date_to:
        high = _first_seq_from(chain, _start_of(filters.date_to + datetime.timedelta(days=1)), head)
    return low, high


def _narrowed(queryset: models.QuerySet, filters: Filters) -> models.QuerySet:
    if filters.user_id:
        queryset = queryset.filter(history_user_id=filters.user_id)
    if filters.table:
        queryset = queryset.filter(layout_id__in=SealLayout.objects.filter(table_name=filters.table).values("id"))
    if filters.division_id:
        queryset = queryset.filter(division_id=filters.division_id)
    if filters.indicator_id:
        actions = list(Action.objects.filter(indicator_id=filters.indicator_id).values_list("pk", flat=True))
        indicator_table = seal._history_table_of("approvals.Indicator")
        indicator_layouts = SealLayout.objects.filter(table_name=indicator_table).values("id")
        queryset = queryset.filter(
            Q(action_id__in=actions) | Q(layout_id__in=indicator_layouts, object_id=filters.indicator_id)
        )
    return queryset


@dataclass
class Page:
    changes: list[Change]
    next_before: int | None  # the `before` of the next (older) page, None at the start of the chain
    searched_to: int | None  # set when the page stopped at its search window rather than filling up


def _seals_page(chain: int, filters: Filters, before: int | None, size: int) -> tuple[list[Seal], int | None, bool]:
    low, high = seq_range(chain, filters)
    upper = min(before, high) if before else high
    lower = max(low, upper - SCAN_WINDOW) if filters.narrows else low
    seals = list(
        _narrowed(Seal.objects.filter(chain=chain, seq__lt=upper, seq__gte=lower), filters)
        .select_related("layout")
        .order_by("-seq")[: size + 1]
    )
    if len(seals) > size:
        return seals[:size], seals[size - 1].seq, False
    if lower > low:
        return seals, lower, True
    return seals, None, False


def changes_for_seals(seals: list[Seal]) -> list[Change]:
    with words.names():
        # The page's actions by number and title, in one query (the rows and the export name them).
        words.remember(
            Action,
            Action.objects.select_related("indicator").in_bulk({s.action_id for s in seals if s.action_id}),
        )
        words.remember(Division, Division.objects.in_bulk({s.division_id for s in seals if s.division_id}))
        return _changes_for_seals(seals)


def _changes_for_seals(seals: list[Seal]) -> list[Change]:
    models_by_table = seal.history_models()
    wanted: dict[str, list[int]] = defaultdict(list)
    for item in seals:
        wanted[item.layout.table_name].append(item.history_id)
    read = [(model, *load_rows(model, ids)) for table, ids in wanted.items() if (model := models_by_table.get(table))]
    # The words twice: first to learn which records they name (read then, one query per kind of record), then
    # with every name at hand, so that a page costs the same number of queries whatever its size.
    with words.collecting():
        for model, rows, previous in read:
            changes_for_rows(model, rows, previous)
            for row in rows:
                words.record_label(row)
    loaded: dict[tuple[str, int], Change] = {}
    change: Change | None
    for model, rows, previous in read:
        for change in changes_for_rows(model, rows, previous):
            loaded[(model._meta.db_table, change.history_id)] = change
    result = []
    for item in seals:
        change = loaded.get((item.layout.table_name, item.history_id))
        if change is None:
            continue  # the row is gone: audit_verify reports it
        change.seq = item.seq
        change.action_id = item.action_id
        change.division_id = item.division_id or change.division_id
        result.append(change)
    attach_users(result)
    name_places(result)
    return result


def change_log_page(chain: int, filters: Filters, before: int | None = None, size: int | None = None) -> Page:
    size = size or settings.AUDIT_CHANGE_LOG_PAGE_SIZE
    seals, next_before, windowed = _seals_page(chain, filters, before, size)
    return Page(
        changes=changes_for_seals(seals), next_before=next_before, searched_to=next_before if windowed else None
    )


def all_changes(chain: int, filters: Filters, batch: int = 500) -> Iterator[Change]:
    """Every change matching the filters, newest first, for exports (keyset through the whole range)."""
    before = None
    low, high = seq_range(chain, filters)
    while True:
        upper = min(before, high) if before else high
        seals = list(
            _narrowed(Seal.objects.filter(chain=chain, seq__lt=upper, seq__gte=low), filters)
            .select_related("layout")
            .order_by("-seq")[:batch]
        )
        if not seals:
            return
        yield from changes_for_seals(seals)
        before = seals[-1].seq
