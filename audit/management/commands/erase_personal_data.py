"""`python manage.py erase_personal_data --user NAME --by ADMIN --legal-basis BASIS --reference DOC --reason TEXT`,
or `--due-for-retention` instead of `--user`: erase a person's personal data from their records and from every
history row, keeping every hash chain verifiable (audit/personal.py). Runs as the tables' owner
(DATABASE_OWNER_URL): only an operator on the server can run it, for an agency administrator (`--by`) who
approved it. Ends by verifying every chain."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from approvals.exceptions import InvalidTransition, NotAllowed
from approvals.models import User
from audit import personal, seal, signals
from audit.models import Redaction


class Command(BaseCommand):
    help = (
        "ลบข้อมูลส่วนบุคคลออกจากระเบียนและประวัติโดยสายโซ่ยังตรวจสอบได้ / "
        "Erase a person's personal data from records and history, keeping the chains verifiable."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--user", action="append", help="ชื่อผู้ใช้ของเจ้าของข้อมูล / the person's username")
        who.add_argument(
            "--due-for-retention",
            action="store_true",
            help="ทุกบัญชีที่ครบอายุการเก็บ (retention_due) / every account whose retention period has ended",
        )
        parser.add_argument("--by", required=True, help="ผู้ดูแลหน่วยงานที่อนุมัติ / the approving agency administrator")
        parser.add_argument("--legal-basis", required=True, choices=Redaction.LegalBasis.values)
        parser.add_argument("--reference", required=True, help="เลขที่หนังสือคำขอหรืออนุมัติ / the request's document no.")
        parser.add_argument("--reason", required=True, help="เหตุผล / why")

    def handle(self, *args, **options) -> None:
        by = self._user(options["by"])
        people = personal.accounts_due() if options["due_for_retention"] else [self._user(u) for u in options["user"]]
        for person in people:
            try:
                redaction = personal.erase_personal_data(
                    person,
                    by=by,
                    reason=options["reason"],
                    legal_basis=options["legal_basis"],
                    reference=options["reference"],
                )
            except (InvalidTransition, NotAllowed) as error:
                raise CommandError(str(error)) from None
            self.stdout.write(
                f"ลบข้อมูลส่วนบุคคลของบัญชี #{person.pk} แล้ว ({len(redaction.rows)} แถวประวัติ, บันทึก #{redaction.pk}) / "
                f"erased account #{person.pk}'s personal data ({len(redaction.rows)} history rows, redaction "
                f"#{redaction.pk})"
            )
        report = seal.verify()
        signals.chains_verified.send(sender=None, report=report)
        for issue in report.issues:
            self.stdout.write(issue.describe())
        if not report.ok:
            raise CommandError(f"ตรวจสายโซ่ไม่ผ่าน / chain verification failed ({len(report.issues)} problems)")
        self.stdout.write(f"ตรวจแล้ว {report.rows_checked} แถว / verified {report.rows_checked} history rows")

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"ไม่พบผู้ใช้ {username} / no user {username}")
        return user
