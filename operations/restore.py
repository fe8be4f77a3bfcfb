"""Restoring a backup (การกู้คืนข้อมูล) into an empty database and an empty file storage, then proving it.

In order, stopping at the first step that cannot go on:

1. the folder is a backup (its manifest), the database and the storage are empty (a restore never mixes
   with data already there), and the dump's SHA-256 is the manifest's;
2. `pg_restore` of the server's major version, as the tables' owner, in one transaction, without the
   dump's owners and grants (`--no-owner --no-acl`): whatever the roles were called where the backup was
   made, the owner here owns everything, and the app's role then gets its rows as `migrate` grants them
   (audit/roles.py). The triggers are restored after the data (pg_dump puts them last), so restoring writes
   no history row, and they come back enabled and in their declared version;
3. the chain heads are compared with the manifest's; a backup made by an earlier release is migrated to
   this one (as `manage.py upgrade` would);
4. every file is written to the storage through Django's storage API, read back, and compared with the
   manifest's SHA-256;
5. the triggers are checked (audit/startup.py) and every hash chain is verified (audit/seal/verifier.py).

The report names every problem; the command exits non-zero when there is one.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import Storage, default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader

from audit import roles, seal, signals
from audit.startup import missing_triggers
from operations import pgtools
from operations.backup import CHUNK, DUMP, FILES, KIND, MANIFEST, owner_login, safe_name, sha256_of


@dataclass
class RestoreReport:
    backup: Path
    manifest: dict[str, Any]
    migrations_applied: list[str] = field(default_factory=list)
    heads_differ: list[str] = field(default_factory=list)
    files_ok: int = 0
    file_problems: list[tuple[str, str]] = field(default_factory=list)
    triggers_missing: list[str] = field(default_factory=list)
    verification: seal.Report | None = None

    @property
    def ok(self) -> bool:
        verified = self.verification is not None and self.verification.ok
        return verified and not (self.heads_differ or self.file_problems or self.triggers_missing)

    def lines(self) -> list[str]:
        """The report in Thai and English, one finding a line."""
        out = [f"กู้คืนจาก / restored from: {self.backup} ({self.manifest.get('created_at', '?')})"]
        for name in self.migrations_applied:
            out.append(f"ปรับฐานข้อมูลเป็นรุ่นปัจจุบัน / migrated to this release: {name}")
        out += [f"หัวสายโซ่ไม่ตรงกับบันทึก / chain head differs from the manifest: {d}" for d in self.heads_differ]
        out.append(
            f"ไฟล์ถูกต้อง {self.files_ok} จาก {len(self.manifest.get('files', []))} ไฟล์ / "
            f"{self.files_ok} of {len(self.manifest.get('files', []))} files match the manifest"
        )
        out += [f"ไฟล์มีปัญหา / file problem: {name}: {problem}" for name, problem in self.file_problems]
        out += [f"ทริกเกอร์ / trigger: {problem}" for problem in self.triggers_missing]
        if self.verification is not None:
            out += [issue.describe() for issue in self.verification.issues]
            out.append(
                f"ตรวจสายโซ่แล้ว {self.verification.rows_checked} แถว {len(self.verification.chains)} สาย / "
                f"verified {self.verification.rows_checked} history rows in {len(self.verification.chains)} chains"
            )
        out.append(
            "ผลการกู้คืน: ถูกต้องครบถ้วน / restore verified: everything matches"
            if self.ok
            else "ผลการกู้คืน: พบปัญหา (ดูรายการข้างบน) / restore NOT verified: see the problems above"
        )
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "backup": str(self.backup),
            "migrations_applied": self.migrations_applied,
            "heads_differ": self.heads_differ,
            "files_ok": self.files_ok,
            "file_problems": [{"name": n, "problem": p} for n, p in self.file_problems],
            "triggers_missing": self.triggers_missing,
            "rows_verified": self.verification.rows_checked if self.verification else 0,
            "verification_issues": [i.as_dict() for i in self.verification.issues] if self.verification else [],
        }


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(
            f"{path} ไม่ใช่ชุดสำรองข้อมูล (อ่าน {MANIFEST} ไม่ได้) / {path} is not a backup: {MANIFEST} "
            f"cannot be read ({error})"
        ) from None
    if manifest.get("kind") != KIND:
        raise CommandError(f"{path} ไม่ใช่ชุดสำรองข้อมูลของระบบนี้ / {path} is not a Khunatham backup")
    return manifest


def database_objects(using: str = DEFAULT_DB_ALIAS) -> int:
    """Tables, views, sequences and functions in the database's schema."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S')) + "
            "       (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "        WHERE n.nspname = current_schema())"
        )
        return int(cursor.fetchone()[0])


def storage_is_empty(storage: Storage) -> bool:
    try:
        directories, files = storage.listdir("")
    except FileNotFoundError:
        return True
    return not directories and not files


def refuse_unless_empty(using: str = DEFAULT_DB_ALIAS, storage: Storage = default_storage) -> None:
    connection = connections[using]
    objects = database_objects(using)
    if objects:
        raise CommandError(
            f"ฐานข้อมูล {connection.settings_dict['NAME']} ไม่ว่าง (มี {objects} ตาราง/ลำดับ/ฟังก์ชัน): "
            "กู้คืนได้เฉพาะฐานข้อมูลที่สร้างใหม่และว่างเปล่า / "
            f"the database {connection.settings_dict['NAME']} is not empty ({objects} tables, sequences or "
            "functions): a backup is restored only into a new, empty database."
        )
    if not storage_is_empty(storage):
        raise CommandError(
            "ที่เก็บไฟล์ไม่ว่าง: กู้คืนได้เฉพาะที่เก็บไฟล์ที่ว่างเปล่า (MEDIA_ROOT หรือ bucket ใหม่) / "
            "the file storage is not empty: a backup is restored only into empty storage (a new MEDIA_ROOT or bucket)."
        )


