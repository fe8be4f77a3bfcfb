"""manage.py import_ita_report PATH [--agency NAME] [--fiscal-year 2566] [--dry-run] [--json]"""

from __future__ import annotations

import hashlib
import json as jsonlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify

from approvals.importer import limits
from approvals.importer.errors import ReportError
from approvals.importer.files import parse_report_file
from approvals.importer.writer import IMPORT_REASON, import_plan
from approvals.models import Agency
from approvals.services import create_agency, system_user


class Command(BaseCommand):
    help = (
        "Import an agency's ITA measures report (a Word .docx, a PDF with text, or text exported from Word) "
        "into its plan. "
        "With --dry-run nothing is written and no database is needed."
    )
    # A dry run must work without a database, so no system checks that might need one.
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "path", help="the report: .docx, PDF with a text layer, or text (UTF-8, UTF-16 with BOM, Windows-874)"
        )
        parser.add_argument("--agency", help="agency name (default: the name on the report's cover)")
        parser.add_argument("--fiscal-year", type=int, help="fiscal year in B.E., e.g. 2566 (default: the report's)")
        parser.add_argument("--dry-run", action="store_true", help="parse and show the plan, write nothing")
        parser.add_argument("--json", dest="as_json", action="store_true", help="print the parsed plan as JSON")

    def handle(
        self, *args, path: str, agency: str | None, fiscal_year: int | None, dry_run: bool, as_json: bool, **options
    ) -> None:
        source = Path(path)
        try:
            # A file far beyond any report is refused before it is read into memory.
            limits.check_size(source.stat().st_size)
            data = source.read_bytes()
            report = parse_report_file(data, agency=agency, fiscal_year=fiscal_year)
        except OSError as exc:
            raise CommandError(f"อ่านไฟล์ไม่ได้ / cannot read {path}: {exc.strerror}") from None
        except ReportError as exc:
            raise CommandError(str(exc)) from None
        parsed = report.to_dict()

        if as_json:
            self.stdout.write(_dumps(parsed))
        elif dry_run:
            self._describe(parsed)
        if dry_run:
            return

        by = system_user()
        with transaction.atomic():
            target = Agency.objects.filter(name=parsed["agency"]).first()
            if target is None:
                target = create_agency(
                    name=parsed["agency"],
                    slug=_unique_slug(parsed["agency"]),
                    district=parsed.get("district") or "",
                    province=parsed.get("province") or "",
                    by=by,
                    reason=IMPORT_REASON,
                )
                self.stderr.write(f"สร้างหน่วยงานใหม่ / created agency: {target.name}")
            summary = import_plan(
                parsed, agency=target, by=by, source_name=source.name, source_sha256=hashlib.sha256(data).hexdigest()
            )
        for warning in summary.warnings:
            self.stderr.write(self.style.WARNING(warning))
        if not as_json:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{target.name} {parsed['fiscal_year']}: {summary.created} created, "
                    f"{summary.updated} updated, {summary.unchanged} unchanged"
                )
            )

    def _describe(self, parsed: dict) -> None:
        self.stdout.write(f"{parsed['agency']} · ปีงบประมาณ {parsed['fiscal_year']}")
        for measure in parsed["measures"]:
            self.stdout.write(f"{measure['number']}. {measure['title']}")
            for indicator in measure["indicators"]:
                self.stdout.write(
                    f"  {indicator['assessment']} {indicator['number']} {indicator['name']} "
                    f"({indicator['status']}): {len(indicator['actions'])} actions"
                )
        for warning in parsed.get("warnings", []):
            self.stderr.write(self.style.WARNING(warning))


def _dumps(value: dict) -> str:
    return jsonlib.dumps(value, ensure_ascii=False, indent=2, default=str)


def _unique_slug(name: str) -> str:
    # The slug field's own length bounds it, with room for a "-<n>" suffix.
    max_length = Agency._meta.get_field("slug").max_length
    assert max_length is not None  # a SlugField always has one
    room = max_length - 8
    base = (slugify(name) or "agency")[:room].strip("-") or "agency"
    slug, n = base, 1
    while Agency.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug
