"""`python manage.py audit_anchor`: write down the head of every hash chain now (beat does it daily)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from audit import seal


class Command(BaseCommand):
    help = "ยึดหัวสายโซ่แฮช / Anchor the head of every history hash chain."

    def handle(self, *args, **options) -> None:
        written = seal.anchor_chains()
        for chain, seq, value in written:
            self.stdout.write(f"chain {chain}: seq {seq} {value.hex()}")
        self.stdout.write(f"ยึดหัวสายโซ่ {len(written)} สาย / anchored {len(written)} chains")
