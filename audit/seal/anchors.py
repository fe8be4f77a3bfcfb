"""Anchors: the head of each chain written down (table, and a file if set) to catch a cut-off tail."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from audit.seal.tables import _chains


def read_anchor_file(path: str | Path) -> list[tuple[int, int, bytes]]:
    anchors: list[tuple[int, int, bytes]] = []
    file = Path(path)
    if not file.exists():
        return anchors
    for line in file.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            anchors.append((int(entry["chain"]), int(entry["seq"]), bytes.fromhex(entry["seal"])))
    return anchors


def chain_heads(using: str = DEFAULT_DB_ALIAS) -> dict[int, tuple[int, bytes]]:
    connection = connections[using]
    heads = {}
    with connection.cursor() as cursor:
        for chain in _chains(connection):
            cursor.execute(
                "SELECT seq, seal FROM audit_seal WHERE chain = %s ORDER BY seq DESC LIMIT 1",
                [chain],
            )
            row = cursor.fetchone()
            if row:
                heads[chain] = (row[0], bytes(row[1]))
    return heads


def anchor_chains(using: str = DEFAULT_DB_ALIAS) -> list[tuple[int, int, bytes]]:
    """Write down each chain head that moved since its last anchor (the table, and the file if set)."""
    from audit.models import Anchor

    written = []
    now = timezone.now()
    with transaction.atomic(using=using):
        for chain, (seq, seal) in chain_heads(using).items():
            last = Anchor.objects.using(using).filter(chain=chain).order_by("-seq").first()
            if last is not None and last.seq == seq:
                continue
            Anchor.objects.using(using).create(chain=chain, seq=seq, seal=seal, anchored_at=now)
            written.append((chain, seq, seal))
    anchor_file = getattr(settings, "AUDIT_ANCHOR_FILE", "")
    if anchor_file and written:
        with open(anchor_file, "a", encoding="utf-8") as file:
            for chain, seq, seal in written:
                entry = {"chain": chain, "seq": seq, "seal": seal.hex(), "anchored_at": now.isoformat()}
                file.write(json.dumps(entry) + "\n")
    return written
