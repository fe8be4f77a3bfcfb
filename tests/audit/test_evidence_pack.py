"""Evidence packs for external auditors: built for an action (or an indicator, or a plan), holding a PDF
summary, every evidence file with its SHA-256, the history rows with their seals and a standalone verifier
that a plain Python runs without Django; a pack tampered with (one byte of a file, one history row) is
refused, an untouched one accepted."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from approvals import services as domain
from approvals.exceptions import InvalidTransition, NotAllowed
from approvals.models import Evidence, Plan, Submission
from audit import packverify, seal, services
from audit.models import EvidencePack, Seal, SealLayout
from tests import factories
from workflows.sample_year import evidence_pdf

pytestmark = pytest.mark.django_db

PLAIN_PYTHON = shutil.which("python3", path="/usr/bin:/bin") or "/usr/bin/python3"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def submit(action, division, person, *, results="จัดอบรมแล้ว", evidence=True):
    action.refresh_from_db()
    draft = Submission.objects.get(action=action, division=division, round=action.current_round)
    domain.save_draft(draft, by=person, results=results, outcome="ผู้เข้าร่วมพึงพอใจ", progress=100)
    if evidence:
        domain.add_evidence(draft, by=person, uploaded_file=evidence_pdf(action, division))
    return domain.submit_result(draft, by=person)


@pytest.fixture
def story(agency, division, staff_member, chief_administrator, mayor, agency_admin):
    """An action returned once and then approved, its rows interleaved in the chain with another action's."""
    plan = factories.PlanFactory(agency=agency, status=Plan.Status.DRAFT)
    indicator = factories.IndicatorFactory(measure__plan=plan, agency=agency)
    action = factories.ActionFactory(
        indicator=indicator, agency=agency, responsible=[division], text="จัดอบรมคุณธรรมจริยธรรมให้บุคลากร"
    )
    other = factories.ActionFactory(indicator=indicator, agency=agency, responsible=[division], text="เผยแพร่แผน")
    domain.activate_plan(plan, by=agency_admin, reason="เริ่มปีงบประมาณ")
    submit(action, division, staff_member)
    submit(other, division, staff_member)
    domain.return_action(action, by=chief_administrator, reason="ขอภาพถ่ายกิจกรรมเพิ่ม")
    submit(action, division, staff_member, results="จัดอบรมแล้ว พร้อมภาพถ่าย")
    domain.accept_action(action, by=chief_administrator, reason="ครบถ้วน")
    domain.accept_action(other, by=chief_administrator, reason="ครบถ้วน")
    domain.approve_action(action, by=mayor, reason="อนุมัติ")
    action.refresh_from_db()
    return action


def build(subject, auditor, mode=EvidencePack.Mode.ROWS) -> EvidencePack:
    return services.build_evidence_pack(subject, by=auditor, reason="หนังสือ สตง. ที่ ตผ 0012/123", mode=mode)


def saved(pack: EvidencePack, folder: Path, name: str = "pack.zip") -> Path:
    path = folder / name
    with pack.file.open("rb") as handle:
        path.write_bytes(handle.read())
    return path


def verify(path: Path, *extra: str) -> subprocess.CompletedProcess:
    """Run the verifier shipped inside the pack with a plain Python: isolated (-I), without site-packages
    (-S), so neither Django nor anything else of the project can be imported."""
    with zipfile.ZipFile(path) as archive:
        script = path.parent / "verify_pack.py"
        script.write_bytes(archive.read("verify_pack.py"))
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run(
        [PLAIN_PYTHON, "-I", "-S", str(script), str(path), *extra],
        capture_output=True,
        text=True,
        env=env,
        cwd=path.parent,
        timeout=60,
    )


def rewritten(path: Path, change) -> Path:
    """A copy of the pack with `change(name, data) -> data` applied to each member."""
    out = path.with_name("tampered.zip")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, change(info.filename, source.read(info.filename)))
    return out


def test_a_pack_for_an_action_holds_a_summary_its_evidence_files_its_history_and_the_verifier(story, auditor, tmp_path):
    pack = build(story, auditor)

    with zipfile.ZipFile(saved(pack, tmp_path)) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        shipped = archive.read("verify_pack.py")
    stored = set(Evidence.objects.filter(submission__action=story).values_list("sha256", flat=True))
    assert {"summary.pdf", "evidence.csv", "history/rows.csv", "history/ledger.csv", "README.txt"} <= names
    assert {entry["sha256"] for entry in manifest["evidence"]} == stored
    assert shipped == Path(packverify.__file__).read_bytes()
    assert (manifest["chain"]["head_seq"], manifest["chain"]["head_seal"]) == (pack.head_seq, pack.head_seal)
    assert pack.sha256 == hashlib.sha256(saved(pack, tmp_path, "again.zip").read_bytes()).hexdigest()


