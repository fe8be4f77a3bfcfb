"""manage.py oversight_officers: oversight officers' accounts and grants, by platform operators, from a shell.

The same services as the operators' page (/oversight/officers/): `appoint` opens the account (a temporary
password, printed once) and proposes the grant; `confirm` (a second operator), `decline` and `end`; `list`.
The acting operator is named with --by and must be an active platform operator."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from approvals.exceptions import DomainError
from approvals.models import User
from audit import context
from oversight import services
from oversight.models import OversightAssignment


def _date(value: str) -> datetime.date:
    """A date as YYYY-MM-DD; a year above 2400 is read as the Buddhist Era (2569-03-01 is 2026-03-01)."""
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"วันที่ไม่ถูกต้อง / not a date (YYYY-MM-DD): {value}") from None
    return day.replace(year=day.year - 543) if day.year > 2400 else day


class Command(BaseCommand):
    help = (
        "ผู้กำกับดูแล (ท้องถิ่นจังหวัด/อำเภอ): เปิดบัญชี เสนอ ยืนยัน ปฏิเสธ สิ้นสุดสิทธิ์ / Oversight officers: open an "
        "account and propose the grant, confirm it (a second platform operator), decline, end, list."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="verb", required=True)
        appoint = sub.add_parser("appoint", help="open an officer's account and propose the grant")
        appoint.add_argument("--by", required=True, help="username of the acting platform operator")
        appoint.add_argument("--reason", required=True)
        appoint.add_argument("--username", required=True)
        appoint.add_argument("--first-name", required=True)
        appoint.add_argument("--last-name", default="")
        appoint.add_argument("--position", default="")
        appoint.add_argument("--email", default="")
        appoint.add_argument("--province", required=True)
        appoint.add_argument("--district", default="")
        appoint.add_argument("--order-number", required=True)
        appoint.add_argument("--order-date", required=True, type=_date, help="YYYY-MM-DD (B.E. or C.E. year)")
        for verb, text in (
            ("confirm", "confirm a proposed grant"),
            ("decline", "decline or withdraw a proposal"),
            ("end", "end a grant in effect"),
        ):
            parser_ = sub.add_parser(verb, help=text)
            parser_.add_argument("grant", type=int, help="the grant's number, as `list` shows it")
            parser_.add_argument("--by", required=True, help="username of the acting platform operator")
            parser_.add_argument("--reason", default="", required=verb != "confirm")
        sub.add_parser("list", help="every grant, proposed, in effect or ended")

    def handle(self, *args: Any, verb: str, **options: Any) -> None:
        if verb == "list":
            return self._list()
        by = User.objects.filter(username=options["by"]).first()
        if by is None:
            raise CommandError(f"ไม่พบผู้ใช้ / no such user: {options['by']}")
        try:
            with context.command(f"oversight_officers {verb}"):
                if verb == "appoint":
                    self._appoint(by, options)
                else:
                    assignment = OversightAssignment.objects.filter(pk=options["grant"]).first()
                    if assignment is None:
                        raise CommandError(f"ไม่พบการแต่งตั้ง / no such grant: {options['grant']}")
                    change = {
                        "confirm": services.confirm_oversight,
                        "decline": services.decline_oversight,
                        "end": services.end_oversight,
                    }[verb]
                    assignment = change(assignment, by=by, reason=options["reason"])
                    self.stdout.write(self._line(assignment))
        except DomainError as error:
            raise CommandError(str(error)) from None

    def _appoint(self, by: User, options: dict[str, Any]) -> None:
        password = secrets.token_urlsafe(12)
        assignment = services.appoint_officer(
            by=by,
            reason=options["reason"],
            username=options["username"],
            first_name=options["first_name"],
            last_name=options["last_name"],
            position=options["position"],
            email=options["email"],
            password=password,
            province=options["province"],
            district=options["district"],
            order_number=options["order_number"],
            order_date=options["order_date"],
        )
        self.stdout.write(self._line(assignment))
        # Printed once, here: the person changes it at first sign-in.
        self.stdout.write(f"รหัสผ่านชั่วคราว / temporary password: {assignment.user.username} {password}")
        self.stdout.write(
            f"รอผู้ดูแลแพลตฟอร์มอีกคนยืนยัน / awaiting a second operator: oversight_officers confirm {assignment.pk} --by ..."
        )

    def _list(self) -> None:
        for assignment in OversightAssignment.objects.select_related("user").order_by("province", "district", "pk"):
            self.stdout.write(self._line(assignment))

    @staticmethod
    def _line(a: OversightAssignment) -> str:
        state = a.status if a.status != OversightAssignment.Status.IN_EFFECT or a.is_active() else "ended"
        return f"{a.pk}\t{a.user.username}\t{a}\t{state}\t{a.valid_from}–{a.valid_until or ''}\t{a.order_number}"
