"""`python manage.py audit_verify [--agency ID]`: recompute the hash chains and name every history
row that was changed, deleted or inserted outside the app. Exits non-zero when any was."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from audit import seal, signals


class Command(BaseCommand):
    help = "ตรวจสายโซ่แฮชของประวัติการแก้ไข / Verify the history hash chains."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--agency",
            type=int,
            help="ตรวจเฉพาะหน่วยงานนี้ (0 = สายโซ่กลาง) / only this agency's chain (0 = the global chain)",
        )

    def handle(self, *args, agency: int | None = None, **options) -> None:
        report = seal.verify(chain=agency)
        signals.chains_verified.send(sender=None, report=report)
        for issue in report.issues:
            self.stdout.write(issue.describe())
        heads = ", ".join(f"{chain}:{seq}" for chain, (seq, _seal) in sorted(report.chains.items()))
        summary = (
            f"ตรวจแล้ว {report.rows_checked} แถว, {len(report.chains)} สายโซ่ ({heads}) / "
            f"checked {report.rows_checked} rows in {len(report.chains)} chains"
        )
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"{summary}: ไม่พบการแก้ไขนอกระบบ / no tampering found"))
            return
        self.stdout.write(summary)
        raise CommandError(
            f"พบความผิดปกติ {len(report.issues)} รายการ / {len(report.issues)} problems found in the history"
        )
