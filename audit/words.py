"""History in words (ประวัติเป็นถ้อยคำ): every value of a history row as a person reads it, in the reader's
language. Choices by their label, related records by name, dates and times in the Buddhist Era, amounts in
baht; the data the system keeps in JSON (a finding's evidence, what a check checked, a notification's
details, viewflow's task data) as labelled words; internal records (notification keys, permission codes,
file paths in storage, database ids) hidden or said in words. The change log, the action timeline and
their exports all read values through this module, so that they say the same thing.

Names of related records are looked up once per page (`names()`), not once per row.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import decimal
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.thaidate import be_date, be_datetime

LONG_TEXT = 300

# viewflow's kinds of workflow step (Task.flow_task_type), in words.
TASK_TYPES = {
    "START": gettext_lazy("start of the process"),
    "HUMAN": gettext_lazy("a person's task"),
    "END": gettext_lazy("end of the process"),
    "EXCLUSIVE_GATEWAY": gettext_lazy("choice of the next step"),
    "SWITCH": gettext_lazy("choice of the next step"),
    "PARALLEL_GATEWAY": gettext_lazy("hand-out to several divisions"),
    "SPLIT": gettext_lazy("hand-out to several divisions"),
    "JOIN": gettext_lazy("gathering of the divisions' work"),
    "FUNCTION": gettext_lazy("a step done by the system"),
    "JOB": gettext_lazy("a step done by the system"),
}

# Fields whose values are the system's own bookkeeping, never shown: a notification's key (the effect it
# came from and its recipient, e.g. approved:decision:43:user:7) and its link, a delivery's retry key, the
# place a file is stored (named by its SHA-256, which the row shows in its own field).
HIDDEN_FIELDS = {"key", "retry_key", "url", "task_id", "payload"}
HIDDEN_FIELDS_OF = {"evidence": {"file"}}
# Counts shown with thousands separators (years and ordinal numbers are not).
COUNT_FIELDS = {"size", "rows_checked", "attempts", "files"}

# Permissions (approvals/permissions.py) in words: who may take a task, what a refused person tried.
PERMISSIONS = {
    "approvals.view_plan": gettext_lazy("see the plan"),
    "approvals.work_on_action": gettext_lazy("work on an action"),
    "approvals.reassign_task": gettext_lazy("reassign a task"),
    "approvals.review_submission": gettext_lazy("review results (the chief administrator)"),
    "approvals.approve_submission": gettext_lazy("approve results (the mayor)"),
    "approvals.cancel_action": gettext_lazy("cancel an action"),
    "approvals.import_plan": gettext_lazy("import and activate a plan"),
    "approvals.view_audit_trail": gettext_lazy("read the audit trail"),
    "approvals.review_finding": gettext_lazy("work on findings"),
    "approvals.run_audit_check": gettext_lazy("run an audit check"),
    "approvals.build_evidence_pack": gettext_lazy("build an evidence pack"),
    "approvals.view_evidence": gettext_lazy("open evidence files"),
    "approvals.view_reports": gettext_lazy("see the reports"),
    "approvals.render_report": gettext_lazy("prepare the official report"),
    "approvals.view_executive_dashboard": gettext_lazy("open the executive dashboard"),
    "approvals.erase_personal_data": gettext_lazy("erase personal data"),
    "approvals.manage_agency": gettext_lazy("administer the agency"),
    "approvals.view_administration": gettext_lazy("see the agency administration"),
    "approvals.grant_role": gettext_lazy("grant a role"),
    "approvals.end_role": gettext_lazy("end a role"),
    "approvals.confirm_grant": gettext_lazy("confirm a grant of a role"),
    "approvals.decline_grant": gettext_lazy("decline a grant of a role"),
    "approvals.set_password": gettext_lazy("set someone's password"),
    "approvals.manage_person": gettext_lazy("manage a person's account"),
    "approvals.record_spending": gettext_lazy("record spending"),
    "approvals.manage_budget": gettext_lazy("manage budget items"),
    "approvals.view_spending_evidence": gettext_lazy("open spending documents"),
    "approvals.operate_platform": gettext_lazy("operate the platform"),
    "approvals.change_shared_record": gettext_lazy("change records every agency shares"),
}
DIVISION_PERMISSION = re.compile(r"^approvals\.division_(\d+)$")
PAGE_PERMISSION = "page:"

# What a notification's delivery came to, as notifications/services.py and channels.py write it.
DELIVERY_RESULTS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"^being sent \(claim \w+\)$"), gettext_lazy("being sent")),
    (re.compile(r"^accepted by \w+$"), gettext_lazy("accepted by the mail system")),
    (re.compile(r"^shown in the notification centre$"), gettext_lazy("shown in the notification centre")),
    (re.compile(r"^no email address$"), gettext_lazy("the person has no email address")),
    (re.compile(r"^LINE is not enabled$"), gettext_lazy("LINE is not switched on")),
    (re.compile(r"^no LINE user ID$"), gettext_lazy("the person has no LINE account linked")),
]

# The keys of the JSON the system keeps (findings' evidence, checks, task data, notification details).
KEY_LABELS: Mapping[str, Any] = {
    "acting_for": gettext_lazy("acting for"),
    "action": gettext_lazy("action"),
    "action_ids": gettext_lazy("actions"),
    "approved_at": gettext_lazy("approved at"),
    "approved_by": gettext_lazy("approved by"),
    "approved_on": gettext_lazy("approved on"),
    "as_of": gettext_lazy("as of"),
    "attempted_at": gettext_lazy("attempted at"),
    "by": gettext_lazy("by"),
    "chain": gettext_lazy("history of"),
    "chains": gettext_lazy("histories verified"),
    "change": gettext_lazy("change"),
    "changed_at": gettext_lazy("changed at"),
    "changed_by": gettext_lazy("changed by"),
    "checked_on": gettext_lazy("checked on"),
    "count": gettext_lazy("number"),
    "days": gettext_lazy("days"),
    "decided_at": gettext_lazy("decided at"),
    "decided_at_local": gettext_lazy("decided at"),
    "decided_by": gettext_lazy("decided by"),
    "division": gettext_lazy("division"),
    "division_id": gettext_lazy("division"),
    "divisions": gettext_lazy("divisions"),
    "due_date": gettext_lazy("due date"),
    "edited_at": gettext_lazy("edited at"),
    "edited_by": gettext_lazy("edited by"),
    "effective_from": gettext_lazy("in effect from"),
    "expenditures": gettext_lazy("spending records"),
    "fields": gettext_lazy("fields changed"),
    "file": gettext_lazy("file"),
    "from": gettext_lazy("from"),
    "grant": gettext_lazy("grant"),
    "granted_by": gettext_lazy("granted by"),
    "had_reviewed": gettext_lazy("had reviewed it"),
    "had_submitted": gettext_lazy("had submitted it"),
    "head": gettext_lazy("rows sealed"),
    "hits": gettext_lazy("found"),
    "history_date": gettext_lazy("changed at"),
    "history_type": gettext_lazy("change"),
    "issues": gettext_lazy("problems"),
    "new": gettext_lazy("new"),
    "office_hours": gettext_lazy("office hours"),
    "order": gettext_lazy("order"),
    "over_by": gettext_lazy("over by (baht)"),
    "permission": gettext_lazy("permission"),
    "person": gettext_lazy("person"),
    "planned": gettext_lazy("planned (baht)"),
    "problems": gettext_lazy("problems"),
    "ready_at": gettext_lazy("ready at"),
    "reason": gettext_lazy("reason"),
    "refusal_reason": gettext_lazy("reason for the refusal"),
    "removed": gettext_lazy("withdrawn"),
    "returns": gettext_lazy("returns"),
    "role": gettext_lazy("role"),
    "round": gettext_lazy("round"),
    "rule": gettext_lazy("rule"),
    "rules": gettext_lazy("rules run"),
    "seconds": gettext_lazy("seconds"),
    "spent": gettext_lazy("spent (baht)"),
    "stage": gettext_lazy("stage"),
    "status": gettext_lazy("status"),
    "submitted_at": gettext_lazy("submitted at"),
    "threshold": gettext_lazy("threshold"),
    "threshold_minutes": gettext_lazy("threshold (minutes)"),
    "to": gettext_lazy("to"),
    "total": gettext_lazy("total"),
    "weekday": gettext_lazy("day of the week"),
    "when": gettext_lazy("when"),
}
# Keys that hold database ids or the system's own bookkeeping: the row says the same in words elsewhere.
HIDDEN_KEYS = {
    "agency_id",
    "action_id",
    "assignment_id",
    "budget_item_id",
    "decision_id",
    "decision_ids",
    "evidence_id",
    "findings",
    "history_id",
    "record_id",
    "refusal_id",
    "seal",
    "submission_id",
    "table",
}
PEOPLE_KEYS = {"acting_for", "approved_by", "changed_by", "decided_by", "edited_by", "granted_by", "person"}
DIVISION_KEYS = {"division", "division_id"}
WEEKDAYS = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
HISTORY_TYPES = {"+": gettext_lazy("created"), "~": gettext_lazy("changed"), "-": gettext_lazy("deleted")}


# --- names of related records, looked up once per page ------------------------------------------------------

_names: contextvars.ContextVar[dict[tuple[str, Any], str] | None] = contextvars.ContextVar("audit_names", default=None)


@contextlib.contextmanager
def names() -> Iterator[dict[tuple[str, Any], str]]:
    """One cache of record names for the block (a page, a batch of an export)."""
    outer = _names.get()
    if outer is not None:
        yield outer
        return
    cache: dict[tuple[str, Any], str] = {}
    token = _names.set(cache)
    try:
        yield cache
    finally:
        _names.reset(token)


# While a page's words are first worked out (`collecting()`): the records they name, to be read in bulk.
_wanted: contextvars.ContextVar[set[tuple[type[models.Model], Any]] | None] = contextvars.ContextVar(
    "audit_wanted_names", default=None
)


@contextlib.contextmanager
def collecting() -> Iterator[None]:
    """Inside `names()`: note the records that words would name instead of reading each one; `read_wanted()` then
    reads them, one query per kind of record, so that words worked out again find every name in the cache."""
    token = _wanted.set(set())
    try:
        yield
    finally:
        wanted = _wanted.get() or set()
        _wanted.reset(token)
        _read(wanted)


def _read(wanted: set[tuple[type[models.Model], Any]]) -> None:
    from approvals.models import Action

    cache = _names.get()
    if cache is None:
        return
    by_model: dict[type[models.Model], set[Any]] = {}
    for model, pk in wanted:
        by_model.setdefault(model, set()).add(pk)
    for model, pks in by_model.items():
        queryset = model._base_manager.all()
        if model is Action:
            queryset = queryset.select_related("indicator")
        try:
            found = queryset.in_bulk(pks)
        except (TypeError, ValueError):
            found = {}
        remember(model, found)
        for pk in pks:
            cache.setdefault((model._meta.label, pk), f"#{pk}")


def _label_of(instance: models.Model) -> str:
    from approvals.models import Action

    if isinstance(instance, Action):
        return action_number(instance)
    return str(instance)


def remember(model: type[models.Model], instances: Mapping[Any, models.Model]) -> None:
    """Put records already loaded (a page's actions) in the block's cache."""
    from approvals.models import Action

    cache = _names.get()
    if cache is not None:
        for pk, instance in instances.items():
            cache[(model._meta.label, pk)] = _label_of(instance)
            if isinstance(instance, Action):
                cache[(INDICATOR_OF_ACTION, pk)] = str(instance.indicator)


def name_of(model: type[models.Model], pk: Any) -> str:
    """A record as a clerk knows it (its __str__), or its number when it no longer exists."""
    if pk in (None, ""):
        return ""
    cache = _names.get()
    key = (model._meta.label, pk)
    if cache is not None and key in cache:
        return cache[key]
    wanted = _wanted.get()
    if wanted is not None:
        wanted.add((model, pk))
        return f"#{pk}"
    queryset = model._base_manager.all()
    if model._meta.label == "approvals.Action":
        queryset = queryset.select_related("indicator")
    try:
        instance = queryset.filter(pk=pk).first()
    except (TypeError, ValueError):
        instance = None
    label = _label_of(instance) if instance is not None else f"#{pk}"
    if cache is not None:
        cache[key] = label
    return label


INDICATOR_OF_ACTION = "indicator of action"


def indicator_of_action(pk: Any) -> str:
    """The indicator of an action, by its number and name."""
    from approvals.models import Action

    cache = _names.get()
    key = (INDICATOR_OF_ACTION, pk)
    if cache is not None and key in cache:
        return cache[key]
    wanted = _wanted.get()
    if wanted is not None:
        wanted.add((Action, pk))
        return ""
    action = Action._base_manager.select_related("indicator").filter(pk=pk).first()
    if action is None:
        return ""
    if cache is not None:
        remember(Action, {pk: action})
    return str(action.indicator)


def action_number(action: Any) -> str:
    """An action's number as the plan writes it: the indicator's number, then the action's (3.2)."""
    return f"{action.indicator.number}.{action.number or '-'} {action.text[:60]}"


def person_name(pk: Any) -> str:
    from approvals.models import User

    return name_of(User, pk)


def division_name(pk: Any) -> str:
    from approvals.models import Division

    return name_of(Division, pk)


# --- values ---------------------------------------------------------------------------------------------------


def shorten(text: str) -> str:
    return text if len(text) <= LONG_TEXT else text[: LONG_TEXT - 1] + "…"


def permission_words(code: str) -> str:
    """A permission code (approvals.approve_submission, approvals.division_3) in words."""
    if not code:
        return ""
    match = DIVISION_PERMISSION.match(code)
    if match:
        return _("members of %(division)s") % {"division": division_name(int(match.group(1)))}
    if code in PERMISSIONS:
        return str(PERMISSIONS[code])
    if code.startswith(PAGE_PERMISSION):
        return _("open a page of the workflow")
    return _("a permission of the system")


def delivery_words(text: str) -> str:
    for pattern, words in DELIVERY_RESULTS:
        if pattern.match(text or ""):
            return str(words)
    return shorten(text or "")


def date_words(text: str) -> str | None:
    """An ISO date or date and time written as text (JSON keeps them so) in the Buddhist Era, else None."""
    if ISO_DATE.match(text):
        try:
            return be_date(datetime.date.fromisoformat(text))
        except ValueError:
            return None
    if ISO_DATETIME.match(text):
        try:
            moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return be_datetime(moment)
    return None


def number_words(value: int | float | decimal.Decimal, *, money: bool = False) -> str:
    if money:
        return _("%(amount)s baht") % {"amount": formats.number_format(value, 2, force_grouping=True)}
    return formats.number_format(value, force_grouping=True)


def _choice_label(key: str, value: Any) -> str | None:
    from approvals.models import Action, Decision, Role

    choices: Mapping[str, Any] = {
        "stage": dict(Decision.Stage.choices),
        "status": dict(Action.Status.choices),
        "role": dict(Role.choices),
        "history_type": HISTORY_TYPES,
        "change": HISTORY_TYPES,
    }.get(key, {})
    label = choices.get(value) if isinstance(value, str) else None
    return str(label) if label is not None else None


def _field_label(name: str) -> str:
    """A field named in a finding's evidence (changed_after_approval), by its label."""
    from approvals.models import Action, Evidence, Submission

    for model in (Submission, Evidence, Action):
        try:
            return str(getattr(model._meta.get_field(name), "verbose_name", name))
        except FieldDoesNotExist:
            continue
    return name.replace("_", " ")


def key_value_words(key: str, value: Any) -> str:
    """One value of the system's JSON, by what its key says it is."""
    from audit import rules

    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if key in PEOPLE_KEYS and isinstance(value, int) and not isinstance(value, bool):
        return person_name(value)
    if key in DIVISION_KEYS and isinstance(value, int) and not isinstance(value, bool):
        return division_name(value)
    if key == "action_ids" and isinstance(value, list):
        from approvals.models import Action

        return ", ".join(name_of(Action, pk).split(" ")[0] for pk in value)
    if key == "permission" and isinstance(value, str):
        return permission_words(value)
    if key == "rule" and isinstance(value, str):
        return str(rules.rule_title(value))
    if key == "chain" and isinstance(value, int):
        from approvals.models import Agency

        return _("records every agency shares") if value == 0 else name_of(Agency, value)
    if key == "rules" and isinstance(value, list) and all(isinstance(item, dict) for item in value):
        return "; ".join(
            _("%(rule)s: %(hits)s found, %(new)s new")
            % {"rule": rules.rule_title(item.get("rule", "")), "hits": item.get("hits", 0), "new": item.get("new", 0)}
            for item in value
        )
    if key == "weekday" and isinstance(value, int) and 0 <= value < len(WEEKDAYS):
        return str(WEEKDAYS[value])
    if key == "office_hours" and isinstance(value, list) and len(value) == 2:
        return _("%(start)s:00 to %(end)s:00") % {"start": value[0], "end": value[1]}
    if key == "fields" and isinstance(value, dict):
        return "; ".join(
            f"{_field_label(name)}: {json_words(pair[0]) if isinstance(pair, list) and pair else '–'} → "
            f"{json_words(pair[-1]) if isinstance(pair, list) and pair else json_words(pair)}"
            for name, pair in value.items()
        )
    if key == "fields" and isinstance(value, list):
        return ", ".join(_field_label(str(name)) for name in value)
    if key in ("planned", "spent", "over_by", "amount", "total") and isinstance(value, (int, float, str)):
        try:
            return number_words(decimal.Decimal(str(value)), money=True)
        except decimal.InvalidOperation:
            pass
    label = _choice_label(key, value)
    if label is not None:
        return label
    return json_words(value, nested=True)


def hidden_key(key: str) -> bool:
    if key in HIDDEN_KEYS:
        return True
    return (key.endswith("_id") or key.endswith("_ids")) and key not in DIVISION_KEYS and key != "action_ids"


def json_words(value: Any, *, nested: bool = False) -> str:
    """JSON the system keeps, as labelled words: never braces, keys or ISO dates."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, (int, float, decimal.Decimal)):
        return number_words(value) if abs(float(value)) >= 10000 else str(value)
    if isinstance(value, str):
        return date_words(value) or shorten(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(part for part in (json_words(item, nested=True) for item in value) if part)
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if hidden_key(key):
                continue
            words = key_value_words(key, item)
            if not words:
                continue
            label = KEY_LABELS.get(key)
            parts.append(f"{label if label is not None else key.replace('_', ' ')}: {words}")
        text = "; ".join(parts)
        return f"({text})" if text and nested else text
    return shorten(str(value))


def _model_name(row: Any) -> str:
    model = getattr(type(row), "instance_type", None) or type(row)
    return model._meta.model_name


def is_hidden(model_field: models.Field, row: Any) -> bool:
    name = model_field.name
    return name in HIDDEN_FIELDS or name in HIDDEN_FIELDS_OF.get(_model_name(row), set())


Special = Callable[[Any, Any], str]


def _notification_details(value: Any, row: Any) -> str:
    from notifications import messages

    if not isinstance(value, dict) or not value:
        return ""
    return messages.body(getattr(row, "event", ""), value).replace("\n", "; ")


def _returned_divisions(value: Any, row: Any) -> str:
    return ", ".join(division_name(pk) for pk in value or [])


def _rule(value: Any, row: Any) -> str:
    from audit import rules

    return str(rules.rule_title(value)) if value else ""


SPECIAL: Mapping[str, Special] = {
    "owner_permission": lambda value, row: permission_words(value),
    "permission": lambda value, row: permission_words(value),
    "result": lambda value, row: delivery_words(value),
    "params": _notification_details,
    "returned_divisions": _returned_divisions,
    "rule": _rule,
}
# Special formatting by field name holds only on these kinds of record (a field name may recur elsewhere).
SPECIAL_ON = {
    "owner_permission": {"task", "workflowtaskrecord"},
    "permission": {"accessrefusal"},
    "result": {"delivery"},
    "params": {"notification"},
    "returned_divisions": {"decision"},
    "rule": {"finding"},
}


def value_words(model_field: models.Field, value: Any, row: Any = None) -> str:
    """A field's value as a person reads it."""
    if value is None or value == "":
        return ""
    name = model_field.name
    special = SPECIAL.get(name)
    if special is not None and row is not None and _model_name(row) in SPECIAL_ON[name]:
        return special(value, row)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if name == "flow_task_type":
        return str(TASK_TYPES.get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.datetime):
        return be_datetime(value)
    if isinstance(value, datetime.date):
        return be_date(value)
    if isinstance(value, decimal.Decimal):
        return number_words(value, money=True)
    if isinstance(value, type):  # viewflow stores flows as references to classes
        return str(getattr(value, "process_title", "") or value.__name__)
    if getattr(value, "task_title", ""):  # a flow node: the title people see on the task pages
        return str(value.task_title)
    if isinstance(model_field, models.JSONField) or isinstance(value, (dict, list)):
        return json_words(value)
    if model_field.is_relation and model_field.related_model is not None:
        return name_of(model_field.related_model, value)
    if isinstance(value, int) and name in COUNT_FIELDS:
        return number_words(value)
    return shorten(str(value))


def record_label(row: Any) -> str:
    """The record a history row is about, as a clerk knows it, from the row itself where it can."""
    name = _model_name(row)
    try:
        if name in ("division", "agency", "budgetitem"):
            return str(getattr(row, "name", "") or getattr(row, "item", ""))
        if name == "user":
            full = f"{row.first_name} {row.last_name}".strip()
            return full or row.username
        if name == "evidence":
            return row.original_name
        if name == "measure":
            return f"{row.number}. {row.title}"
        if name == "indicator":
            return _("Indicator %(number)s %(name)s") % {"number": row.number, "name": row.name}
        if name == "finding":
            return _rule(row.rule, row)
        if name == "action":
            from approvals.models import Action

            return name_of(Action, row.id)
        if name in ("submission", "decision", "responsibility"):
            from approvals.models import Action

            parts = [name_of(Action, row.action_id).split(" ")[0]]
            if getattr(row, "division_id", None):
                parts.append(division_name(row.division_id))
            if getattr(row, "round", None):
                parts.append(_("round %(round)s") % {"round": row.round})
            return ", ".join(parts)
        if name in ("task", "workflowtaskrecord"):
            return str(getattr(row.flow_task, "task_title", "") or "")
        if name in ("process", "workflowprocessrecord"):
            return str(getattr(row.flow_class, "process_title", "") or "")
        if name == "notification":
            return f"{row.get_event_display()} → {person_name(row.recipient_id)}"
        if name == "delivery":
            return row.get_channel_display()
        if name == "auditrun":
            return row.get_kind_display()
        if name == "roleassignment":
            return f"{row.get_role_display()}: {person_name(row.user_id)}"
        model = getattr(type(row), "instance_type", None)
        if model is not None and getattr(row, "id", None) is not None:
            return name_of(model, row.id)
    except (AttributeError, ValueError, TypeError, LookupError):  # a label helps; the row's number always works
        pass
    return f"#{getattr(row, 'id', '')}"


def field_label(model_field: models.Field, row: Any) -> str:
    """A field's label; viewflow's `data` of a task or process, as what it holds."""
    if model_field.name == "data" and _model_name(row) in (
        "task",
        "workflowtaskrecord",
        "process",
        "workflowprocessrecord",
    ):
        return _("details of the step")
    return str(model_field.verbose_name)
