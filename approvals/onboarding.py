"""Onboarding a province's agencies (การนำหน่วยงานของจังหวัดเข้าสู่ระบบ) from a folder of ITA reports, or a CSV
that names them: each agency, its divisions, its first administrator, its plan imported and activated.

One agency is one transaction: it is onboarded completely or not at all, so a report that fails leaves nothing
behind and never stops the others. Every step is idempotent (an agency is found by its public address or name, its
administrator by username, the import changes nothing the second time, the activation starts only actions without
tasks), so running the same folder again finishes what an interrupted run left and skips what is done.
Everything goes through the services, as the system account, with the reason `province.agency_onboarded`.
"""

from __future__ import annotations

import csv
import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from approvals import administration
from approvals.exceptions import InvalidTransition, NotAllowed
from approvals.importer import limits
from approvals.importer.errors import ReportError
from approvals.importer.parser import parse_report_bytes
from approvals.importer.writer import import_plan
from approvals.models import Action, Agency, Plan, Role, RoleAssignment, User
from approvals.services import activate_plan, create_agency, grant_role, system_user
from audit import reasons
from audit.context import Reason

REPORT_SUFFIXES = frozenset({".txt", ".csv", ".tsv"})
CSV_COLUMNS = ("report", "agency", "slug", "admin_username", "admin_first_name", "admin_last_name", "admin_email")


@dataclass(frozen=True)
class Entry:
    """One agency to onboard: its report, and what the CSV says of it (empty: taken from the report)."""

    report: Path
    agency: str = ""
    slug: str = ""
    admin_username: str = ""
    admin_first_name: str = ""
    admin_last_name: str = ""
    admin_email: str = ""
    line: int | None = None  # the CSV's name and line, for messages
    origin: str = ""

    @property
    def label(self) -> str:
        if self.line is None:
            return self.report.name
        return f"{self.origin} (line {self.line})" + (f" {self.report.name}" if self.report.name else "")


@dataclass
class Outcome:
    """What onboarding one agency did: `onboarded`, `done before` (nothing left to do) or `failed`."""

    entry: Entry
    status: str
    agency: str = ""
    detail: str = ""
    # The first administrator's temporary password, only when this run opened the account.
    username: str = ""
    password: str = ""
    warnings: list[str] = field(default_factory=list)

    ONBOARDED = "onboarded"
    DONE_BEFORE = "done before"
    FAILED = "failed"


class EntryError(Exception):
    """An entry of the folder or CSV that cannot be onboarded, with why (Thai, then English)."""


def read_entries(source: Path) -> list[Entry]:
    """The agencies a folder of reports (one report file per agency, by name) or a CSV (CSV_COLUMNS, `report`
    relative to the CSV's folder) names. Raises EntryError when the source itself cannot be read."""
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES)
        return [Entry(report=path) for path in files]
    if not source.is_file():
        raise EntryError(f"ไม่พบโฟลเดอร์หรือไฟล์ / no such folder or file: {source}")
    try:
        with source.open(encoding="utf-8-sig", newline="") as file:
            rows = list(csv.DictReader(file))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise EntryError(f"อ่านไฟล์ CSV ไม่ได้ / cannot read the CSV {source}: {error}") from None
    if rows and "report" not in rows[0]:
        raise EntryError(
            f"ไฟล์ CSV ต้องมีคอลัมน์ report / the CSV {source} needs a 'report' column (columns: {', '.join(CSV_COLUMNS)})"
        )
    entries = []
    for line, row in enumerate(rows, start=2):
        values = {name: (row.get(name) or "").strip() for name in CSV_COLUMNS}
        report = values.pop("report")
        entries.append(
            Entry(report=source.parent / report if report else Path(""), line=line, origin=source.name, **values)
        )
    return entries


def onboard(entry: Entry) -> Outcome:
    """Onboard one agency in one transaction; any failure is returned as an Outcome, never raised."""
    try:
        return _onboard(entry)
    except (EntryError, ReportError, InvalidTransition, NotAllowed) as error:
        return Outcome(entry, Outcome.FAILED, detail=str(error))
    except OSError as error:
        return Outcome(entry, Outcome.FAILED, detail=f"อ่านไฟล์ไม่ได้ / cannot read the file: {error.strerror or error}")
    except Exception as error:  # one agency's unforeseen failure must not stop the province
        detail = f"ข้อผิดพลาดที่ไม่คาดคิด / unexpected error: {type(error).__name__}: {error}"
        return Outcome(entry, Outcome.FAILED, detail=detail)


