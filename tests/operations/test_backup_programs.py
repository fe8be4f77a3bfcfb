"""Which pg_dump a backup uses, and which backups retention keeps: no database needed."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from operations import backup, pgtools

NOW = datetime.datetime(2026, 6, 30, 2, 0, tzinfo=datetime.UTC)


def fake_client_programs(folder: Path, version: str) -> Path:
    folder.mkdir(parents=True)
    for name in ("pg_dump", "pg_restore"):
        program = folder / name
        program.write_text(f"#!/bin/sh\necho '{name} (PostgreSQL) {version}'\n")
        program.chmod(0o755)
    return folder


def test_the_pg_dump_of_the_server_s_major_version_is_chosen(settings, tmp_path):
    settings.BACKUP_PG_BIN_DIR = str(fake_client_programs(tmp_path / "pg16", "16.4"))

    chosen = pgtools.program_for("pg_dump", 16)

    assert (chosen.path, chosen.major) == (tmp_path / "pg16" / "pg_dump", 16)


def test_without_a_pg_dump_of_the_server_s_major_version_the_error_names_the_versions_found(settings, tmp_path):
    settings.BACKUP_PG_BIN_DIR = str(fake_client_programs(tmp_path / "pg16", "16.4"))

    with pytest.raises(CommandError) as refused:
        pgtools.program_for("pg_dump", 99)

    assert "PostgreSQL 99" in str(refused.value)
    assert f"{tmp_path / 'pg16' / 'pg_dump'} (16.4)" in str(refused.value)
    assert "ไม่พบ pg_dump" in str(refused.value)


def a_backup(root: Path, days_old: int) -> Path:
    created = NOW - datetime.timedelta(days=days_old)
    path = root / f"khunatham-{created:%Y%m%dT%H%M%SZ}"
    path.mkdir(parents=True)
    (path / "manifest.json").write_text(json.dumps({"created_at": created.isoformat()}))
    return path


def test_backups_older_than_the_retention_period_are_pruned_but_the_newest_are_always_kept(tmp_path):
    ages = [90, 60, 45, 20, 1]
    made = {age: a_backup(tmp_path, age) for age in ages}

    pruned = backup.prune(tmp_path, days=30, keep_at_least=3, now=NOW)

    assert pruned == [made[90], made[60]]
    assert backup.complete_backups(tmp_path) == [made[45], made[20], made[1]]
