"""An installation made by the previous release is upgraded by `manage.py upgrade` (`make upgrade`) and keeps
its history: the database is built by release v0.1.0's own code (commit 5b01d70, the last release before
the audit triggers were declared in migrations), with the sample year in it; today's `upgrade` backs it up,
migrates it and verifies every chain; then history is written, with its context, and still verifies."""

from __future__ import annotations

import json
import subprocess
from types import SimpleNamespace

import pytest

from tests.operations.scratch import ROOT, create_database, drop_database, environment, manage, succeeded

pytestmark = pytest.mark.slow

# v0.1.0 (docs/operations.md names it); a commit id rather than the tag, which a clone may not have fetched.
PREVIOUS_RELEASE = "5b01d70"

STATE = """
import json
from audit.startup import missing_triggers
print("RESULT", json.dumps({"missing_triggers": missing_triggers()}))
"""

A_CHANGE_AFTER_THE_UPGRADE = """
import json
from approvals.models import Division, User
from approvals.services import save_with_history
from audit import context, seal
division = Division.objects.order_by("pk").first()
palad = User.objects.get(username="palad")
with context.entered("request", "/after-upgrade/", user=palad, correlation_id="after-upgrade-1"):
    division.name = division.name + " (หลังปรับรุ่น)"
    save_with_history(division, by=palad, reason="ตรวจหลังปรับรุ่น", update_fields=["name"])
row = division.history.order_by("-history_id").first()
report = seal.verify()
print("RESULT", json.dumps({
    "name": row.name, "user": row.history_user.username, "reason": row.history_reason,
    "source": row.history_source, "sealed": report.ok, "issues": [i.describe() for i in report.issues],
}, ensure_ascii=False))
"""


# The triggers the previous release installed at run time, which audit.0003 drops.
GENERATED_TRIGGERS = (
    "SELECT count(*) FROM pg_trigger WHERE tgname IN ('audit_capture', 'audit_seal', 'audit_append_only')"
)


def result_of(completed: subprocess.CompletedProcess) -> dict:
    succeeded(completed)
    line = next(line for line in completed.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def chain_heads(database) -> dict:
    heads = database.rows(
        "SELECT DISTINCT ON (chain) chain, seq, encode(seal, 'hex') FROM audit_seal ORDER BY chain, seq DESC"
    )
    return {str(chain): {"seq": seq, "seal": seal} for chain, seq, seal in heads}


@pytest.fixture(scope="module")
def upgraded(django_db_setup, tmp_path_factory):
    folder = tmp_path_factory.mktemp("upgrade")
    old_code = folder / "v0.1.0"
    old_code.mkdir()
    archive = subprocess.run(
        f"git -C {ROOT} archive {PREVIOUS_RELEASE} | tar -x -C {old_code}", shell=True, capture_output=True, text=True
    )
    assert archive.returncode == 0, f"the previous release's code is needed from git: {archive.stderr}"
    database = create_database("upgrade")
    # The previous release connected with one role, which owned the tables: the owner role here.
    old_env = environment(database, MEDIA_ROOT=str(folder / "media"), DATABASE_URL=database.owner_url)
    del old_env["DATABASE_OWNER_URL"]
    for step in (["migrate", "--no-input"], ["load_sample_agency"], ["play_sample_year"]):
        succeeded(manage(old_env, *step, cwd=old_code))
    before = SimpleNamespace(
        heads=chain_heads(database),
        generated_triggers=database.scalar(GENERATED_TRIGGERS),
        has_context_columns=database.scalar(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'approvals_historicaldivision' "
            "AND column_name = 'history_source'"
        ),
    )
    env = environment(database, MEDIA_ROOT=str(folder / "media"), BACKUP_DIR=str(folder / "backups"))
    upgrade = manage(env, "upgrade")
    yield SimpleNamespace(database=database, env=env, before=before, upgrade=upgrade, backups=folder / "backups")
    drop_database(database)


def test_the_database_was_made_by_the_previous_release(upgraded):
    assert upgraded.before.has_context_columns == 0
    assert upgraded.before.generated_triggers > 0
    assert upgraded.before.heads != {}


def test_upgrade_backs_up_first_then_migrates_and_verifies_every_chain(upgraded):
    assert upgraded.upgrade.returncode == 0, upgraded.upgrade.stdout + upgraded.upgrade.stderr
    (backup,) = upgraded.backups.iterdir()
    manifest = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))

    assert manifest["chain_heads"] == upgraded.before.heads
    assert "audit.0003_drop_generated_triggers" not in manifest["migrations"]
    assert "Applying audit.0003_drop_generated_triggers..." in upgraded.upgrade.stdout
    assert "history rows in 2 chains verified" in upgraded.upgrade.stdout


def test_the_previous_release_s_generated_triggers_are_gone_and_the_declared_ones_are_installed(upgraded):
    generated = upgraded.database.scalar(GENERATED_TRIGGERS)
    generated_functions = upgraded.database.scalar(
        "SELECT count(*) FROM pg_proc WHERE proname LIKE %s OR proname LIKE %s",
        [r"audit\_capture\_\_%", r"audit\_seal\_\_%"],
    )

    assert (generated, generated_functions) == (0, 0)
    assert result_of(manage(upgraded.env, "shell", "-c", STATE)) == {"missing_triggers": []}


def test_a_change_after_the_upgrade_is_historised_with_its_context_and_every_chain_still_verifies(upgraded):
    change = result_of(manage(upgraded.env, "shell", "-c", A_CHANGE_AFTER_THE_UPGRADE))

    assert change["name"].endswith(" (หลังปรับรุ่น)")
    assert (change["user"], change["reason"]) == ("palad", "ตรวจหลังปรับรุ่น")
    assert change["source"] == {"kind": "request", "name": "/after-upgrade/", "id": "after-upgrade-1"}
    assert (change["sealed"], change["issues"]) == (True, [])


def test_a_person_erased_after_the_upgrade_leaves_every_chain_verified_with_rows_the_old_release_sealed(upgraded):
    erased = manage(
        upgraded.env,
        "erase_personal_data",
        "--user=malee",
        "--by=admin",
        "--legal-basis=pdpa_erasure",
        "--reference=ทต 0002/2569",
        "--reason=เจ้าของข้อมูลขอให้ลบ",
    )
    names = upgraded.database.rows(
        "SELECT username, first_name FROM approvals_historicaluser WHERE id = "
        "(SELECT id FROM approvals_user WHERE username LIKE 'erased-%%') ORDER BY history_id"
    )

    assert erased.returncode == 0, erased.stdout + erased.stderr
    assert "verified" in erased.stdout
    assert names[:-1] == [("", "")] * (len(names) - 1) and names[-1][0].startswith("erased-")
