"""Backups (การสำรองข้อมูล): the database, the files it points at, and a manifest that proves both.

One backup is a folder `khunatham-<UTC time>/` under BACKUP_DIR:

- `database.dump`: `pg_dump --format=custom` of the whole database, taken by the pg_dump of the server's
  major version (operations/pgtools.py) as the tables' owner;
- `files/<name>`: every file a record points at (evidence files, rendered reports, any FileField, current
  or in history), read through Django's storage API, so local folders and S3 are backed up alike;
- `manifest.json`: the SHA-256 and size of the dump and of every file, the migrations applied, and the
  head of every hash chain (audit/seal/anchors.py `chain_heads`) at backup time.

The dump, the chain heads and the list of files come from ONE snapshot of the database: a repeatable-read
transaction exports its snapshot and pg_dump runs with `--snapshot`, so the manifest describes exactly the
database in the dump, however busy the app is meanwhile. Files are named by their content's hash and never
rewritten, so copying them after the snapshot copies what the snapshot points at.

The folder is written as `<name>.partial` and renamed when complete: a folder without that suffix is a
complete backup. Old backups are pruned after a successful one (BACKUP_RETENTION_DAYS, keeping at least
BACKUP_KEEP_AT_LEAST of the newest whatever their age).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import partial
from importlib import metadata
from pathlib import Path, PurePosixPath
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

from audit import roles
from audit.seal import chain_heads
from operations import pgtools

FORMAT = 1
KIND = "khunatham-backup"
MANIFEST = "manifest.json"
DUMP = "database.dump"
FILES = "files"
PREFIX = "khunatham-"
PARTIAL = ".partial"
CHUNK = 1024 * 1024


@dataclass
class Backup:
    path: Path
    manifest: dict[str, Any]
    missing: list[str] = field(default_factory=list)
    pruned: list[Path] = field(default_factory=list)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def release() -> str:
    try:
        return metadata.version("khunatham")
    except metadata.PackageNotFoundError:
        return "unknown"


def owner_login(connection) -> tuple[str, str]:
    """The role that owns the tables (DATABASE_OWNER_URL), or the app's own when no owner is configured."""
    owner = roles.owner_credentials()
    if owner is not None:
        return owner["USER"], owner["PASSWORD"]
    return connection.settings_dict.get("USER", ""), connection.settings_dict.get("PASSWORD", "")


def safe_name(name: str) -> PurePosixPath:
    """A storage name as a relative path inside the backup; refuses names that would leave it."""
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise CommandError(f"ชื่อไฟล์ไม่ปลอดภัยในที่เก็บไฟล์ / unsafe stored file name: {name!r}")
    return path


def file_fields() -> list[tuple[type[models.Model], str]]:
    """(model, field name) of every FileField, and the same field of its history model (simple-history keeps
    a file's name too), so that a file only an older version points at is kept as well."""
    found = []
    for model in apps.get_models():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.FileField):
                found.append((model, model_field.name))
                history = getattr(model, "history", None)
                history_model = getattr(history, "model", None)
                if history_model is not None and any(
                    f.name == model_field.name for f in history_model._meta.concrete_fields
                ):
                    found.append((history_model, model_field.name))
    return found


