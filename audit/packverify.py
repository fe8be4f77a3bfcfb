#!/usr/bin/env python3
"""Verify a Khunatham evidence pack (ชุดหลักฐานสำหรับผู้ตรวจสอบภายนอก) without Khunatham.

    python3 verify_pack.py PACK.zip [--heads HEADS_FILE]

Needs only Python 3.9 or later and its standard library: no Django, no database, no network. The same file
is shipped inside every pack as `verify_pack.py`, and kept in the Khunatham repository as
`audit/packverify.py`.

It checks that:
1. every file listed in `manifest.json` is in the pack with the SHA-256 and size listed, and nothing else is;
2. every evidence file has the SHA-256 recorded in the sealed history row of its evidence record;
3. the seal listing (`history/ledger.csv`) runs without a gap up to the head stated in the manifest;
4. every history row included in full (`history/rows.csv`) is the row that was sealed at its place in the
   chain: seal(n) = SHA-256(seal(n-1) || UTF-8("<chain>|<table>|<n>|<canonical row>")), with seal(0) = 32
   zero bytes, and the canonical row `name=<length>:<text>;` (or `name=~;` for NULL) over the columns of
   the row's layout, sorted by name, exactly as Khunatham's audit/seal/encoding.py writes it;
5. when every row of the listing is included (a whole-chain pack), every link of the chain, from its
   first row to its head;
6. with `--heads`, that the head (and every published head inside the listing) is the one published.

It prints what was checked, what that proves, what it does not, and exits 0 when everything holds and 1
when anything does not.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
import zipfile
from pathlib import Path

FORMAT = "khunatham-evidence-pack/1"
GENESIS = bytes(32)
MANIFEST = "manifest.json"
ROWS = "history/rows.csv"
LEDGER = "history/ledger.csv"
LAYOUTS = "history/layouts.json"
EVIDENCE_TABLE = "approvals_historicalevidence"


def canonical(columns: list[str], values: dict[str, str | None]) -> str:
    """The canonical text of a history row: each column of its layout, in the layout's (name) order."""
    parts = []
    for name in columns:
        text = values.get(name)
        parts.append(f"{name}=~;" if text is None else f"{name}={len(text)}:{text};")
    return "".join(parts)


def compute_seal(previous: bytes, chain: int, table: str, seq: int, canonical_row: str) -> bytes:
    message = f"{chain}|{table}|{seq}|{canonical_row}".encode()
    return hashlib.sha256(bytes(previous) + message).digest()


class Pack:
    """A pack read from a ZIP file or from the folder it was unpacked into."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None

    def names(self) -> set[str]:
        if self.zip is not None:
            return {name for name in self.zip.namelist() if not name.endswith("/")}
        return {str(p.relative_to(self.path)).replace("\\", "/") for p in self.path.rglob("*") if p.is_file()}

    def read(self, name: str) -> bytes:
        if self.zip is not None:
            return self.zip.read(name)
        return (self.path / name).read_bytes()

    def text(self, name: str) -> str:
        return self.read(name).decode("utf-8")


class Report:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.checked: list[str] = []

    def fail(self, thai: str, english: str) -> None:
        self.problems.append(f"{thai} / {english}")

    def ok(self, thai: str, english: str) -> None:
        self.checked.append(f"{thai} / {english}")


def read_heads(path: Path) -> list[tuple[int, int, str]]:
    """Published heads as (chain, seq, seal hex): JSON lines (one object a line) or a JSON list of objects,
    each with `chain`, `seq` and `seal` (hex), as Khunatham's anchor file writes them."""
    text = path.read_text(encoding="utf-8").strip()
    if not text:
        return []
    entries = json.loads(text) if text.startswith("[") else [json.loads(line) for line in text.splitlines() if line]
    return [(int(e["chain"]), int(e["seq"]), str(e["seal"]).lower()) for e in entries]


def check_files(pack: Pack, manifest: dict, report: Report) -> dict[str, str]:
    """Every listed file with its SHA-256 and size, and no file that is not listed. Returns path -> hash."""
    listed = {entry["path"]: entry for entry in manifest.get("files", [])}
    present = pack.names()
    hashes = {}
    for path, entry in sorted(listed.items()):
        if path.startswith("/") or ".." in path.split("/"):
            report.fail(f"ชื่อไฟล์ {path} ชี้ออกนอกชุด", f"file name {path} points outside the pack")
            continue
        if path not in present:
            report.fail(f"ไม่พบไฟล์ {path}", f"file {path} is missing")
            continue
        data = pack.read(path)
        digest = hashlib.sha256(data).hexdigest()
        hashes[path] = digest
        if digest != entry["sha256"] or len(data) != int(entry["size"]):
            report.fail(f"ไฟล์ {path} ไม่ตรงกับค่า SHA-256 ที่ระบุ", f"file {path} does not match its SHA-256")
    for path in sorted(present - set(listed) - {MANIFEST}):
        report.fail(f"มีไฟล์ {path} ที่ไม่อยู่ในรายการ", f"file {path} is not in the manifest")
    report.ok(f"ตรวจไฟล์ {len(listed)} ไฟล์", f"{len(listed)} files checked against their SHA-256")
    return hashes


