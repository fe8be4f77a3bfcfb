"""Every way the app writes a record leaves a history row, sealed, naming who acted, why and through what:
services, the admin, management commands, Celery tasks, Django's own writes (signing in, changing a
password, createsuperuser, loaddata). A write made around the app is recorded as unattributed and raises a
critical finding."""

from __future__ import annotations

import json
import sys

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

import manage
from approvals import permissions
from approvals.importer.parser import parse_report_bytes
from approvals.importer.writer import import_plan
from approvals.models import Agency, Division, User
from approvals.sample import SAMPLE_REPORT, load_sample_agency
from approvals.services import SYSTEM_USERNAME, create_agency, end_role, grant_role, system_user
from audit import context, seal, services
from audit.models import Finding, Seal
from audit.rules.base import Hit
from tests import factories

pytestmark = pytest.mark.django_db


def history_rows() -> int:
    return sum(model.objects.count() for model in seal.history_models().values())


def is_sealed(row) -> bool:
    return Seal.objects.filter(history_id=row.history_id, layout__table_name=row._meta.db_table).exists()


def test_creating_an_agency_historises_it_and_its_divisions(agency_admin):
    agency = create_agency(name="อบต.ใหม่", slug="new-agency", by=agency_admin, reason="ตั้งหน่วยงานใหม่")

    latest = agency.history.latest()
    assert (latest.history_user, latest.history_reason) == (agency_admin, "ตั้งหน่วยงานใหม่")
    assert is_sealed(latest)
    assert all(d.history.filter(history_type="+").exists() for d in agency.divisions.all())


def test_granting_and_ending_a_role_are_historised_with_who_and_why(agency_admin, staff_member, division):
    assignment = grant_role(staff_member, "division_head", division=division, by=agency_admin, reason="แต่งตั้ง")
    end_role(assignment, by=agency_admin, reason="ย้ายไปกองอื่น")

    rows = [(row.history_type, row.history_reason) for row in assignment.history.order_by("history_id")]
    assert rows == [("+", "แต่งตั้ง"), ("~", "ย้ายไปกองอื่น")]


def test_a_refused_attempt_is_historised(staff_member):
    action = factories.ActionFactory(agency=staff_member.agency, indicator__measure__plan__agency=staff_member.agency)

    refusal = permissions.record_refusal(staff_member, permissions.APPROVE_SUBMISSION, action, "ไม่มีสิทธิ์")

    row = refusal.history.get()
    assert (row.history_user, row.history_reason) == (staff_member, "audit.refusal_recorded")


def test_importing_a_plan_historises_every_row_it_writes(agency_admin):
    report = parse_report_bytes(SAMPLE_REPORT.read_bytes()).to_dict()
    before = history_rows()

    summary = import_plan(report, agency=agency_admin.agency, by=agency_admin, reason="นำเข้าแผน")

    assert history_rows() - before >= summary.created
    assert summary.plan.history.latest().history_reason == "นำเข้าแผน"


def test_loading_the_sample_agency_leaves_a_verifiable_history(db):
    with context.command("load_sample_agency"):
        load_sample_agency()

    assert history_rows() > 50
    assert seal.verify().issues == []


def test_an_admin_change_is_historised_with_the_typed_reason_and_the_page(client, division):
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

    row = division.history.latest()
    assert (row.history_user, row.history_reason, row.history_source["kind"]) == (operator, "เปลี่ยนชื่อ", "request")
    assert row.history_source["view"] == "admin:approvals_division_change"


@pytest.mark.django_db(transaction=True)  # a command closes the database connections when it ends
def test_a_command_run_from_manage_py_acts_as_the_system_account(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["manage.py", "createsuperuser", "--no-input", "--username", "operator"])
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-operator-password")
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "operator@example.go.th")

    manage.main()

    row = User.objects.get(username="operator").history.get()
    assert (row.history_user.username, row.history_reason) == (SYSTEM_USERNAME, "command")
    assert row.history_source == {"kind": "command", "name": "createsuperuser", "id": row.history_source["id"]}


def test_loaddata_is_historised_as_the_commands_doing(db, tmp_path):
    agency = factories.AgencyFactory()
    fixture = tmp_path / "divisions.json"
    fixture.write_text(
        json.dumps([{"model": "approvals.division", "pk": 9001, "fields": {"agency": agency.pk, "name": "กองใหม่"}}])
    )

    with context.command("loaddata"):
        call_command("loaddata", str(fixture), verbosity=0)

    row = Division.objects.get(pk=9001).history.get()
    assert (row.history_user.username, row.history_source["name"]) == (SYSTEM_USERNAME, "loaddata")
    assert is_sealed(row)


