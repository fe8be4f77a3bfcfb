"""manage.py ita_report: render the official progress report to a file."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Q

from approvals.exceptions import DomainError
from approvals.models import Agency, User
from reports import renderers
from reports.assembly import assemble_report, find_plan
from reports.models import ReportFormat


class Command(BaseCommand):
    help = (
        "Render the official progress report (รายงานผลการดำเนินงานตามมาตรการส่งเสริมคุณธรรมและความโปร่งใส"
        "ภายในหน่วยงาน) of a fiscal year's 6- or 12-month round as PDF, DOCX or XLSX."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", help="agency name or public address (optional when there is only one)")
        parser.add_argument("--fiscal-year", type=int, required=True, help="Buddhist-Era fiscal year, e.g. 2566")
        parser.add_argument("--round", type=int, choices=(6, 12), required=True, help="6 or 12 (months)")
        parser.add_argument("--format", choices=ReportFormat.values, default=ReportFormat.PDF)
        parser.add_argument("-o", "--output", required=True, help="file to write")
        parser.add_argument("--prepared-by", help="username printed as the preparer (blank line when left out)")

    def handle(self, *args, **options) -> None:
        agency = self._agency(options["agency"])
        prepared_by = None
        if options["prepared_by"]:
            prepared_by = User.objects.filter(username=options["prepared_by"], agency=agency).first()
            if prepared_by is None:
                raise CommandError(
                    f"ไม่พบผู้ใช้ {options['prepared_by']} ใน{agency.name} / "
                    f"No user {options['prepared_by']} in {agency.name}."
                )
        try:
            plan = find_plan(agency, options["fiscal_year"])
            content = renderers.render(
                assemble_report(plan, options["round"], prepared_by=prepared_by), options["format"]
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        output = Path(options["output"])
        try:
            output.write_bytes(content)
        except OSError as exc:
            raise CommandError(
                f"เขียนไฟล์ {output} ไม่ได้: {exc.strerror} / Cannot write {output}: {exc.strerror}"
            ) from None
        digest = hashlib.sha256(content).hexdigest()
        self.stdout.write(self.style.SUCCESS(f"{output} ({len(content):,} bytes) sha256 {digest}"))

    def _agency(self, wanted: str | None) -> Agency:
        if wanted:
            agency = Agency.objects.filter(Q(name=wanted) | Q(slug=wanted)).first()
            if agency is None:
                raise CommandError(f"ไม่พบหน่วยงาน {wanted} / No agency named {wanted}.")
            return agency
        agencies = list(Agency.objects.all()[:2])
        if len(agencies) == 1:
            return agencies[0]
        if not agencies:
            raise CommandError("ยังไม่มีหน่วยงานในระบบ / There is no agency yet.")
        raise CommandError("มีหลายหน่วยงาน ระบุ --agency / There are several agencies: name one with --agency.")
