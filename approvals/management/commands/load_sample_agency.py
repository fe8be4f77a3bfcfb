from django.core.management.base import BaseCommand

from approvals.importer.errors import ReportError
from approvals.sample import DEMO_ACCOUNTS, DEMO_PASSWORD, PROVINCE_OFFICER, load_sample_agency


class Command(BaseCommand):
    help = "Load the sample agency (อบต.) from the seed report, with its divisions, demo accounts and plan."

    def handle(self, *args, **options) -> None:
        try:
            agency, summary = load_sample_agency()
        except ReportError as exc:
            self.stderr.write(self.style.ERROR(str(exc)))
            raise SystemExit(1) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{agency.name}: {summary.created} created, {summary.updated} updated, {summary.unchanged} unchanged"
            )
        )
        names = ", ".join(account.username for account in (*DEMO_ACCOUNTS, PROVINCE_OFFICER))
        self.stdout.write(f"Demo accounts ({DEMO_PASSWORD}): {names}")
