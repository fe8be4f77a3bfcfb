"""`python manage.py audit_verify [--agency ID] [--against FILE_OR_URL]`: recompute the hash chains and name
every history row that was changed, deleted or inserted outside the app; with --against, also compare the
chains with chain heads someone kept from our public pages (audit/seal/heads.py) and name, per chain, the
first day where they differ. Exits non-zero when anything was found."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from audit import seal, signals
from audit.seal import heads as published


class Command(BaseCommand):
    help = "ตรวจสายโซ่แฮชของประวัติการแก้ไข / Verify the history hash chains."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--agency",
            type=int,
            help="ตรวจเฉพาะหน่วยงานนี้ (0 = สายโซ่กลาง) / only this agency's chain (0 = the global chain)",
        )
        parser.add_argument(
            "--against",
            metavar="FILE_OR_URL",
            help="หัวสายโซ่ที่เผยแพร่และเก็บไว้ (ไฟล์หรือ URL) / published chain heads someone kept (file or URL)",
        )

    def handle(self, *args, agency: int | None = None, against: str | None = None, **options) -> None:
        kept: list[published.Head] = []
        if against:
            try:
                kept = [head for head in published.load(against) if agency is None or head.chain == agency]
            except published.HeadsFileError as error:
                raise CommandError(str(error)) from None
        report = seal.verify(chain=agency)
        signals.chains_verified.send(sender=None, report=report)
        for issue in report.issues:
            self.stdout.write(issue.describe())
        heads = ", ".join(f"{chain}:{seq}" for chain, (seq, _seal) in sorted(report.chains.items()))
        summary = (
            f"ตรวจแล้ว {report.rows_checked} แถว, {len(report.chains)} สายโซ่ ({heads}) / "
            f"checked {report.rows_checked} rows in {len(report.chains)} chains"
        )
        differences = published.compare(kept) if against else []
        for difference in differences:
            self.stdout.write(difference.describe())
        if against:
            chains = len({head.chain for head in kept})
            summary += (
                f"; เทียบกับหัวสายโซ่ที่เผยแพร่ {len(kept)} รายการ ({chains} สายโซ่) / "
                f"compared with {len(kept)} published heads of {chains} chains"
            )
        if report.ok and not differences:
            self.stdout.write(self.style.SUCCESS(f"{summary}: ไม่พบการแก้ไขนอกระบบ / no tampering found"))
            return
        self.stdout.write(summary)
        problems = len(report.issues) + len(differences)
        raise CommandError(f"พบความผิดปกติ {problems} รายการ / {problems} problems found in the history")
