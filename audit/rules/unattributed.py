"""A change written with no acting context: no person, no reason, no page or job (การแก้ไขที่ไม่ระบุผู้กระทำ).

Every path of the app writes inside a context (audit/context.py): a request, a job, a command or a
migration. A history row without one was written around the app: by SQL from outside it, or by code that
escaped its context. The change is still historised and sealed; this rule makes sure it is looked at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.rules.base import Hit, Rule
from audit.seal.tables import chain_column, history_models


def _rows(agency_id: int | None) -> Iterator[tuple[str, Any]]:
    for table, model in sorted(history_models().items()):
        column = chain_column(table)
        if agency_id is None:
            if column is not None and column != "id":
                rows = model.objects.filter(**{f"{column}__isnull": True})
            elif column is None:
                rows = model.objects.all()
            else:
                continue
        elif column is None:
            continue
        else:
            rows = model.objects.filter(**{column: agency_id})
        for row in rows.filter(history_source__isnull=True).order_by("history_id").iterator():
            yield table, row


def _hits(agency_id: int | None) -> Iterator[Hit]:
    for table, row in _rows(agency_id):
        yield Hit(
            key=f"{table}:{row.history_id}",
            summary=_("%(record)s was changed with no person, reason or page recorded (%(change)s)")
            % {"record": row.instance_type._meta.verbose_name, "change": row.get_history_type_display()},
            action_id=getattr(row, "action_id", None) if table != "approvals_historicalaction" else row.id,
            evidence={
                "table": table,
                "history_id": row.history_id,
                "record_id": getattr(row, "id", None),
                "history_type": row.history_type,
                "history_date": row.history_date,
            },
        )


def scan(agency, now) -> Iterator[Hit]:
    return _hits(agency.pk)


def scan_platform(now) -> Iterator[Hit]:
    """Rows of no agency (fiscal years, platform accounts)."""
    return _hits(None)


RULE = Rule(
    code="unattributed_change",
    title=gettext_lazy("Change with no person or reason"),
    rationale=gettext_lazy(
        "Everything the system changes names who acted, why, and through which page or job. A change that "
        "names none was made around the system, for example with SQL on the database itself."
    ),
    severity="critical",
    scan=scan,
    scan_platform=scan_platform,
)
