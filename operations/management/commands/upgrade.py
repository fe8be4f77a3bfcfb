"""`python manage.py upgrade [--backup-dir PATH]` (`make upgrade`): the upgrade of an installation to the code
at hand, in the only safe order: a backup first (operations/backup.py), then `migrate` (as the tables'
owner), then the proof that nothing was lost on the way: every declared audit trigger installed and
enabled (audit/startup.py) and every hash chain verified. Exits non-zero, naming the backup to restore,
when a step fails."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from audit import roles, seal, signals
from audit.startup import missing_triggers
from operations import backup
from operations.restore import pending_migrations


class Command(BaseCommand):
    help = "สำรอง ปรับรุ่นฐานข้อมูล แล้วตรวจสายโซ่ / Back up, migrate, then verify the hash chains."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--backup-dir", type=Path, help="ที่เก็บชุดสำรอง / where the backup goes (BACKUP_DIR)")

    def handle(self, *args, backup_dir: Path | None = None, **options) -> None:
        # As the owner: before its first upgrade, an installation's app role may not even read the tables.
        with roles.as_owner(connection):
            pending = pending_migrations("default")
        self.stdout.write(f"รายการปรับรุ่นที่ยังไม่ได้ทำ / pending migrations: {len(pending)}")
        for name in pending:
            self.stdout.write(f"  {name}")
        made = backup.create_backup(backup_dir or Path(settings.BACKUP_DIR))
        self.stdout.write(f"สำรองก่อนปรับรุ่นแล้ว / backed up before upgrading: {made.path}")
        restore_hint = f"กู้คืนด้วย / restore with: manage.py restore {made.path}"
        try:
            call_command("migrate", interactive=False, verbosity=options.get("verbosity", 1), stdout=self.stdout)
        except Exception as error:
            raise CommandError(f"ปรับรุ่นไม่สำเร็จ / migrate failed: {error}. {restore_hint}") from error
        problems = missing_triggers()
        if problems:
            raise CommandError(f"ทริกเกอร์ไม่ครบ / audit triggers missing: {'; '.join(problems)}. {restore_hint}")
        report = seal.verify()
        signals.chains_verified.send(sender=None, report=report)
        for issue in report.issues:
            self.stdout.write(issue.describe())
        if not report.ok:
            raise CommandError(
                f"ตรวจสายโซ่ไม่ผ่าน ({len(report.issues)} รายการ) / chain verification failed "
                f"({len(report.issues)} problems). {restore_hint}"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"ปรับรุ่นเสร็จ ตรวจแล้ว {report.rows_checked} แถว {len(report.chains)} สายโซ่ / "
                f"upgraded: {report.rows_checked} history rows in {len(report.chains)} chains verified"
            )
        )