def test_an_untouched_pack_is_accepted_by_the_verifier_run_with_a_plain_python(story, auditor, tmp_path):
    result = verify(saved(build(story, auditor), tmp_path))

    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASSED" in result.stdout and "does not prove" in result.stdout


def test_a_pack_with_one_byte_of_an_evidence_file_changed_is_refused(story, auditor, tmp_path):
    path = saved(build(story, auditor), tmp_path)

    def flip(name, data):
        if name.startswith("evidence/"):
            return data[:100] + bytes([data[100] ^ 1]) + data[101:]
        return data

    result = verify(rewritten(path, flip))

    assert result.returncode == 1
    assert "does not match its SHA-256" in result.stdout


def test_a_changed_evidence_file_is_refused_even_with_its_new_hash_written_into_the_manifest(story, auditor, tmp_path):
    path = saved(build(story, auditor), tmp_path)
    with zipfile.ZipFile(path) as archive:
        target = next(n for n in archive.namelist() if n.startswith("evidence/"))
        forged = archive.read(target) + b"%forged"
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    for entry in manifest["files"]:
        if entry["path"] == target:
            entry.update(sha256=hashlib.sha256(forged).hexdigest(), size=len(forged))

    def forge(name, data):
        return forged if name == target else json.dumps(manifest).encode() if name == "manifest.json" else data

    result = verify(rewritten(path, forge))

    assert result.returncode == 1
    assert "does not match the SHA-256 in its sealed history" in result.stdout


