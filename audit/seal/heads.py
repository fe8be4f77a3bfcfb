"""Published chain heads: the daily anchor of each agency's chain, for anyone to keep a copy of.

An anchor (anchors.py) is the head of a chain written down: its sequence number (the number of sealed
history rows so far) and its seal. Kept inside our own database, it cannot stop someone with full control
of it, who may switch the triggers off, rewrite rows, recompute every seal consistently and rewrite the
anchors too. Published (the public page, its heads file, the API), a head leaves our hands: whoever kept a
copy can later ask whether today's chain still passes through the seal they hold. Since every seal
depends on all earlier ones, a history rewritten or cut before that point cannot pass through it.

A head published for a day is that day's last anchor (local time). `compare` takes the heads someone
kept (the heads file's JSON, or lines of the anchor file) and names, per chain, the first day whose seal
the current chain no longer has.
"""

from __future__ import annotations

import datetime
import json
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

FORMAT = "khunatham-chain-heads/1"
URL_TIMEOUT_SECONDS = 20
MAX_DOWNLOAD_BYTES = 50 * 2**20


class HeadsFileError(ValueError):
    """A heads file that cannot be read: the message names what and where, in Thai and English."""


@dataclass(frozen=True)
class Head:
    """One published head: on `date`, chain `chain` had `seq` sealed rows and ended in `seal`."""

    chain: int
    date: datetime.date
    seq: int
    seal: str  # hex
    anchored_at: datetime.datetime | None = None

    @property
    def rows(self) -> int:
        return self.seq

    def as_dict(self) -> dict[str, Any]:
        return {
            "chain": self.chain,
            "date": self.date.isoformat(),
            "seq": self.seq,
            "rows": self.seq,
            "seal": self.seal,
            "anchored_at": self.anchored_at.isoformat() if self.anchored_at else None,
        }


def daily_heads(chains: Iterable[int], *, using: str = DEFAULT_DB_ALIAS) -> dict[int, list[Head]]:
    """Each chain's published heads, oldest first: the last anchor of every day. One query."""
    from audit.models import Anchor

    wanted = list(chains)
    by_chain: dict[int, dict[datetime.date, Head]] = {chain: {} for chain in wanted}
    for anchor in Anchor.objects.using(using).filter(chain__in=wanted).order_by("chain", "seq"):
        day = timezone.localdate(anchor.anchored_at)
        by_chain[anchor.chain][day] = Head(
            chain=anchor.chain, date=day, seq=anchor.seq, seal=bytes(anchor.seal).hex(), anchored_at=anchor.anchored_at
        )
    return {chain: sorted(days.values(), key=lambda head: head.date) for chain, days in by_chain.items()}


def latest_heads(chains: Iterable[int], *, using: str = DEFAULT_DB_ALIAS) -> dict[int, Head]:
    """The newest published head of each chain that has one. One query."""
    from audit.models import Anchor

    latest: dict[int, Head] = {}
    rows = Anchor.objects.using(using).filter(chain__in=list(chains)).order_by("chain", "-seq").distinct("chain")
    for anchor in rows:
        latest[anchor.chain] = Head(
            chain=anchor.chain,
            date=timezone.localdate(anchor.anchored_at),
            seq=anchor.seq,
            seal=bytes(anchor.seal).hex(),
            anchored_at=anchor.anchored_at,
        )
    return latest


def heads_document(chain: int, name: str, slug: str, *, using: str = DEFAULT_DB_ALIAS) -> dict[str, Any]:
    """The heads file of one agency: what its public page offers to download and keep."""
    return {
        "format": FORMAT,
        "agency": {"name": name, "slug": slug, "chain": chain},
        "generated_at": timezone.now().isoformat(),
        "heads": [head.as_dict() for head in daily_heads([chain], using=using)[chain]],
    }


def _parse_heads(data: Any, where: str) -> list[Head]:
    """Heads out of a heads file (one agency's document, or a list of them) or out of anchor-file lines."""
    documents = data if isinstance(data, list) else [data]
    heads = []
    for index, document in enumerate(documents):
        if not isinstance(document, dict):
            raise HeadsFileError(
                f"{where}: รายการที่ {index + 1} ไม่ใช่ออบเจ็กต์ JSON / entry {index + 1} is not a JSON object"
            )
        # The heads file has "heads"; the API's page of heads has "items"; an anchor-file line is one head.
        entries = document.get("heads", document.get("items", [document])) or []
        default_chain = (document.get("agency") or {}).get("chain")
        for number, entry in enumerate(entries, start=1):
            try:
                chain = int(entry.get("chain", default_chain))
                seq = int(entry["seq"])
                seal = bytes.fromhex(entry["seal"]).hex()
                anchored_at = (
                    datetime.datetime.fromisoformat(entry["anchored_at"]) if entry.get("anchored_at") else None
                )
                if entry.get("date"):
                    day = datetime.date.fromisoformat(entry["date"])
                elif anchored_at is not None:
                    day = timezone.localdate(anchored_at) if timezone.is_aware(anchored_at) else anchored_at.date()
                else:
                    raise ValueError("no date")
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                raise HeadsFileError(
                    f"{where}: หัวสายโซ่ลำดับที่ {number} อ่านไม่ได้ (ต้องมี chain, seq, seal และ date) / "
                    f"head {number} cannot be read (it needs chain, seq, seal and date): {error}"
                ) from None
            heads.append(Head(chain=chain, date=day, seq=seq, seal=seal, anchored_at=anchored_at))
    return heads


