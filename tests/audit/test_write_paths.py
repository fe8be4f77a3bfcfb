"""Every way the app writes a historised record leaves a history row, sealed, with who and why; and
no code of the project uses a write that bypasses history (QuerySet.update, bulk operations, raw SQL)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from approvals import permissions
from approvals.importer.parser import parse_report_bytes
from approvals.importer.writer import import_plan
from approvals.models import Agency
from approvals.sample import SAMPLE_REPORT, load_sample_agency
from approvals.services import SYSTEM_USERNAME, create_agency, end_role, grant_role, system_user
from audit import seal, services
from audit.history import acting_as
from audit.models import Finding
from audit.rules.base import Hit
from tests import factories

pytestmark = pytest.mark.django_db


def history_rows() -> int:
    return sum(model.objects.count() for model in seal.history_models().values())


def test_creating_an_agency_historises_it_and_its_divisions(agency_admin):
    agency = create_agency(name="อบต.ใหม่", slug="new-agency", by=agency_admin, reason="ตั้งหน่วยงานใหม่")

    latest = agency.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (agency_admin, "ตั้งหน่วยงานใหม่")
    assert all(d.history.filter(history_type="+").exists() for d in agency.divisions.all())


def test_granting_and_ending_a_role_are_historised_with_who_and_why(agency_admin, staff_member, division):
    assignment = grant_role(staff_member, "division_head", division=division, by=agency_admin, reason="แต่งตั้ง")
    end_role(assignment, by=agency_admin, reason="ย้ายไปกองอื่น")

    rows = list(assignment.history.order_by("history_id").values_list("history_type", "history_change_reason"))
    assert rows == [("+", "แต่งตั้ง"), ("~", "ย้ายไปกองอื่น")]


def test_creating_the_system_account_is_historised(db):
    user = system_user()

    assert user.history.filter(history_type="+").exists()


def test_a_refused_attempt_is_historised(staff_member):
    action = factories.ActionFactory(agency=staff_member.agency, indicator__measure__plan__agency=staff_member.agency)

    refusal = permissions.record_refusal(staff_member, permissions.APPROVE_SUBMISSION, action, "ไม่มีสิทธิ์")

    assert refusal.history.get().history_user == staff_member


def test_importing_a_plan_historises_every_row_it_writes(agency_admin):
    report = parse_report_bytes(SAMPLE_REPORT.read_bytes()).to_dict()
    before = history_rows()

    summary = import_plan(report, agency=agency_admin.agency, by=agency_admin, reason="นำเข้าแผน")

    assert history_rows() - before >= summary.created
    assert summary.plan.history.latest().history_change_reason == "นำเข้าแผน"


def test_loading_the_sample_agency_leaves_a_verifiable_history(db):
    load_sample_agency()

    assert history_rows() > 50
    assert seal.verify().issues == []


def test_an_admin_change_is_historised(client, division):
    operator = factories.platform_operator()
    client.force_login(operator)

    client.post(
        reverse("admin:approvals_division_change", args=[division.pk]),
        {
            "agency": division.agency_id,
            "name": "สำนักปลัด อบต.",
            "sort_order": 1,
            "is_active": "on",
            "change_reason": "เปลี่ยนชื่อ",
        },
    )

    assert division.history.latest().history_user == operator


def test_signing_in_is_logged_by_axes_not_as_a_change_of_the_account(client, staff_member):
    # last_login is not history: a row per sign-in would bury real changes in the change log.
    from axes.models import AccessLog

    before = staff_member.history.count()

    client.post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"})

    assert AccessLog.objects.filter(username="alice").count() == 1
    assert staff_member.history.count() == before


def test_recording_and_reviewing_a_finding_is_historised(auditor):
    finding = services.record_finding(
        rule="overspending",
        severity="high",
        agency=auditor.agency,
        hit=Hit(key="k", summary="s"),
        by=None,
        reason="risk scan",
    )

    services.review_finding(finding, by=auditor, note="ตรวจแล้ว มีหนังสืออนุมัติโอนงบ")

    reasons = list(finding.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert reasons == ["risk scan", "ตรวจแล้ว มีหนังสืออนุมัติโอนงบ"]


def test_rows_written_inside_acting_as_name_the_acting_user_and_reason(db):
    with acting_as(system_user, "celery reminders"):
        agency = Agency(name="อบต.ทดสอบงานเบื้องหลัง", slug="background")
        agency.save()

    latest = agency.history.latest()
    assert (latest.history_user.username, latest.history_change_reason) == (SYSTEM_USERNAME, "celery reminders")


def test_an_explicit_user_and_reason_win_over_acting_as(agency_admin):
    with acting_as(system_user, "celery reminders"):
        agency = Agency(name="อบต.ทดสอบ", slug="explicit")
        agency._history_user = agency_admin
        agency._change_reason = "คำสั่งที่ 1/2569"
        agency.save()

    latest = agency.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (agency_admin, "คำสั่งที่ 1/2569")


def test_celery_tasks_act_as_the_system_account(db):
    from audit import tasks

    factories.AgencyFactory()
    tasks.scan_risks.apply()

    assert all(row.history_user.username == SYSTEM_USERNAME for row in Finding.history.all())


# Calls that write without sending the model signals simple-history listens to.
BYPASSING_CALLS = {"bulk_create", "bulk_update", "raw", "_raw_delete", "update_or_create_bulk"}
QUERYSET_METHODS = {"filter", "exclude", "all", "select_for_update", "select_related", "order_by", "using", "objects"}
# Our own ledger (seals, layouts, anchors) is written with SQL by design; it is not historised.
# The health page only reads ("SELECT 1"). A name ending in "/" allows every module of that package.
ALLOWED_RAW_SQL = {"audit/seal/", "audit/capture.py", "notifications/health.py"}


def _project_sources() -> list[Path]:
    base = Path(settings.BASE_DIR)
    sources = []
    for config in apps.get_app_configs():
        path = Path(config.path)
        # Installed packages may live in a virtualenv inside the project folder: they are not ours.
        if base in path.parents and "site-packages" not in path.parts:
            sources += [p for p in path.rglob("*.py") if "migrations" not in p.parts]
    return sources


def _receiver_is_a_queryset(node: ast.expr) -> bool:
    while isinstance(node, ast.Call | ast.Attribute):
        if isinstance(node, ast.Call):
            node = node.func
            continue
        if node.attr in QUERYSET_METHODS:
            return True
        node = node.value
    return False


def _receiver_is_a_cursor(node: ast.expr) -> bool:
    """`cursor.execute(...)` runs SQL; viewflow's `activation.execute()` does not."""
    if isinstance(node, ast.Call):
        node = node.func
    name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
    return "cursor" in name or name == "connection"