def _onboard(entry: Entry) -> Outcome:
    if not entry.report.name:
        raise EntryError("ไม่ได้ระบุไฟล์รายงาน / no report file named")
    limits.check_size(entry.report.stat().st_size)
    data = entry.report.read_bytes()
    parsed = parse_report_bytes(data, agency=entry.agency or None).to_dict()
    digest = hashlib.sha256(data).hexdigest()
    name = parsed["agency"]
    slug = entry.slug or _slug_of(entry.report, name)
    by = system_user()
    reason = reasons.code(reasons.AGENCY_ONBOARDED, source=entry.report.name)
    outcome = Outcome(entry, Outcome.ONBOARDED, agency=name)
    with transaction.atomic():
        agency = Agency.objects.filter(slug=slug).first() or Agency.objects.filter(name=name).first()
        if agency is not None and _done(agency, parsed["fiscal_year"], digest):
            outcome.status = Outcome.DONE_BEFORE
            return outcome
        if agency is None:
            agency = create_agency(
                name=name,
                slug=slug,
                district=parsed.get("district") or "",
                province=parsed.get("province") or "",
                by=by,
                reason=reason,
            )
        _first_administrator(agency, entry, by, reason, outcome)
        summary = import_plan(parsed, agency=agency, by=by, source_name=entry.report.name, source_sha256=digest)
        outcome.warnings = list(summary.warnings)
        plan = summary.plan
        if plan.status != Plan.Status.ACTIVE or _actions_without_tasks(plan).exists():
            activate_plan(plan, by=by, reason=reason)
    return outcome


def _done(agency: Agency, fiscal_year: int, digest: str) -> bool:
    """The agency has its administrator and its plan from this very report, active with every action started."""
    plan = Plan.objects.filter(agency=agency, fiscal_year__year=fiscal_year).first()
    return (
        plan is not None
        and plan.source_sha256 == digest
        and plan.status == Plan.Status.ACTIVE
        and not _actions_without_tasks(plan).exists()
        and RoleAssignment.objects.filter(agency=agency, role=Role.AGENCY_ADMIN).active().exists()
    )


def _actions_without_tasks(plan: Plan):
    return Action.objects.filter(indicator__measure__plan=plan, process__isnull=True).exclude(
        status=Action.Status.CANCELLED
    )


def _first_administrator(agency: Agency, entry: Entry, by: User, reason: Reason, outcome: Outcome) -> None:
    """Open the agency's first administrator account with a temporary password (changed at first sign-in) and
    grant the role; nothing when the agency already has an administrator."""
    if RoleAssignment.objects.filter(agency=agency, role=Role.AGENCY_ADMIN).active().exists():
        return
    username = entry.admin_username or f"admin-{agency.slug}"
    person = get_user_model().objects.filter(username__iexact=username).first()
    if person is None:
        password = temporary_password()
        person = administration.create_person(
            agency,
            by=by,
            reason=reason,
            username=username,
            first_name=entry.admin_first_name or "ผู้ดูแลระบบ",
            last_name=entry.admin_last_name or agency.name,
            position="ผู้ดูแลระบบของหน่วยงาน",
            email=entry.admin_email,
            password=password,
        )
        outcome.username, outcome.password = person.username, password
    elif person.agency_id != agency.pk:
        raise EntryError(f"ชื่อผู้ใช้ {username} เป็นของหน่วยงานอื่น / the username {username} belongs to another agency")
    grant_role(person, Role.AGENCY_ADMIN, by=by, reason=reason)


def temporary_password() -> str:
    """A password for the first sign-in only: the account must change it then (`must_change_password`)."""
    return secrets.token_urlsafe(12)


def _slug_of(report: Path, name: str) -> str:
    """The agency's public address: the report file's name when it makes one (`sao-0001.txt`), else its name."""
    room = (Agency._meta.get_field("slug").max_length or 50) - 8
    base = (slugify(report.stem) or slugify(name) or "agency")[:room].strip("-") or "agency"
    known = Agency.objects.filter(name=name).values_list("slug", flat=True).first()
    if known:
        return known
    slug, n = base, 1
    while Agency.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def onboard_all(entries: list[Entry], *, jobs: int = 1) -> Iterator[Outcome]:
    """Onboard each entry, yielding outcomes as they finish. With `jobs` > 1 the agencies are onboarded by that
    many processes at once: agencies share no lock (docs/audit.md), so they do not wait for each other."""
    if jobs <= 1 or len(entries) <= 1:
        for entry in entries:
            yield onboard(entry)
        return
    import multiprocessing

    from django.db import connections

    system_user()  # created once here, not raced by the workers
    # The first agency alone: it writes the rows all share (a new fiscal year, on the global chain), so that the
    # workers only read them.
    yield onboard(entries[0])
    connections.close_all()  # each worker opens its own connection; none inherits this one
    with multiprocessing.get_context("fork").Pool(jobs, initializer=_worker_started) as pool:
        yield from pool.imap_unordered(_onboard_in_worker, entries[1:])


def _worker_started() -> None:
    from django.db import connections

    # The forked connection objects hold none (closed before the fork); each worker connects on first use.
    for connection in connections.all(initialized_only=True):
        connection.connection = None


def _onboard_in_worker(entry: Entry) -> Outcome:
    from audit import context

    with context.command("onboard_agencies"):
        return onboard(entry)
