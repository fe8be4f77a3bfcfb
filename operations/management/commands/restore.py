"""`python manage.py restore PATH [--json]`: restore a backup into the configured EMPTY database and storage,
then verify the hash chains and every file against the manifest (operations/restore.py). Exits non-zero
unless everything matches."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from operations.restore import restore_backup


class Command(BaseCommand):
    help = (
        "กู้คืนชุดสำรองลงฐานข้อมูลและที่เก็บไฟล์ที่ว่าง แล้วตรวจสอบ / "
        "Restore a backup into an empty database and storage, then verify it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="โฟลเดอร์ชุดสำรอง / the backup folder (khunatham-...)")
        parser.add_argument("--json", action="store_true", help="รายงานเป็น JSON / print the report as JSON")

    def handle(self, *args, path: Path, **options) -> None:
        report = restore_backup(path)
        if options["json"]:
            self.stdout.write(_json(report.as_dict()))
        else:
            for line in report.lines():
                self.stdout.write(line)
        if not report.ok:
            raise CommandError("การกู้คืนพบปัญหา / the restore found problems (see the report)")


def _json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
