"""Building an evidence pack (ชุดหลักฐาน) for an external auditor (สตง., ป.ป.ช.) or a complaint.

A pack is a ZIP file:

    manifest.json          what the pack holds: scope, chain and head, every file with its SHA-256,
                           what the pack proves and what it cannot
    README.txt             the same in words, Thai then English, and how to run the verifier
    summary.pdf            the story of each action: timeline, decisions and reasons, who acted for whom
    evidence.csv           every evidence record of the scope, with its SHA-256
    evidence/...           every evidence file
    history/rows.csv       the history rows of the scope in full (each column's canonical text) with their seals
    history/ledger.csv     the seal of every row of the chain from just before the first row of the scope to
                           the head (chain mode: from the first row of the chain)
    history/layouts.json   the columns each sealed layout covers
    verify_pack.py         the standalone verifier (audit/packverify.py), Python's standard library only

The chain of an agency interleaves the rows of every action, so the rows of one action are not consecutive:
the ledger lists the seal of every row in between, and the verifier recomputes each included row's seal
from the seal before it. See docs/audit.md, "Evidence packs", for what this proves and what it cannot.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import tempfile
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from approvals.models import Action, Agency, Evidence, Indicator, Measure, Plan, User
from audit import packverify, seal
from audit.models import Anchor, EvidencePack, Seal, SealLayout
from audit.seal import redactions

VERIFIER = Path(packverify.__file__)
CHUNK = 1 << 20

PROVES = [
    "ไฟล์ทุกไฟล์ในชุดนี้ตรงกับค่า SHA-256 ที่ระบุ และไฟล์หลักฐานแต่ละไฟล์ตรงกับค่า SHA-256 ที่บันทึกไว้ในประวัติที่ประทับตรา"
    " / every file matches its SHA-256, and each evidence file matches the SHA-256 in its sealed history row",
    "แถวประวัติที่ใส่มาเต็มแถวไม่ถูกแก้ไข: แต่ละแถวคือแถวที่ถูกประทับตรา ณ ตำแหน่งของมันในสายโซ่ ต่อจากตราประทับก่อนหน้าที่ระบุ"
    " / the history rows included in full are untouched: each is the row sealed at its place in the chain, after"
    " the seal listed before it",
    "รายการตราประทับต่อเนื่องไม่ขาดช่วงจนถึงหัวสายโซ่ที่ระบุ (และตรงกับหัวสายโซ่ที่เผยแพร่ เมื่อระบุ --heads)"
    " / the seal listing runs without a gap to the stated head (and matches the published head, with --heads)",
]
CANNOT_PROVE_ROWS = [
    "ไม่ได้พิสูจน์ว่าไม่มีแถวอื่นของหน่วยงานที่เกี่ยวกับเรื่องเดียวกัน: ชุดนี้มีเฉพาะแถวของขอบเขตที่เลือก ส่วนแถวอื่นมีเพียงตราประทับ"
    " / it does not prove that no other row of the agency concerns the same matter: only the rows of the chosen"
    " scope are included; of the others there are only the seals",
    "ไม่ได้พิสูจน์ด้วยตัวเองว่าตราประทับของแถวที่ไม่ได้ใส่มาถูกคำนวณจริง จึงผูกแถวที่ใส่มากับหัวสายโซ่ไม่ได้โดยลำพัง"
    " ต้องใช้ชุดแบบทั้งสายโซ่ หรือเทียบรายการตราประทับกับฐานข้อมูลของหน่วยงาน"
    " / on its own it does not prove that the seals of the rows not included were really computed, so it cannot"
    " by itself tie the included rows to the head: that takes a whole-chain pack, or comparing the seal listing"
    " with the agency's own ledger",
    "สรุป PDF เป็นการแสดงผลเพื่อความสะดวก ข้อมูลที่พิสูจน์ได้คือแถวประวัติและไฟล์"
    " / the PDF summary is a convenience; what is proven are the history rows and the files",
]
CANNOT_PROVE_CHAIN = [
    "ไม่ได้พิสูจน์ว่าหัวสายโซ่เป็นของจริงของหน่วยงาน เว้นแต่ตรงกับหัวสายโซ่ที่เผยแพร่ไว้ก่อน (--heads)"
    " / it does not prove that the head is the agency's real one unless it matches a head published"
    " beforehand (--heads)",
    "สรุป PDF เป็นการแสดงผลเพื่อความสะดวก ข้อมูลที่พิสูจน์ได้คือแถวประวัติและไฟล์"
    " / the PDF summary is a convenience; what is proven are the history rows and the files",
]


@dataclass
class PackScope:
    """What a pack is about: one action, one indicator or a whole plan, and the actions inside it."""

    kind: str
    agency: Agency
    label: str
    actions: list[Action]
    action: Action | None = None
    indicator: Indicator | None = None
    plan: Plan | None = None
    # The scope's own records besides its actions: (model, id) of the indicator, measure, plan.
    own: list[tuple[type[Indicator | Measure | Plan], int]] = field(default_factory=list)


def scope_of(obj: Action | Indicator | Plan) -> PackScope:
    actions = Action.objects.select_related("indicator__measure__plan__fiscal_year").order_by(
        "indicator__measure__number", "indicator__number", "position"
    )
    if isinstance(obj, Action):
        return PackScope(EvidencePack.Scope.ACTION, obj.agency, str(obj), list(actions.filter(pk=obj.pk)), action=obj)
    if isinstance(obj, Indicator):
        return PackScope(
            EvidencePack.Scope.INDICATOR,
            obj.agency,
            str(obj),
            list(actions.filter(indicator=obj)),
            indicator=obj,
            own=[(Indicator, obj.pk)],
        )
    own: list[tuple[type, int]] = [(Plan, obj.pk)]
    own += [(Measure, pk) for pk in Measure.objects.filter(plan=obj).values_list("pk", flat=True)]
    own += [(Indicator, pk) for pk in Indicator.objects.filter(measure__plan=obj).values_list("pk", flat=True)]
    return PackScope(
        EvidencePack.Scope.PLAN,
        obj.agency,
        str(obj),
        list(actions.filter(indicator__measure__plan=obj)),
        plan=obj,
        own=own,
    )


@dataclass
class Built:
    """A pack's bytes and what it holds."""

    content: bytes
    sha256: str
    head_seq: int
    head_seal: str
    rows: int
    files: int


