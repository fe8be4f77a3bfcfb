"""`python manage.py backup [--dir PATH] [--no-prune] [--daily-at HH:MM]`: one consistent backup (the database,
the files, a manifest of SHA-256s and chain heads; operations/backup.py), then old backups pruned.

With `--daily-at`, it keeps running and makes one backup a day at that local time (TIME_ZONE): the compose
file's `backup` service runs it so.
"""

from __future__ import annotations

import datetime
import logging
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from operations import backup

logger = logging.getLogger("operations.backup")


def next_run(at: datetime.time, now: datetime.datetime) -> datetime.datetime:
    """The next local time `at` after `now`."""
    local = timezone.localtime(now)
    candidate = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += datetime.timedelta(days=1)
    return candidate


class Command(BaseCommand):
    help = "สำรองฐานข้อมูลและไฟล์พร้อมบัญชี SHA-256 / Back up the database and files with a SHA-256 manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dir", type=Path, help="ที่เก็บชุดสำรอง / where backups go (default BACKUP_DIR)")
        parser.add_argument("--no-prune", action="store_true", help="ไม่ลบชุดสำรองเก่า / keep every older backup")
        parser.add_argument(
            "--daily-at",
            type=lambda text: datetime.time.fromisoformat(text),
            help="ทำงานต่อเนื่อง สำรองวันละครั้งเวลานี้ / keep running: back up every day at HH:MM (TIME_ZONE)",
        )

    def handle(self, *args, dir: Path | None = None, no_prune: bool = False, daily_at=None, **options) -> None:
        root = dir or Path(settings.BACKUP_DIR)
        if daily_at is None:
            self.back_up(root, prune=not no_prune)
            return
        while True:
            when = next_run(daily_at, timezone.now())
            logger.info("next backup at %s", when.isoformat())
            time.sleep(max((when - timezone.now()).total_seconds(), 0))
            try:
                self.back_up(root, prune=not no_prune)
            except Exception:
                # Logged (and reported to Sentry when configured); tomorrow's backup is tried all the same.
                logger.exception("backup failed")

    def back_up(self, root: Path, *, prune: bool) -> backup.Backup:
        made = backup.create_backup(root)
        manifest = made.manifest
        heads = ", ".join(f"{chain}:{head['seq']}" for chain, head in sorted(manifest["chain_heads"].items()))
        self.stdout.write(
            f"สำรองแล้ว / backed up: {made.path}\n"
            f"  ฐานข้อมูล / database: {manifest['database']['size']} bytes, SHA-256 {manifest['database']['sha256']}\n"
            f"  ไฟล์ / files: {len(manifest['files'])}\n"
            f"  หัวสายโซ่ / chain heads: {heads}"
        )
        logger.info(
            "backup written",
            extra={"backup": str(made.path), "files": len(manifest["files"]), "missing": len(made.missing)},
        )
        if prune:
            for path in backup.prune(root):
                self.stdout.write(f"ลบชุดสำรองที่เกินระยะเก็บ / pruned: {path}")
        if made.missing:
            raise CommandError(
                f"ไฟล์ {len(made.missing)} ไฟล์ที่ฐานข้อมูลอ้างถึงไม่มีในที่เก็บไฟล์ (บันทึกไว้ใน manifest) / "
                f"{len(made.missing)} files the database points at are missing from storage (listed in the "
                f"manifest): {', '.join(made.missing[:5])}"
            )
        return made
