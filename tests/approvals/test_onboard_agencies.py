"""`manage.py onboard_agencies`: a province's agencies from a folder of reports, one bad report never stopping the
others, and a second run finishing what the first left without repeating what it did."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from approvals.models import Action, Agency, Plan, Role, RoleAssignment, User
from approvals.sample import write_sample_province
from audit import reasons

pytestmark = pytest.mark.django_db


def _run(source: Path) -> tuple[str, str, CommandError | None]:
    out, err = StringIO(), StringIO()
    try:
        call_command("onboard_agencies", str(source), stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def test_a_folder_onboards_every_good_report_and_says_which_failed_and_why(tmp_path):
    write_sample_province(tmp_path, 2)
    (tmp_path / "sao-0003.txt").write_text("รายงานที่ไม่มีตารางมาตรการ\n", encoding="utf-8")

    out, err, error = _run(tmp_path)

    assert error is not None and "1" in str(error)
    assert "sao-0003.txt" in out and "no measures table found" in out
    assert "onboarded 2, done before 0, failed 1" in out
    assert "[##############################] 3/3" in err
    agencies = Agency.objects.filter(name__startswith="องค์การบริหารส่วนตำบลตัวอย่าง").order_by("name")
    assert [(a.name, a.slug) for a in agencies] == [
        ("องค์การบริหารส่วนตำบลตัวอย่าง0001", "sao-0001"),
        ("องค์การบริหารส่วนตำบลตัวอย่าง0002", "sao-0002"),
    ]
    for agency in agencies:
        plan = Plan.objects.get(agency=agency)
        assert plan.status == Plan.Status.ACTIVE
        assert not Action.objects.filter(agency=agency, process__isnull=True).exists()
        assert agency.divisions.filter(name="กองคลัง").exists()
        admin = User.objects.get(username=f"admin-{agency.slug}")
        assert admin.must_change_password and admin.agency == agency
        assert RoleAssignment.objects.filter(user=admin, role=Role.AGENCY_ADMIN).active().exists()
        password = next(line for line in out.splitlines() if admin.username in line).split()[-1]
        assert admin.check_password(password)
        assert plan.history.latest().history_reason_code == reasons.AGENCY_ONBOARDED


def test_running_the_folder_again_finishes_what_failed_and_repeats_nothing(tmp_path):
    write_sample_province(tmp_path, 1)
    bad = tmp_path / "sao-0002.txt"
    bad.write_text("\x00\x01 not a report", encoding="utf-8")
    _out, _err, first_error = _run(tmp_path)
    first = Agency.objects.get(slug="sao-0001")
    history_rows = Plan.history.filter(agency=first).count() + Action.history.filter(agency=first).count()
    write_sample_province(tmp_path, 1, start=2)  # the report is fixed

    out, _err, error = _run(tmp_path)

    assert first_error is not None and error is None
    assert "onboarded 1, done before 1, failed 0" in out
    assert "admin-sao-0001" not in out  # a password is printed once, when the account is opened
    assert "admin-sao-0002" in out
    assert Plan.history.filter(agency=first).count() + Action.history.filter(agency=first).count() == history_rows
    assert Plan.objects.get(agency__slug="sao-0002").status == Plan.Status.ACTIVE


def test_a_csv_names_each_agencys_first_administrator(tmp_path):
    write_sample_province(tmp_path / "reports", 1)
    source = tmp_path / "province.csv"
    source.write_text(
        "report,agency,admin_username,admin_first_name,admin_last_name,admin_email\n"
        "reports/sao-0001.txt,องค์การบริหารส่วนตำบลหนองใหญ่,somsri,สมศรี,ดูแลดี,somsri@example.org\n"
        ",,,,,\n",
        encoding="utf-8",
    )

    out, _err, error = _run(source)

    assert error is not None
    assert "province.csv (line 3)" in out and "no report file named" in out
    admin = User.objects.get(username="somsri")
    assert (admin.first_name, admin.email, admin.agency.name) == (
        "สมศรี",
        "somsri@example.org",
        "องค์การบริหารส่วนตำบลหนองใหญ่",
    )


@pytest.mark.django_db(transaction=True)
def test_onboarding_leaves_postgresql_knowing_the_tables_it_filled(tmp_path):
    # Until the statistics are refreshed PostgreSQL plans for the tables as they were (empty): at a province's
    # size it then reads every agency's rows to find one agency's. ANALYZE records each table's row count.
    from django.db import connection

    write_sample_province(tmp_path, 2)

    _out, err, error = _run(tmp_path)

    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Action._meta.db_table])
        (known,) = cursor.fetchone()
    assert error is None and "database statistics refreshed" in err
    assert known == Action.objects.count() > 0
