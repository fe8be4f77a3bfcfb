from django.core.management.base import BaseCommand, CommandParser

from approvals.exceptions import DomainError
from approvals.models import Action
from audit.models import AuditRun
from workflows.sample_year import SAMPLE_SLUG, SampleYearError, play_sample_year


class Command(BaseCommand):
    help = (
        "Activate the sample agency's plan and play the seed report's results through the workflow as the demo "
        "users, leaving actions in every state. Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--agency", default=SAMPLE_SLUG, help="The sample agency's public address (slug).")

    def handle(self, *args, **options) -> None:
        try:
            plan, counts = play_sample_year(options["agency"])
        except (SampleYearError, DomainError) as error:
            self.stderr.write(self.style.ERROR(str(error)))
            raise SystemExit(1) from None
        if counts is None:
            self.stdout.write(
                f"{plan}: เล่นปีตัวอย่างไปแล้ว ไม่มีสิ่งใดเปลี่ยน / the sample year was played already; nothing changed."
            )
            return
        labels = dict(Action.Status.choices)
        summary = ", ".join(f"{labels[status]}: {count}" for status, count in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"{plan}: {summary}"))
        scan = AuditRun.objects.filter(agency=plan.agency, origin=AuditRun.Origin.SAMPLE_YEAR).first()
        if scan is not None:
            self.stdout.write(
                f"ตรวจสัญญาณเตือนเมื่อจบปี: พบ {scan.problems} รายการ / year-end red-flag scan: {scan.problems} found"
            )