def test_celery_tasks_act_as_the_system_account_in_a_named_job(db):
    from audit import tasks

    division = factories.DivisionFactory()
    with context.without(), connection.cursor() as cursor:  # something for the scan to find
        cursor.execute("UPDATE approvals_division SET name = 'แก้ไขนอกระบบ' WHERE id = %s", [division.pk])
    tasks.scan_risks.apply()

    rows = Finding.history.all()
    assert rows.exists()
    assert {(row.history_user.username, row.history_source["kind"], row.history_source["name"]) for row in rows} == {
        (SYSTEM_USERNAME, "job", "audit.scan_risks")
    }


def test_signing_in_moves_last_login_without_a_history_row(client, staff_member):
    from axes.models import AccessLog

    before = staff_member.history.count()

    client.post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"})

    staff_member.refresh_from_db()
    assert staff_member.last_login is not None
    assert AccessLog.objects.filter(username="alice").count() == 1
    assert staff_member.history.count() == before


def test_a_password_rehashed_at_sign_in_is_the_accounts_own_change(client, staff_member, settings):
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    with context.acting(by=staff_member, reason="รหัสผ่านแบบเก่า"):
        User.objects.filter(pk=staff_member.pk).update(password=make_password("correct-horse-battery", hasher="md5"))

    client.post(reverse("login"), {"username": "alice", "password": "correct-horse-battery"})

    row = staff_member.history.latest()
    assert row.password.startswith("pbkdf2_sha256$")
    assert (row.history_user, row.history_reason, row.history_source["kind"]) == (
        staff_member,
        "auth.sign_in",
        "request",
    )


def test_changing_ones_password_is_historised_with_who_and_why(client, staff_member):
    client.force_login(staff_member)

    response = client.post(
        reverse("password-change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": "ม้าสีน้ำตาลกระโดด-2569",
            "new_password2": "ม้าสีน้ำตาลกระโดด-2569",
        },
    )

    assert response.status_code == 302
    row = staff_member.history.latest()
    assert (row.history_user, row.history_reason) == (staff_member, "auth.password_changed")


def test_recording_and_reviewing_a_finding_is_historised(auditor):
    finding = services.record_finding(
        rule="overspending",
        severity="high",
        agency=auditor.agency,
        hit=Hit(key="k", summary="s"),
        by=None,
        reason=context.code("audit.risk_scan"),
    )

    services.review_finding(finding, by=auditor, note="ตรวจแล้ว มีหนังสืออนุมัติโอนงบ")

    reasons = [row.history_reason for row in finding.history.order_by("history_id")]
    assert reasons == ["audit.risk_scan", "ตรวจแล้ว มีหนังสืออนุมัติโอนงบ"]


def test_the_system_account_is_created_once_and_names_itself(db):
    user = system_user()

    assert system_user() == user
    assert user.history.get(history_type="+").history_user == user


def test_a_write_around_the_app_is_unattributed_and_a_scan_raises_a_critical_finding(agency):
    division = factories.DivisionFactory(agency=agency)
    with context.without(), connection.cursor() as cursor:
        cursor.execute("UPDATE approvals_division SET name = 'แก้ไขนอกระบบ' WHERE id = %s", [division.pk])

    found = services.run_risk_scan(agency, by=system_user())

    unattributed = [finding for finding in found if finding.rule == "unattributed_change"]
    assert [(f.severity, f.evidence["table"], f.evidence["record_id"]) for f in unattributed] == [
        ("critical", "approvals_historicaldivision", division.pk)
    ]


def test_a_write_of_no_agency_around_the_app_is_found_by_a_scan_of_every_agency(db):
    year = factories.FiscalYearFactory(year=2575)
    with context.without(), connection.cursor() as cursor:
        cursor.execute("UPDATE approvals_fiscalyear SET year = 2576 WHERE id = %s", [year.pk])

    found = services.run_risk_scan(by=system_user())

    assert [(f.rule, f.agency, f.evidence["record_id"]) for f in found if f.rule == "unattributed_change"] == [
        ("unattributed_change", None, year.pk)
    ]


def test_the_agency_of_a_new_account_is_its_chain_and_its_creator_is_named(agency, agency_admin):
    with context.acting(by=agency_admin, reason="รับโอนย้าย"):
        person = User.objects.create_user(username="newcomer", password="a-long-password-1", agency=agency)

    row = person.history.get()
    assert (row.history_user, row.history_reason) == (agency_admin, "รับโอนย้าย")
    assert Seal.objects.get(history_id=row.history_id, layout__table_name=row._meta.db_table).chain == agency.pk


def test_agencies_are_historised_in_their_own_chain(db):
    with context.acting(by=None, reason="ทดสอบ"):
        agency = Agency.objects.create(name="อบต.ทดสอบสายโซ่", slug="chain-test")

    row = agency.history.get()
    assert Seal.objects.get(history_id=row.history_id, layout__table_name=row._meta.db_table).chain == agency.pk