def _seals_of_scope(chain: int, scope: PackScope, head: int, mode: str):
    seals = Seal.objects.filter(chain=chain, seq__lte=head)
    if mode == EvidencePack.Mode.CHAIN:
        return seals.order_by("seq")
    wanted = Q(action_id__in=[a.pk for a in scope.actions])
    tables = {model.history.model._meta.db_table: model for model, _pk in scope.own}
    layouts: dict[str, list[int]] = defaultdict(list)
    for layout_id, table in SealLayout.objects.filter(table_name__in=tables).values_list("id", "table_name"):
        layouts[table].append(layout_id)
    for model, pk in scope.own:
        wanted |= Q(layout_id__in=layouts[model.history.model._meta.db_table], object_id=pk)
    return seals.filter(wanted).order_by("seq")


def _layouts(ids: set[int]) -> dict[int, tuple[str, list[seal.Column]]]:
    return {
        layout.pk: (layout.table_name, [seal.Column(*column) for column in layout.columns])
        for layout in SealLayout.objects.filter(pk__in=ids)
    }


def _history_rows(chain: int, included: list[Seal], layouts: dict) -> list[list[Any]]:
    """Each included row's canonical column texts, as the seal covers them, with its seal."""
    by_layout: dict[int, list[int]] = defaultdict(list)
    for entry in included:
        by_layout[entry.layout_id].append(entry.history_id)
    fetched: dict[tuple[int, int], dict] = {}
    row: dict | None
    for layout_id, ids in by_layout.items():
        table, columns = layouts[layout_id]
        for history_id, row in seal.fetch_rows(connection, table, columns, ids).items():
            fetched[(layout_id, history_id)] = row
    lines = []
    redacted = redactions.load(connection)
    for entry in included:
        table, columns = layouts[entry.layout_id]
        row = fetched.get((entry.layout_id, entry.history_id))
        if row is None:
            continue  # a history row deleted outside the app: the verifier reports its seal without a row
        # Personal columns travel as the salted digests the seal covers, never as the values themselves; a
        # column a redaction erased, as the digest the redaction recorded.
        erased = redacted.get((table, entry.history_id), {}).get("columns")
        texts = json.dumps(
            {column.name: seal.sealed_text(column, row, erased) for column in columns}, ensure_ascii=False
        )
        lines.append([chain, entry.seq, table, entry.history_id, entry.layout_id, texts, bytes(entry.seal).hex()])
    return lines


