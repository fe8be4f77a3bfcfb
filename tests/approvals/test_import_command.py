"""manage.py import_ita_report: dry runs, writing, idempotence, and refusals that write nothing."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from approvals.models import Action, Agency, BudgetItem, Division, Indicator, Measure, Plan, Responsibility

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "approvals" / "sample_data" / "ita_report_2566.txt"
AGENCY = "องค์การบริหารส่วนตำบลเกาะลอยบางหัก"


def history_row_count() -> int:
    models = (Agency, Division, Plan, Measure, Indicator, Action, Responsibility, BudgetItem)
    return sum(model.history.count() for model in models)


def test_dry_run_json_prints_the_plan_without_a_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path}/never-created.db", DEBUG="true")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_ita_report", str(SEED), "--dry-run", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert (plan["agency"], plan["fiscal_year"]) == (AGENCY, 2566)
    assert [i["number"] for m in plan["measures"] for i in m["indicators"]] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert not (tmp_path / "never-created.db").exists()


@pytest.mark.django_db
def test_importing_the_seed_creates_the_agency_and_its_whole_plan():
    call_command("import_ita_report", str(SEED))
    plan = Plan.objects.get(agency__name=AGENCY, fiscal_year__year=2566)
    assert Measure.objects.filter(plan=plan).count() == 3
    assert Indicator.objects.filter(measure__plan=plan).count() == 10
    assert Action.objects.filter(indicator__measure__plan=plan).count() >= 20
    assert BudgetItem.objects.filter(plan=plan).count() == 4
    assert Action.objects.filter(indicator__measure__plan=plan, all_divisions=True).exists()


@pytest.mark.django_db
def test_importing_the_same_report_twice_creates_no_duplicates_and_no_history():
    call_command("import_ita_report", str(SEED))
    counts = (Action.objects.count(), Responsibility.objects.count(), BudgetItem.objects.count())
    history_before = history_row_count()
    call_command("import_ita_report", str(SEED))
    assert (Action.objects.count(), Responsibility.objects.count(), BudgetItem.objects.count()) == counts
    assert history_row_count() == history_before


@pytest.mark.django_db
def test_a_changed_report_updates_what_changed_with_reason_import(tmp_path):
    call_command("import_ita_report", str(SEED))
    changed = tmp_path / "changed.txt"
    changed.write_text(SEED.read_text(encoding="utf-8").replace("เดือนละ ๑ ครั้ง", "เดือนละ ๒ ครั้ง"), encoding="utf-8")
    call_command("import_ita_report", str(changed))
    action = Action.objects.filter(reported_results__contains="เดือนละ ๒ ครั้ง", indicator__number=1).first()
    latest = action.history.latest()
    assert (latest.history_type, latest.history_reason) == ("~", "plan.imported")
    assert latest.prev_record.reported_results.count("เดือนละ ๑ ครั้ง") == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content",
    [b"", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "สวัสดีครับ นี่ไม่ใช่รายงาน".encode()],
    ids=["empty", "binary", "not-a-report"],
)
def test_a_file_that_is_not_a_report_is_refused_and_nothing_is_written(tmp_path, content):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    with pytest.raises(CommandError) as refused:
        call_command("import_ita_report", str(bad))
    assert "/" in str(refused.value)  # Thai, then English
    assert Agency.objects.count() == 0
    assert Plan.objects.count() == 0


@pytest.mark.django_db
def test_a_truncated_report_names_the_line_and_leaves_the_existing_plan_untouched(tmp_path):
    call_command("import_ita_report", str(SEED))
    before = history_row_count()
    text = SEED.read_text(encoding="utf-8")
    truncated = tmp_path / "truncated.txt"
    # Cut inside the table row of indicator 3, as a lost page would.
    truncated.write_text(text[: text.index("ตัวชี้วัดที่ ๓") + 40], encoding="utf-8")
    with pytest.raises(CommandError, match="line"):
        call_command("import_ita_report", str(truncated))
    assert history_row_count() == before


def test_a_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_ita_report", "/nonexistent/report.txt", "--dry-run")