def parse(text: str, where: str = "heads file") -> list[Head]:
    """Heads out of a heads file's text: JSON (the public page's download or the API's answer), or JSON lines
    (the anchor file)."""
    text = text.strip()
    if not text:
        raise HeadsFileError(f"{where}: ไฟล์ว่าง / the file is empty")
    try:
        return _parse_heads(json.loads(text), where)
    except json.JSONDecodeError:
        pass
    entries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise HeadsFileError(
                f"{where}: บรรทัด {number} ไม่ใช่ JSON / line {number} is not JSON: {error.msg}"
            ) from None
    return _parse_heads(entries, where)


def load(source: str) -> list[Head]:
    """Heads kept in a file, or published at a URL (http or https)."""
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=URL_TIMEOUT_SECONDS) as response:
                body = response.read(MAX_DOWNLOAD_BYTES + 1)
        except OSError as error:
            raise HeadsFileError(f"{source}: อ่านจากที่อยู่นี้ไม่ได้ / cannot be read: {error}") from None
        if len(body) > MAX_DOWNLOAD_BYTES:
            raise HeadsFileError(f"{source}: ใหญ่เกิน 50 MB / larger than 50 MB")
        return parse(body.decode("utf-8", errors="replace"), source)
    path = Path(source)
    if not path.is_file():
        raise HeadsFileError(f"{source}: ไม่พบไฟล์ / no such file")
    try:
        return parse(path.read_text(encoding="utf-8"), source)
    except UnicodeDecodeError:
        raise HeadsFileError(f"{source}: ไม่ใช่ข้อความ UTF-8 / not UTF-8 text") from None


@dataclass(frozen=True)
class Difference:
    """A kept head the current chain no longer passes through."""

    head: Head
    kind: str  # "rewritten": another seal at that seq; "truncated": the chain no longer reaches that seq
    current: str = ""

    def describe(self) -> str:
        day = self.head.date.isoformat()
        be_day = f"{self.head.date.day}/{self.head.date.month}/{self.head.date.year + 543}"
        if self.kind == "truncated":
            return (
                f"สายโซ่ {self.head.chain}: ต่างจากที่เผยแพร่ตั้งแต่วันที่ {be_day} "
                f"(ลำดับ {self.head.seq} หายไป ท้ายสายโซ่ถูกตัด) / chain {self.head.chain} first differs on {day}: "
                f"seq {self.head.seq} is gone (the tail was cut off)"
            )
        return (
            f"สายโซ่ {self.head.chain}: ต่างจากที่เผยแพร่ตั้งแต่วันที่ {be_day} "
            f"(ตราประทับลำดับ {self.head.seq} ไม่ตรง ประวัติถูกเขียนใหม่) / chain {self.head.chain} first differs on "
            f"{day}: the seal at seq {self.head.seq} is {self.current[:16]}…, the published one "
            f"{self.head.seal[:16]}… (the history was rewritten)"
        )


def compare(kept: list[Head], *, using: str = DEFAULT_DB_ALIAS) -> list[Difference]:
    """The first kept head, per chain and by date, that today's chain does not pass through.

    The current seals are read as stored; `audit_verify` recomputes them from the rows first, so a row
    changed without its seal is found there and a seal rewritten with its row is found here."""
    connection = connections[using]
    wanted = sorted({(head.chain, head.seq) for head in kept})
    stored: dict[tuple[int, int], str] = {}
    with connection.cursor() as cursor:
        for chain in sorted({chain for chain, _seq in wanted}):
            seqs = [seq for c, seq in wanted if c == chain]
            cursor.execute("SELECT seq, seal FROM audit_seal WHERE chain = %s AND seq = ANY(%s)", [chain, seqs])
            for seq, seal in cursor.fetchall():
                stored[(chain, seq)] = bytes(seal).hex()
    first: dict[int, Difference] = {}
    for head in sorted(kept, key=lambda h: (h.chain, h.date, h.seq)):
        if head.chain in first:
            continue
        current = stored.get((head.chain, head.seq))
        if current is None:
            first[head.chain] = Difference(head, "truncated")
        elif current != head.seal:
            first[head.chain] = Difference(head, "rewritten", current)
    return [first[chain] for chain in sorted(first)]