def _refuse_unknown_migrations(manifest: dict[str, Any], using: str) -> None:
    disk = MigrationLoader(connections[using], ignore_no_migrations=True).disk_migrations
    # A squashed migration stands for those it replaces, which older databases recorded one by one.
    known = set(disk) | {tuple(replaced) for migration in disk.values() for replaced in migration.replaces}
    applied = [tuple(name.split(".", 1)) for name in manifest.get("migrations", [])]
    unknown = sorted(f"{app}.{name}" for app, name in applied if (app, name) not in known)
    if unknown:
        raise CommandError(
            "ชุดสำรองนี้มาจากระบบรุ่นที่ใหม่กว่าโปรแกรมนี้: กู้คืนด้วยรุ่นที่สร้างชุดสำรอง "
            f"({manifest.get('release')}) / this backup comes from a newer release than this code: restore it with "
            f"the release that made it ({manifest.get('release')}). Unknown migrations: {', '.join(unknown[:10])}"
        )


def _pg_restore(path: Path, using: str) -> None:
    connection = connections[using]
    program = pgtools.program_for("pg_restore", pgtools.server_major(connection))
    user, password = owner_login(connection)
    result = subprocess.run(
        [
            str(program.path),
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={connection.settings_dict['NAME']}",
            str(path / DUMP),
        ],
        env=pgtools.libpq_environment(connection, user, password),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise CommandError(f"pg_restore ล้มเหลว / pg_restore failed: {result.stderr.strip()}")


def _compare_heads(manifest: dict[str, Any], using: str) -> list[str]:
    expected = {int(chain): (head["seq"], head["seal"]) for chain, head in manifest.get("chain_heads", {}).items()}
    found = {chain: (seq, value.hex()) for chain, (seq, value) in seal.chain_heads(using).items()}
    differ = []
    for chain in sorted(set(expected) | set(found)):
        if expected.get(chain) != found.get(chain):
            was, now = expected.get(chain, ("-", "")), found.get(chain, ("-", ""))
            differ.append(f"chain {chain}: manifest seq {was[0]} {was[1][:16]}, restored seq {now[0]} {now[1][:16]}")
    return differ


def pending_migrations(using: str) -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def _restore_files(path: Path, manifest: dict[str, Any], storage: Storage, report: RestoreReport) -> None:
    for name in manifest.get("missing_files", []):
        report.file_problems.append((name, "ไม่มีในที่เก็บไฟล์ตั้งแต่ตอนสำรอง / already missing when the backup was made"))
    for entry in manifest.get("files", []):
        name, expected = entry["name"], entry["sha256"]
        source = path / FILES / safe_name(name)
        if not source.is_file():
            report.file_problems.append((name, "ไม่มีในชุดสำรอง / missing from the backup"))
            continue
        with source.open("rb") as content:
            saved = storage.save(name, File(content, name=name))
        if saved != name:
            report.file_problems.append((name, f"บันทึกได้ในชื่ออื่น / stored under another name: {saved}"))
            continue
        digest = hashlib.sha256()
        with storage.open(name, "rb") as stored:
            for chunk in iter(partial(stored.read, CHUNK), b""):
                digest.update(chunk)
        if digest.hexdigest() != expected:
            report.file_problems.append(
                (
                    name,
                    f"เนื้อหาไม่ตรงกับบันทึก / content does not match the manifest "
                    f"(SHA-256 {digest.hexdigest()[:16]}…, expected {expected[:16]}…)",
                )
            )
        else:
            report.files_ok += 1


def restore_backup(path: Path, *, using: str = DEFAULT_DB_ALIAS, storage: Storage = default_storage) -> RestoreReport:
    """Restore the backup in `path` into the configured (empty) database and storage, and verify it."""
    path = Path(path)
    manifest = read_manifest(path)
    report = RestoreReport(backup=path, manifest=manifest)
    refuse_unless_empty(using, storage)
    dump = manifest.get("database", {})
    if not (path / DUMP).is_file() or sha256_of(path / DUMP) != dump.get("sha256"):
        raise CommandError(
            f"ไฟล์ฐานข้อมูล {DUMP} ในชุดสำรองเสียหายหรือหายไป (SHA-256 ไม่ตรงกับบันทึก): ไม่ได้กู้คืนอะไร / "
            f"the backup's {DUMP} is damaged or missing (its SHA-256 differs from the manifest): nothing was restored."
        )
    _refuse_unknown_migrations(manifest, using)

    connection = connections[using]
    _pg_restore(path, using)
    app = roles.app_role()
    if app is not None:
        with roles.as_owner(connection):
            roles.grant_app_role(connection, app)
    report.heads_differ = _compare_heads(manifest, using)
    pending = pending_migrations(using)
    if pending:
        call_command("migrate", database=using, interactive=False, verbosity=0)
        report.migrations_applied = pending

    _restore_files(path, manifest, storage, report)
    report.triggers_missing = missing_triggers(using)
    report.verification = seal.verify(using=using)
    signals.chains_verified.send(sender=None, report=report.verification)
    return report
