"""`python manage.py retention_due [--json]`: what has outlived its retention period (RETENTION_YEARS): the
number of records of each kind unchanged for longer than their period (the draft list for the destruction
committee of the Regulation on Correspondence), and the inactive accounts whose personal data is due for
erasure (`erase_personal_data --due-for-retention`)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandParser

from audit import personal


class Command(BaseCommand):
    help = "รายการที่ครบอายุการเก็บรักษา / Records and accounts past their retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        records = personal.records_due()
        accounts = personal.accounts_due()
        if options["json"]:
            data = {"records": records, "accounts": [account.pk for account in accounts]}
            self.stdout.write(json.dumps(data, ensure_ascii=False))
            return
        years = personal.retention_years()
        for label, count in records.items():
            self.stdout.write(f"{label} ({years[label]} ปี / years): {count}")
        self.stdout.write(
            f"บัญชีที่ครบอายุการเก็บข้อมูลส่วนบุคคล / accounts due for erasure: {', '.join(str(a.pk) for a in accounts) or '-'}"
        )