def _bypasses(path: Path) -> list[str]:
    found = []
    relative = path.relative_to(settings.BASE_DIR).as_posix()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name = node.func.attr
        if name in BYPASSING_CALLS or (name == "update" and _receiver_is_a_queryset(node.func.value)):
            found.append(f"{relative}:{node.lineno} {name}()")
        if (
            name == "execute"
            and _receiver_is_a_cursor(node.func.value)
            and not any(relative == allowed or relative.startswith(allowed) for allowed in ALLOWED_RAW_SQL)
            and not relative.startswith("bench/")
        ):
            found.append(f"{relative}:{node.lineno} execute()")
    return found


def test_no_code_of_the_project_writes_around_history():
    found = [problem for path in _project_sources() for problem in _bypasses(path)]

    assert found == []


def test_the_bypass_check_recognises_a_queryset_update(tmp_path, settings):
    settings.BASE_DIR = tmp_path
    source = tmp_path / "sneaky.py"
    source.write_text("Action.objects.filter(pk=1).update(status='done')\nvalues = {}\nvalues.update(a=1)\n")

    assert _bypasses(source) == ["sneaky.py:1 update()"]


def test_the_bypass_check_recognises_raw_sql_but_not_a_workflow_activation(tmp_path, settings):
    settings.BASE_DIR = tmp_path
    source = tmp_path / "sneaky.py"
    source.write_text(
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('UPDATE approvals_action SET status = %s', ['done'])\n"
        "activation.execute()\n"
    )

    assert _bypasses(source) == ["sneaky.py:2 execute()"]