def _ledger_lines(chain: int, ledger: list[Seal], layouts: dict) -> list[list[Any]]:
    return [
        [chain, e.seq, layouts.get(e.layout_id, ("",))[0], e.history_id, e.layout_id, bytes(e.seal).hex()]
        for e in ledger
    ]


def _layouts_json(layouts: dict) -> bytes:
    described = {
        str(pk): {"table": table, "columns": [c.as_list() for c in cols]} for pk, (table, cols) in layouts.items()
    }
    return json.dumps(described, ensure_ascii=False, indent=1).encode()


EVIDENCE_HEADER = [
    "evidence_id",
    "action",
    "division",
    "round",
    "file_name",
    "content_type",
    "size",
    "sha256",
    "uploaded_by",
    "uploaded_at",
    "internal",
    "removed",
    "path_in_pack",
]


def _add_evidence(writer: _Writer, evidence: list[Evidence]) -> tuple[int, list[list[Any]], list[dict]]:
    """Every evidence file once (content-addressed), and a line per evidence record. Returns the number of
    files, the lines of evidence.csv, and the manifest's evidence entries."""
    files, lines, entries = 0, [], []
    paths: dict[str, str] = {}
    for item in evidence:
        path = paths.get(item.sha256)
        if path is None:
            path = f"evidence/{item.sha256[:16]}-{_safe_name(item.original_name)}"
            try:
                with item.file.open("rb") as handle:
                    writer.add_stream(path, handle)
                files += 1
            except OSError:
                path = ""  # the stored file is missing: evidence.csv says so
            paths[item.sha256] = path
        if path:
            entries.append({"evidence_id": item.pk, "path": path, "sha256": item.sha256})
        lines.append(
            [
                item.pk,
                str(item.submission.action),
                item.submission.division.name,
                item.submission.round,
                item.original_name,
                item.content_type,
                item.size,
                item.sha256,
                str(item.uploaded_by),
                timezone.localtime(item.uploaded_at).isoformat(),
                "yes" if item.is_internal else "no",
                "yes" if item.is_removed else "no",
                path or "MISSING",
            ]
        )
    return files, lines, entries


