"""`python manage.py risk_scan [--agency ID] [--rule CODE ...]`: run the red-flag rules now."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from approvals.models import Agency
from approvals.services import system_user
from audit import rules, services


class Command(BaseCommand):
    help = "ค้นหาสัญญาณเตือนความเสี่ยง / Run the risk and anti-corruption red-flag rules."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--agency", type=int, help="รหัสหน่วยงาน / agency id (default: every agency)")
        parser.add_argument(
            "--rule",
            action="append",
            choices=[rule.code for rule in rules.RULES],
            help="เฉพาะกฎนี้ / only this rule (repeatable)",
        )

    def handle(self, *args, agency: int | None = None, rule: list[str] | None = None, **options) -> None:
        target = None
        if agency is not None:
            target = Agency.objects.filter(pk=agency).first()
            if target is None:
                raise CommandError(f"ไม่พบหน่วยงานรหัส {agency} / no agency with id {agency}")
        # Every code is one of the rules' (the option's choices).
        chosen = [known for code in rule if (known := rules.get_rule(code)) is not None] if rule else None
        found = services.run_risk_scan(target, by=system_user(), rules=chosen)
        for finding in found:
            self.stdout.write(f"[{finding.severity}] {finding.rule}: {finding.summary}")
        self.stdout.write(f"พบข้อสังเกตใหม่ {len(found)} รายการ / {len(found)} new findings")
