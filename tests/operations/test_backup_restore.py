"""Backups are proved by restoring them: the sample year is played in a database of its own, backed up
with `manage.py backup`, and restored with `manage.py restore` into another, empty database and storage,
where every history row and every file is verified. All through manage.py in subprocesses, as an operator
runs them (tests/operations/scratch.py)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

import pytest

from tests.operations.scratch import create_database, drop_database, environment, manage, succeeded

pytestmark = pytest.mark.slow

RENDER_A_REPORT = """
from approvals.models import Plan, User
from reports import services
plan = Plan.objects.get(agency__slug="ko-loi-bang-hak")
report = services.request_report(plan, 6, "xlsx", by=User.objects.get(username="admin"))
print("RESULT", services.render_report(report.pk).status)
"""


def stored_files(media: Path) -> dict[str, str]:
    """Every file under a storage folder, by storage name, with its SHA-256."""
    return {
        path.relative_to(media).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in media.rglob("*")
        if path.is_file()
    }


@pytest.fixture(scope="module")
def sample_year_backup(django_db_setup, tmp_path_factory):
    folder = tmp_path_factory.mktemp("backup")
    source = create_database("bk_src")
    env = environment(source, MEDIA_ROOT=str(folder / "media"), BACKUP_DIR=str(folder / "backups"))
    for step in (["migrate", "--no-input"], ["load_sample_agency"], ["play_sample_year"]):
        succeeded(manage(env, *step))
    rendered = manage(env, "shell", "-c", RENDER_A_REPORT)
    assert "RESULT done" in rendered.stdout, rendered.stderr[-3000:]
    succeeded(manage(env, "backup"))
    (path,) = (folder / "backups").iterdir()
    yield SimpleNamespace(
        database=source,
        env=env,
        media=folder / "media",
        path=path,
        manifest=json.loads((path / "manifest.json").read_text(encoding="utf-8")),
    )
    drop_database(source)


@pytest.fixture(scope="module")
def restored(sample_year_backup, tmp_path_factory):
    media = tmp_path_factory.mktemp("restored") / "media"
    target = create_database("bk_restored")
    result = manage(environment(target, MEDIA_ROOT=str(media)), "restore", str(sample_year_backup.path))
    yield SimpleNamespace(database=target, media=media, result=result)
    drop_database(target)


def restore_a_copy(backup, tmp_path: Path, suffix: str, damage) -> tuple:
    """Restore a copy of the backup, damaged by `damage(copy)`, into a new database of its own."""
    copy = tmp_path / backup.path.name
    shutil.copytree(backup.path, copy)
    damage(copy)
    target = create_database(suffix)
    try:
        result = manage(environment(target, MEDIA_ROOT=str(tmp_path / "media")), "restore", str(copy))
        tables = target.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")
    finally:
        drop_database(target)
    return result, tables


def test_the_backed_up_sample_year_restores_into_another_database_with_every_history_row_and_file_verified(
    sample_year_backup, restored
):
    seals = sample_year_backup.database.scalar("SELECT count(*) FROM audit_seal")
    files = len(sample_year_backup.manifest["files"])

    assert restored.result.returncode == 0, restored.result.stdout + restored.result.stderr
    assert f"verified {seals} history rows" in restored.result.stdout
    assert f"{files} of {files} files match the manifest" in restored.result.stdout
    assert "restore verified: everything matches" in restored.result.stdout


def test_the_backup_holds_every_evidence_file_and_rendered_report_with_its_sha256(sample_year_backup):
    in_manifest = {entry["name"]: entry["sha256"] for entry in sample_year_backup.manifest["files"]}

    assert in_manifest == stored_files(sample_year_backup.media)
    assert {name.split("/")[0] for name in in_manifest} == {"evidence", "reports"}


def test_the_manifest_names_each_chain_head_at_backup_time(sample_year_backup):
    heads = sample_year_backup.database.rows(
        "SELECT DISTINCT ON (chain) chain, seq, encode(seal, 'hex') FROM audit_seal ORDER BY chain, seq DESC"
    )

    assert sample_year_backup.manifest["chain_heads"] == {
        str(chain): {"seq": seq, "seal": seal} for chain, seq, seal in heads
    }


def test_the_restored_files_are_the_backed_up_storage_s_files(sample_year_backup, restored):
    assert stored_files(restored.media) == stored_files(sample_year_backup.media)


def test_the_restored_tables_belong_to_the_owner_and_the_app_role_gets_rows_but_cannot_rewrite_history(restored):
    database = restored.database
    owner, app = urlparse(database.owner_url).username, urlparse(database.app_url).username

    assert database.rows("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = current_schema()") == [(owner,)]
    assert database.scalar("SELECT has_table_privilege(%s, 'approvals_user', 'UPDATE')", [app]) is True
    assert database.scalar("SELECT has_table_privilege(%s, 'approvals_historicaluser', 'UPDATE')", [app]) is False
    assert database.rows("SELECT DISTINCT tgenabled FROM pg_trigger WHERE NOT tgisinternal") == [("O",)]


def test_a_file_corrupted_in_the_backup_is_named_by_the_restore(sample_year_backup, tmp_path):
    name = next(entry["name"] for entry in sample_year_backup.manifest["files"] if entry["name"].startswith("evidence"))

    def corrupt(copy: Path) -> None:
        (copy / "files" / name).write_bytes(b"not the evidence that was uploaded")

    result, _tables = restore_a_copy(sample_year_backup, tmp_path, "bk_corrupt", corrupt)

    assert result.returncode != 0
    assert f"file problem: {name}: " in result.stdout
    assert "content does not match the manifest" in result.stdout
    assert "restore NOT verified" in result.stdout


def test_a_backup_whose_dump_is_damaged_restores_nothing(sample_year_backup, tmp_path):
    def damage(copy: Path) -> None:
        with (copy / "database.dump").open("r+b") as dump:
            dump.seek(1000)
            dump.write(b"\x00\x01\x02\x03")

    result, tables = restore_a_copy(sample_year_backup, tmp_path, "bk_damaged", damage)

    assert result.returncode != 0
    assert "is damaged or missing" in result.stderr and "เสียหาย" in result.stderr
    assert tables == 0


def test_a_restore_into_a_database_that_is_not_empty_is_refused_in_thai_and_english(sample_year_backup):
    result = manage(sample_year_backup.env, "restore", str(sample_year_backup.path))

    assert result.returncode != 0
    assert "ไม่ว่าง" in result.stderr and "is not empty" in result.stderr