def _csv(header: list[str], rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _evidence(scope: PackScope) -> list[Evidence]:
    return list(
        Evidence.objects.filter(agency=scope.agency, submission__action__in=scope.actions)
        .select_related("submission__division", "submission__action__indicator", "uploaded_by")
        .order_by("submission__action_id", "submission__round", "uploaded_at", "pk")
    )


def _safe_name(name: str) -> str:
    # Letters, marks (Thai vowels and tone marks) and digits of any script are kept; anything else is not.
    kept = "".join(c if unicodedata.category(c)[0] in "LMN" or c in "-_." else "_" for c in name)
    return kept[-80:] or "file"


class _Writer:
    """Writes files into the ZIP, keeping each one's SHA-256 and size for the manifest."""

    def __init__(self, archive: zipfile.ZipFile, moment: datetime.datetime) -> None:
        self.archive = archive
        self.listed: list[dict] = []
        self.stamp = timezone.localtime(moment).timetuple()[:6]

    def _info(self, path: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(path, date_time=self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    def add(self, path: str, data: bytes) -> str:
        self.archive.writestr(self._info(path), data)
        digest = hashlib.sha256(data).hexdigest()
        self.listed.append({"path": path, "sha256": digest, "size": len(data)})
        return digest

    def add_stream(self, path: str, handle) -> str:
        digest, size = hashlib.sha256(), 0
        with self.archive.open(self._info(path), "w", force_zip64=True) as out:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        self.listed.append({"path": path, "sha256": digest.hexdigest(), "size": size})
        return digest.hexdigest()


def build(scope: PackScope, *, mode: str, by: User, reason: str, moment: datetime.datetime) -> Built:
    """The pack's ZIP for `scope`, as of the chain's head now."""
    from audit import pack_summary

    chain = scope.agency.pk
    head = Seal.objects.filter(chain=chain).order_by("-seq").first()
    head_seq, head_seal = (head.seq, bytes(head.seal).hex()) if head else (0, seal.GENESIS.hex())
    included = list(_seals_of_scope(chain, scope, head_seq, mode))
    first = included[0].seq if included else head_seq
    start = 1 if mode == EvidencePack.Mode.CHAIN else max(first - 1, 1)
    ledger = list(Seal.objects.filter(chain=chain, seq__gte=start, seq__lte=head_seq).order_by("seq"))
    layouts = _layouts({entry.layout_id for entry in ledger})
    rows = _history_rows(chain, included, layouts)
    evidence = _evidence(scope)

    with tempfile.SpooledTemporaryFile(max_size=32 * CHUNK) as spool:
        with zipfile.ZipFile(spool, "w") as archive:
            writer = _Writer(archive, moment)
            writer.add(
                packverify.ROWS,
                _csv(["chain", "seq", "table", "history_id", "layout_id", "values", "seal"], rows),
            )
            writer.add(
                packverify.LEDGER,
                _csv(
                    ["chain", "seq", "table", "history_id", "layout_id", "seal"], _ledger_lines(chain, ledger, layouts)
                ),
            )
            writer.add(packverify.LAYOUTS, _layouts_json(layouts))
            files, evidence_lines, evidence_entries = _add_evidence(writer, evidence)
            writer.add("evidence.csv", _csv(EVIDENCE_HEADER, evidence_lines))
            anchors = [
                {"seq": a.seq, "seal": bytes(a.seal).hex(), "anchored_at": a.anchored_at.isoformat()}
                for a in Anchor.objects.filter(chain=chain, seq__gte=start, seq__lte=head_seq).order_by("seq")
            ]
            info = {
                "chain": chain,
                "first_seq": start,
                "head_seq": head_seq,
                "head_seal": head_seal,
                "rows": len(rows),
                "ledger": len(ledger),
                "anchors": anchors,
                "proves": PROVES,
                "cannot_prove": CANNOT_PROVE_CHAIN if mode == EvidencePack.Mode.CHAIN else CANNOT_PROVE_ROWS,
            }
            writer.add(
                "summary.pdf",
                pack_summary.render(scope, evidence=evidence, info=info, by=by, reason=reason, moment=moment),
            )
            writer.add("verify_pack.py", VERIFIER.read_bytes())
            manifest = {
                "format": packverify.FORMAT,
                "agency": {"id": scope.agency.pk, "name": scope.agency.name},
                "scope": {"kind": scope.kind, "label": scope.label, "actions": [a.pk for a in scope.actions]},
                "mode": mode,
                "built_at": moment.isoformat(),
                "built_by": str(by),
                "reason": reason,
                "chain": {key: info[key] for key in ("chain", "first_seq", "head_seq", "head_seal")},
                "history": {"rows": len(rows), "ledger": len(ledger)},
                "anchors": anchors,
                "evidence": evidence_entries,
                "proves": info["proves"],
                "cannot_prove": info["cannot_prove"],
            }
            writer.add("README.txt", _readme(manifest).encode("utf-8"))
            manifest["files"] = writer.listed
            archive.writestr(
                writer._info(packverify.MANIFEST), json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
            )
        spool.seek(0)
        content = spool.read()
    return Built(
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        head_seq=head_seq,
        head_seal=head_seal,
        rows=len(rows),
        files=files,
    )


def _readme(manifest: dict) -> str:
    lines = [
        f"ชุดหลักฐาน / Evidence pack: {manifest['scope']['label']}",
        f"หน่วยงาน / Agency: {manifest['agency']['name']}",
        f"จัดทำโดย / Built by: {manifest['built_by']}, {manifest['built_at']}",
        f"เหตุผล / Reason: {manifest['reason']}",
        f"หัวสายโซ่ / Chain head: chain {manifest['chain']['chain']}, seq {manifest['chain']['head_seq']},"
        f" seal {manifest['chain']['head_seal']}",
        "",
        "วิธีตรวจ / How to verify (Python 3.9+, nothing else):",
        "    python3 verify_pack.py <this-pack>.zip [--heads published-heads.jsonl]",
        "",
        "สิ่งที่ชุดนี้พิสูจน์ได้ / What this pack proves:",
        *[f"  - {line}" for line in manifest["proves"]],
        "",
        "สิ่งที่ชุดนี้พิสูจน์ไม่ได้ / What it cannot prove:",
        *[f"  - {line}" for line in manifest["cannot_prove"]],
        "",
    ]
    return "\n".join(lines)