def test_a_pack_with_one_history_row_changed_is_refused(story, auditor, tmp_path):
    path = saved(build(story, auditor), tmp_path)

    def edit(name, data):
        if name != packverify.ROWS:
            return data
        lines = list(csv.DictReader(io.StringIO(data.decode())))
        row = next(line for line in lines if line["table"] == "approvals_historicaldecision")
        values = json.loads(row["values"])
        values["reason"] = "อนุมัติ (แก้ไขภายหลัง)"
        row["values"] = json.dumps(values, ensure_ascii=False)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(lines[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(lines)
        return out.getvalue().encode()

    tampered = rewritten(path, edit)
    manifest = json.loads(zipfile.ZipFile(tampered).read("manifest.json"))

    result = verify(tampered)

    assert result.returncode == 1
    assert "approvals_historicaldecision" in result.stdout and "was altered" in result.stdout
    assert manifest["history"]["rows"] > 0


def test_a_pack_built_from_history_altered_in_the_database_is_refused(story, auditor, attacker, tmp_path):
    row = story.history.earliest()
    attacker.run_with_triggers_disabled(
        "approvals_historicalaction",
        "UPDATE approvals_historicalaction SET text = 'แก้ไขย้อนหลัง' WHERE history_id = %s",
        [row.history_id],
    )

    result = verify(saved(build(story, auditor), tmp_path))

    assert result.returncode == 1
    assert "approvals_historicalaction" in result.stdout


def test_the_head_is_checked_against_published_heads_when_they_are_given(story, auditor, tmp_path):
    pack = build(story, auditor)
    path = saved(pack, tmp_path)
    published = tmp_path / "heads.jsonl"
    published.write_text(json.dumps({"chain": pack.agency_id, "seq": pack.head_seq, "seal": pack.head_seal}) + "\n")
    other = tmp_path / "other-heads.jsonl"
    other.write_text(json.dumps({"chain": pack.agency_id, "seq": pack.head_seq, "seal": "0" * 64}) + "\n")

    accepted, refused = verify(path, "--heads", str(published)), verify(path, "--heads", str(other))

    assert (accepted.returncode, refused.returncode) == (0, 1)
    assert "the head is the published one" in accepted.stdout
    assert "differs from the published head" in refused.stdout


def test_an_action_pack_has_its_own_rows_in_full_and_only_the_seals_of_the_rows_between(story, auditor, tmp_path):
    pack = build(story, auditor)
    with zipfile.ZipFile(saved(pack, tmp_path)) as archive:
        rows = list(csv.DictReader(io.StringIO(archive.read(packverify.ROWS).decode())))
        ledger = list(csv.DictReader(io.StringIO(archive.read(packverify.LEDGER).decode())))
    own = Seal.objects.filter(chain=story.agency_id, action_id=story.pk, seq__lte=pack.head_seq)

    assert {int(r["seq"]) for r in rows} == set(own.values_list("seq", flat=True))
    assert [int(e["seq"]) for e in ledger] == list(range(int(ledger[0]["seq"]), int(ledger[-1]["seq"]) + 1))
    assert len(ledger) > len(rows) + 1  # the other action's rows are in between, as seals only


def test_a_whole_chain_pack_recomputes_every_link_from_the_first_row(story, auditor, tmp_path):
    pack = build(story.indicator.measure.plan, auditor, mode=EvidencePack.Mode.CHAIN)

    result = verify(saved(pack, tmp_path))

    assert result.returncode == 0, result.stdout
    assert "every link of the chain from its start to the head recomputes" in result.stdout
    assert pack.rows == pack.head_seq


def test_an_indicator_pack_verifies_and_covers_every_action_of_the_indicator(story, auditor, tmp_path):
    pack = build(story.indicator, auditor)

    result = verify(saved(pack, tmp_path))
    with zipfile.ZipFile(saved(pack, tmp_path, "i.zip")) as archive:
        manifest = json.loads(archive.read("manifest.json"))

    assert result.returncode == 0, result.stdout
    assert len(manifest["scope"]["actions"]) == 2


def test_the_verifier_writes_the_canonical_text_and_seal_exactly_as_the_app_does_on_real_rows(story):
    layouts = {
        layout.pk: (layout.table_name, [seal.Column(*c) for c in layout.columns]) for layout in SealLayout.objects.all()
    }
    seals = list(Seal.objects.filter(chain=story.agency_id).order_by("seq"))
    previous = {entry.seq: bytes(entry.seal) for entry in seals}
    compared = 0
    for entry in seals:
        table, columns = layouts[entry.layout_id]
        row = seal.fetch_rows(connection, table, columns, [entry.history_id])[entry.history_id]
        texts = {column.name: seal.sealed_text(column, row) for column in columns}
        ours = seal.canonical(columns, row)
        theirs = packverify.canonical([column.name for column in columns], texts)
        before = previous.get(entry.seq - 1, seal.GENESIS)
        assert theirs == ours
        assert packverify.compute_seal(before, entry.chain, table, entry.seq, theirs) == bytes(entry.seal)
        assert seal.compute_seal(before, entry.chain, table, entry.seq, ours) == bytes(entry.seal)
        compared += 1
    assert compared > 50


def test_only_internal_auditors_build_packs_and_always_with_a_reason(story, auditor, chief_administrator):
    with pytest.raises(NotAllowed):
        build(story, chief_administrator)
    with pytest.raises(InvalidTransition):
        services.build_evidence_pack(story, by=auditor, reason="  ")

    assert not EvidencePack.objects.exists()


def test_a_pack_is_kept_with_who_built_it_when_and_why(story, auditor):
    pack = build(story, auditor)

    record = pack.history.get()
    assert (record.history_user, record.history_change_reason, record.sha256) == (
        auditor,
        "หนังสือ สตง. ที่ ตผ 0012/123",
        pack.sha256,
    )


def test_the_packs_page_builds_a_pack_and_offers_it_for_download_to_the_agencys_auditors_only(
    client, story, auditor, outsider_agency_user
):
    client.force_login(auditor)
    response = client.post(
        reverse("audit:pack-build"),
        {"subject": f"action:{story.pk}", "mode": "rows", "reason": "ข้อร้องเรียนเลขที่ 5/2566"},
    )
    pack = EvidencePack.objects.get()
    download = client.get(reverse("audit:pack-download", args=[pack.pk]))
    outsider = factories.UserFactory(agency=outsider_agency_user.agency, username="otto")
    factories.RoleAssignmentFactory(user=outsider, role="auditor")
    client.force_login(outsider)

    assert response.status_code == 302
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == pack.sha256
    assert client.get(reverse("audit:pack-download", args=[pack.pk])).status_code == 404


def test_the_summary_pdf_lists_every_evidence_files_hash_and_the_chain_head(story, auditor, tmp_path):
    with zipfile.ZipFile(saved(build(story, auditor), tmp_path)) as archive:
        pdf = tmp_path / "summary.pdf"
        pdf.write_bytes(archive.read("summary.pdf"))
        head = json.loads(archive.read("manifest.json"))["chain"]["head_seal"]

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout

    for sha256 in Evidence.objects.filter(submission__action=story).values_list("sha256", flat=True):
        assert sha256 in text
    assert head in text
    assert os.path.getsize(pdf) > 10_000


def test_the_packs_page_takes_a_fixed_number_of_queries(client, story, auditor, django_assert_max_num_queries):
    for _ in range(3):
        build(story, auditor)
    client.force_login(auditor)

    with django_assert_max_num_queries(14):
        response = client.get(reverse("audit:packs"))

    assert len(response.context["page"]) == 3