def stored_file_names(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    # A database made by an earlier release (a backup before `upgrade`) may lack a newer model's table.
    # A database made by an earlier release (a backup before `upgrade`) may lack a newer model's table, or a
    # newer field's column.
    connection = connections[using]
    tables = set(connection.introspection.table_names())
    names: set[str] = set()
    columns: dict[str, set[str]] = {}
    for model, name in file_fields():
        table = model._meta.db_table
        if table not in tables:
            continue
        if table not in columns:
            with connection.cursor() as cursor:
                columns[table] = {c.name for c in connection.introspection.get_table_description(cursor, table)}
        model_field = model._meta.get_field(name)
        if not isinstance(model_field, models.Field) or model_field.column not in columns[table]:
            continue
        values = model._base_manager.using(using).exclude(**{f"{name}__isnull": True}).exclude(**{name: ""})
        names.update(values.values_list(name, flat=True).distinct())
    return sorted(names)


def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """`app.name` of every migration applied."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [f"{app}.{name}" for app, name in cursor.fetchall()]


def _timestamp(now: datetime.datetime) -> str:
    return now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _dump(connection, snapshot: str, target: Path, major: int) -> pgtools.Program:
    program = pgtools.program_for("pg_dump", major)
    user, password = owner_login(connection)
    result = subprocess.run(
        [
            str(program.path),
            "--format=custom",
            f"--snapshot={snapshot}",
            "--no-password",
            f"--file={target}",
        ],
        env=pgtools.libpq_environment(connection, user, password),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise CommandError(f"pg_dump ล้มเหลว / pg_dump failed: {result.stderr.strip()}")
    return program


def _copy_files(names: list[str], folder: Path) -> tuple[list[dict[str, Any]], list[str]]:
    copied, missing = [], []
    for name in names:
        target = folder / FILES / safe_name(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        try:
            with default_storage.open(name, "rb") as source, target.open("wb") as out:
                for chunk in iter(partial(source.read, CHUNK), b""):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        except (FileNotFoundError, OSError):
            target.unlink(missing_ok=True)
            missing.append(name)
            continue
        copied.append({"name": name, "sha256": digest.hexdigest(), "size": size})
    return copied, missing


def create_backup(root: Path | None = None, *, using: str = DEFAULT_DB_ALIAS) -> Backup:
    """Write one complete backup under `root` (BACKUP_DIR) and return it; prune nothing."""
    root = Path(root or settings.BACKUP_DIR)
    root.mkdir(parents=True, exist_ok=True)
    now = timezone.now()
    name = PREFIX + _timestamp(now)
    suffix = 1
    while (root / name).exists() or (root / (name + PARTIAL)).exists():
        suffix += 1
        name = f"{PREFIX}{_timestamp(now)}-{suffix}"
    partial = root / (name + PARTIAL)
    partial.mkdir()
    connection = connections[using]
    try:
        with roles.as_owner(connection), transaction.atomic(using=using):
            with connection.cursor() as cursor:
                # One snapshot for the dump, the chain heads and the list of files.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
                snapshot, server_version = cursor.fetchone()
            major = pgtools.server_major(connection)
            heads = chain_heads(using)
            names = stored_file_names(using)
            migrations = applied_migrations(using)
            database_name = connection.settings_dict["NAME"]
            program = _dump(connection, snapshot, partial / DUMP, major)
        files, missing = _copy_files(names, partial)
        manifest = {
            "format": FORMAT,
            "kind": KIND,
            "created_at": now.isoformat(),
            "release": release(),
            "database": {
                "file": DUMP,
                "sha256": sha256_of(partial / DUMP),
                "size": (partial / DUMP).stat().st_size,
                "name": database_name,
                "server_version": server_version,
                "pg_dump": program.version,
            },
            "migrations": migrations,
            "chain_heads": {str(chain): {"seq": seq, "seal": seal.hex()} for chain, (seq, seal) in heads.items()},
            "files": files,
            "missing_files": missing,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        final = root / name
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return Backup(path=final, manifest=manifest, missing=missing)


def complete_backups(root: Path) -> list[Path]:
    """The complete backups under `root`, oldest first (their names sort by time)."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith(PREFIX) and (p / MANIFEST).is_file())


def prune(
    root: Path | None = None,
    *,
    days: int | None = None,
    keep_at_least: int | None = None,
    now: datetime.datetime | None = None,
) -> list[Path]:
    """Delete complete backups older than `days` (BACKUP_RETENTION_DAYS), always keeping the newest
    `keep_at_least` (BACKUP_KEEP_AT_LEAST), and partial folders left by a backup that died a day ago."""
    root = Path(root or settings.BACKUP_DIR)
    days = settings.BACKUP_RETENTION_DAYS if days is None else days
    keep_at_least = settings.BACKUP_KEEP_AT_LEAST if keep_at_least is None else keep_at_least
    now = now or timezone.now()
    limit = now - datetime.timedelta(days=days)
    backups = complete_backups(root)
    removable = backups[: max(len(backups) - keep_at_least, 0)]
    removed = []
    for path in removable:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
        if datetime.datetime.fromisoformat(manifest["created_at"]) < limit:
            shutil.rmtree(path)
            removed.append(path)
    if root.is_dir():
        for path in root.glob(f"{PREFIX}*{PARTIAL}"):
            modified = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
            if modified < now - datetime.timedelta(days=1):
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed
