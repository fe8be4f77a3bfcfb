"""A province's agencies for tests and bench/province.py: onboarded from sample reports by the project's command,
with the people of one agency opened through the services, and the pages each of them opens."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command

from approvals import administration
from approvals.models import Action, Agency, Division, Plan, Role, RoleAssignment, User
from approvals.sample import write_sample_province
from approvals.services import grant_role, system_user
from audit import reasons

PASSWORD = "bench-Pass-1234-xyz"


def onboard_province(folder: Path, count: int, *, start: int = 1, jobs: int = 1) -> list[Agency]:
    """`count` agencies (sao-<start>…) from sample reports, by `manage.py onboard_agencies`."""
    reports = Path(folder) / f"from-{start}"
    write_sample_province(reports, count, start=start)
    call_command("onboard_agencies", str(reports), jobs=jobs, stdout=StringIO(), stderr=StringIO())
    return list(Agency.objects.filter(slug__in=[p.stem for p in reports.glob("*.txt")]).order_by("slug"))


def people_of(agency: Agency) -> dict[str, Any]:
    """Staff in every division, a chief administrator, a mayor, an auditor, opened through the services, and the
    agency's first administrator (from onboarding)."""
    by = system_user()
    reason = reasons.code(reasons.AGENCY_ONBOARDED, source="test")

    def person(username: str, role: str, division: Division | None = None) -> User:
        user = User.objects.filter(username=username).first() or administration.create_person(
            agency, by=by, reason=reason, username=username, first_name="ทดสอบ", last_name=username, password=PASSWORD
        )
        if not RoleAssignment.objects.filter(user=user, role=role, division=division).active().exists():
            grant_role(user, role, division=division, by=by, reason=reason)
        return signed_up(user)

    staff = {
        division.pk: person(f"{agency.slug}-staff-{division.pk}", Role.STAFF, division)
        for division in Division.objects.filter(agency=agency, is_active=True).order_by("sort_order")
    }
    return {
        "staff": staff,
        "chief": person(f"{agency.slug}-chief", Role.CHIEF_ADMINISTRATOR),
        "mayor": person(f"{agency.slug}-mayor", Role.MAYOR),
        "auditor": person(f"{agency.slug}-auditor", Role.AUDITOR),
        "admin": signed_up(User.objects.get(username=f"admin-{agency.slug}")),
    }


def signed_up(user: User) -> User:
    """The person has replaced the temporary password, as at their first sign-in."""
    if user.must_change_password:
        administration.change_own_password(user, PASSWORD)
    return user


def pages_of(agency: Agency, people: dict[str, Any]) -> list[tuple[str, User, str]]:
    """Every page a person of the agency opens day to day: (name, who, path)."""
    year = Plan.objects.get(agency=agency).fiscal_year.year
    staff = next(iter(people["staff"].values()))
    action = Action.objects.filter(agency=agency).order_by("pk").first()
    return [
        ("home (staff)", staff, "/"),
        ("inbox (staff)", staff, "/work/inbox/"),
        ("queue (staff)", staff, "/work/queue/"),
        ("archive (staff)", staff, "/work/archive/"),
        ("action page", staff, f"/work/actions/{action.pk}/"),
        ("division dashboard", staff, "/reports/my-division/"),
        ("notifications", staff, "/notifications/"),
        ("inbox (chief)", people["chief"], "/work/inbox/"),
        ("executive dashboard", people["mayor"], "/reports/dashboard/"),
        ("plan progress", people["admin"], f"/work/progress/{year}/"),
        ("plan page", people["admin"], f"/approvals/plans/{year}/"),
        ("administration", people["admin"], "/approvals/administration/"),
        ("people", people["admin"], "/approvals/administration/people/"),
        ("divisions", people["admin"], "/approvals/administration/divisions/"),
        ("change log", people["auditor"], "/audit/changes/"),
        ("audit actions", people["auditor"], "/audit/actions/"),
        ("findings", people["auditor"], "/audit/"),
        ("action timeline", people["auditor"], f"/audit/actions/{action.pk}/"),
        ("public page", None, f"/public/{agency.slug}/{year}/"),
    ]