def check_history(pack: Pack, manifest: dict, report: Report) -> tuple[dict[tuple[str, int], list[dict]], bool]:
    """The listing, the rows included in full, and their seals. Returns the verified rows by (table, record
    id), and whether every link of the listing was recomputed."""
    chain_info = manifest["chain"]
    chain = int(chain_info["chain"])
    layouts = {int(k): v for k, v in json.loads(pack.text(LAYOUTS)).items()}
    ledger: dict[int, dict] = {}
    for entry in csv.DictReader(io.StringIO(pack.text(LEDGER))):
        ledger[int(entry["seq"])] = entry
    if not ledger:
        report.fail("ไม่มีรายการตราประทับ", "the seal listing is empty")
        return {}, False
    first, last = min(ledger), max(ledger)
    gaps = [seq for seq in range(first, last + 1) if seq not in ledger]
    if gaps:
        report.fail(
            f"รายการตราประทับขาดช่วง (ลำดับที่ {gaps[0]} เป็นต้นไป)", f"the seal listing has gaps (from seq {gaps[0]})"
        )
    if any(int(entry["chain"]) != chain for entry in ledger.values()):
        report.fail("รายการตราประทับมีสายโซ่อื่นปน", "the seal listing mixes chains")
    head_seq, head_seal = int(chain_info["head_seq"]), str(chain_info["head_seal"]).lower()
    if last != head_seq or ledger[last]["seal"].lower() != head_seal:
        report.fail("หัวสายโซ่ไม่ตรงกับที่ระบุใน manifest", "the listing does not end at the head stated in the manifest")

    rows: dict[tuple[str, int], list[dict]] = {}
    full_seqs = set()
    for entry in csv.DictReader(io.StringIO(pack.text(ROWS))):
        seq, table, history_id = int(entry["seq"]), entry["table"], int(entry["history_id"])
        values = json.loads(entry["values"])
        layout = layouts.get(int(entry["layout_id"]))
        listed = ledger.get(seq)
        where = f"{table} history_id={history_id} seq={seq}"
        if layout is None or layout["table"] != table:
            report.fail(f"ไม่รู้จักโครงสร้างของแถว {where}", f"unknown layout for {where}")
            continue
        columns = [column[0] for column in layout["columns"]]
        if list(values) != columns:
            report.fail(f"คอลัมน์ของแถว {where} ไม่ตรงกับโครงสร้าง", f"the columns of {where} differ from its layout")
            continue
        if listed is None or listed["table"] != table or int(listed["history_id"]) != history_id:
            report.fail(f"แถว {where} ไม่อยู่ในรายการตราประทับ", f"{where} is not in the seal listing")
            continue
        previous = GENESIS if seq == 1 else bytes.fromhex(ledger[seq - 1]["seal"]) if seq - 1 in ledger else None
        if previous is None:
            report.fail(f"ไม่มีตราประทับก่อนหน้าแถว {where}", f"the seal before {where} is not in the listing")
            continue
        computed = compute_seal(previous, chain, table, seq, canonical(columns, values))
        if computed.hex() != entry["seal"].lower() or computed.hex() != listed["seal"].lower():
            report.fail(f"แถวประวัติ {where} ถูกแก้ไข (ไม่ตรงกับตราประทับ)", f"{where} was altered (its seal differs)")
            continue
        rows.setdefault((table, int(values.get("id") or 0)), []).append(values)
        full_seqs.add(seq)
    report.ok(
        f"ตรวจแถวประวัติ {len(full_seqs)} แถวกับตราประทับ ในรายการลำดับที่ {first}-{last}",
        f"{len(full_seqs)} history rows checked against their seals, in a listing of seq {first}-{last}",
    )
    # A listing that starts after seq 1 starts with the seal before the first row included (seal only).
    whole = all(seq in full_seqs for seq in ledger if seq > first or first == 1)
    if whole and not report.problems:
        start = "จุดเริ่มสายโซ่" if first == 1 else f"ลำดับที่ {first}"
        report.ok(
            f"ทุกข้อต่อของสายโซ่ตั้งแต่{start}ถึงหัวสายโซ่ถูกคำนวณใหม่และตรงกัน",
            f"every link of the chain from {'its start' if first == 1 else f'seq {first}'} to the head recomputes",
        )
    return rows, whole


def check_evidence(manifest: dict, hashes: dict[str, str], rows: dict, report: Report) -> None:
    """Each evidence file's hash is the one its sealed evidence row records."""
    for item in manifest.get("evidence", []):
        sealed = {values.get("sha256") for values in rows.get((EVIDENCE_TABLE, int(item["evidence_id"])), [])}
        if not sealed:
            report.fail(
                f"ไม่มีแถวประวัติของหลักฐาน {item['evidence_id']} ในชุดนี้",
                f"no sealed history row of evidence {item['evidence_id']} is included",
            )
        elif hashes.get(item["path"]) not in sealed:
            report.fail(
                f"ไฟล์หลักฐาน {item['path']} ไม่ตรงกับค่า SHA-256 ในประวัติที่ประทับตราไว้",
                f"evidence file {item['path']} does not match the SHA-256 in its sealed history",
            )
    report.ok(
        f"ตรวจไฟล์หลักฐาน {len(manifest.get('evidence', []))} ไฟล์กับประวัติที่ประทับตรา",
        f"{len(manifest.get('evidence', []))} evidence files checked against their sealed history",
    )


def check_heads(pack: Pack, manifest: dict, heads: list[tuple[int, int, str]], report: Report) -> bool:
    """The pack's head and the listing against published heads. Returns whether the head is published."""
    chain = int(manifest["chain"]["chain"])
    ledger = {int(e["seq"]): e["seal"].lower() for e in csv.DictReader(io.StringIO(pack.text(LEDGER)))}
    mine = [(seq, seal) for c, seq, seal in heads if c == chain]
    confirmed = False
    for seq, seal in mine:
        if seq in ledger and ledger[seq] != seal:
            report.fail(f"ตราประทับลำดับที่ {seq} ไม่ตรงกับหัวสายโซ่ที่เผยแพร่", f"seal {seq} differs from the published head")
        if seq == int(manifest["chain"]["head_seq"]) and seal == manifest["chain"]["head_seal"].lower():
            confirmed = True
    if confirmed:
        report.ok("หัวสายโซ่ตรงกับที่เผยแพร่", "the head is the published one")
    else:
        report.fail("หัวสายโซ่ของชุดนี้ไม่อยู่ในรายการหัวสายโซ่ที่เผยแพร่", "the pack's head is not among the published heads")
    return confirmed


def verify(path: Path, heads_file: Path | None = None) -> Report:
    report = Report()
    pack = Pack(path)
    try:
        manifest = json.loads(pack.text(MANIFEST))
    except (KeyError, FileNotFoundError, ValueError) as error:
        report.fail("อ่าน manifest.json ไม่ได้", f"manifest.json cannot be read ({error})")
        return report
    if manifest.get("format") != FORMAT:
        report.fail(f"ไม่รู้จักรูปแบบ {manifest.get('format')}", f"unknown pack format {manifest.get('format')}")
        return report
    hashes = check_files(pack, manifest, report)
    try:
        rows, _whole = check_history(pack, manifest, report)
    except (KeyError, ValueError) as error:
        report.fail("อ่านประวัติในชุดนี้ไม่ได้", f"the history in the pack cannot be read ({error})")
        return report
    check_evidence(manifest, hashes, rows, report)
    if heads_file is not None:
        check_heads(pack, manifest, read_heads(heads_file), report)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ตรวจชุดหลักฐาน Khunatham / Verify a Khunatham evidence pack.")
    parser.add_argument("pack", type=Path, help="the pack (.zip) or the folder it was unpacked into")
    parser.add_argument("--heads", type=Path, help="published chain heads (JSON lines: chain, seq, seal)")
    args = parser.parse_args(argv)
    report = verify(args.pack, args.heads)
    for line in report.checked:
        print(f"[ตรวจแล้ว / checked] {line}")
    for line in report.problems:
        print(f"[ผิดปกติ / PROBLEM] {line}")
    try:
        manifest = json.loads(Pack(args.pack).text(MANIFEST))
    except Exception:  # the problem is already reported above
        manifest = {}
    for line in manifest.get("proves", []):
        print(f"[พิสูจน์ได้ / proves] {line}")
    for line in manifest.get("cannot_prove", []):
        print(f"[พิสูจน์ไม่ได้ / does not prove] {line}")
    if report.problems:
        print(f"ไม่ผ่าน: พบ {len(report.problems)} รายการ / FAILED: {len(report.problems)} problems")
        return 1
    print("ผ่าน: ชุดหลักฐานไม่ถูกแก้ไข / PASSED: the pack is intact")
    return 0


if __name__ == "__main__":
    sys.exit(main())
