"""Chain heads published: on the public page, in a file anyone can keep, and checked against by audit_verify."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from approvals.services import save_with_history
from audit import seal
from audit.models import Anchor, Seal
from audit.seal.verifier import _layouts
from tests import factories

pytestmark = pytest.mark.django_db


def _anchor_on(day: datetime.date, monkeypatch) -> None:
    moment = timezone.make_aware(datetime.datetime(day.year, day.month, day.day, 0, 30))
    with monkeypatch.context() as patched:
        patched.setattr("audit.seal.anchors.timezone.now", lambda: moment)
        seal.anchor_chains()


def _keep_heads(client, agency, path) -> str:
    response = client.get(reverse("reports:public-chain-heads", args=[agency.slug]))
    assert response.status_code == 200
    path.write_bytes(response.content)
    return str(path)


def _rewrite_history(attacker, chain: int, table: str, history_id: int, sql_set: str) -> None:
    """A superuser's consistent rewrite: the row changed with the triggers off, then every seal from that row
    to the head recomputed and stored, and the anchors in our database rewritten to match."""
    attacker.run_with_triggers_disabled(table, f'UPDATE "{table}" SET {sql_set} WHERE history_id = %s', [history_id])
    layouts = _layouts(connection)
    links = list(Seal.objects.filter(chain=chain).order_by("seq"))
    start = next(link.seq for link in links if link.history_id == history_id and layouts[link.layout_id][0] == table)
    previous = bytes(links[start - 2].seal) if start > 1 else seal.GENESIS
    for link in links[start - 1 :]:
        link_table, columns = layouts[link.layout_id]
        row = seal.fetch_rows(connection, link_table, columns, [link.history_id])[link.history_id]
        previous = seal.compute_seal(previous, chain, link_table, link.seq, seal.canonical(columns, row))
        for ledger in ("audit_seal", "audit_anchor"):
            attacker.run_with_triggers_disabled(
                ledger, f"UPDATE {ledger} SET seal = %s WHERE chain = %s AND seq = %s", [previous, chain, link.seq]
            )


def test_the_heads_file_lists_one_head_a_day_the_last_anchor_of_that_day(client, agency, monkeypatch):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    _anchor_on(datetime.date(2026, 3, 1), monkeypatch)
    action.text = "ปรับปรุงช่องทางร้องเรียน"
    save_with_history(action, by=None, reason="test")
    _anchor_on(datetime.date(2026, 3, 1), monkeypatch)
    action.text = "ปรับปรุงช่องทางร้องเรียนออนไลน์"
    save_with_history(action, by=None, reason="test")
    _anchor_on(datetime.date(2026, 3, 2), monkeypatch)

    document = client.get(reverse("reports:public-chain-heads", args=[agency.slug])).json()

    anchors = list(Anchor.objects.filter(chain=agency.pk).order_by("seq"))
    assert [(h["date"], h["rows"], h["seal"]) for h in document["heads"]] == [
        ("2026-03-01", anchors[1].seq, bytes(anchors[1].seal).hex()),
        ("2026-03-02", anchors[2].seq, bytes(anchors[2].seal).hex()),
    ]
    assert document["agency"] == {"name": agency.name, "slug": agency.slug, "chain": agency.pk}


def test_audit_verify_against_kept_heads_passes_while_the_history_is_untouched(client, agency, tmp_path, capsys):
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    seal.anchor_chains()
    kept = _keep_heads(client, agency, tmp_path / "heads.json")

    call_command("audit_verify", "--against", kept)

    assert "compared with 1 published heads of 1 chains: ไม่พบการแก้ไขนอกระบบ / no tampering found" in (
        capsys.readouterr().out
    )


@pytest.mark.django_db(transaction=True)
def test_a_history_rewritten_by_a_superuser_is_found_against_heads_kept_from_before(
    client, agency, attacker, tmp_path, monkeypatch, capsys
):
    action = factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency, text="จัดทำคู่มือ")
    _anchor_on(datetime.date(2026, 3, 1), monkeypatch)
    action.text = "จัดทำคู่มือสำหรับประชาชน"
    save_with_history(action, by=None, reason="test")
    rewritten = action.history.order_by("history_id").last()
    action.text = "จัดทำคู่มือสำหรับประชาชนฉบับออนไลน์"
    save_with_history(action, by=None, reason="test")
    _anchor_on(datetime.date(2026, 3, 2), monkeypatch)
    kept = _keep_heads(client, agency, tmp_path / "heads.json")

    # After 2 March the middle version of the action is rewritten, with every later seal and anchor to match.
    _rewrite_history(attacker, agency.pk, "approvals_historicalaction", rewritten.history_id, "text = 'ไม่ได้จัดทำคู่มือ'")

    assert seal.verify(chain=agency.pk).ok, "the rewrite is consistent: our own database cannot see it"
    with pytest.raises(CommandError, match="1 problems found"):
        call_command("audit_verify", "--against", kept)
    out = capsys.readouterr().out
    assert f"chain {agency.pk} first differs on 2026-03-02" in out
    assert "ต่างจากที่เผยแพร่ตั้งแต่วันที่ 2/3/2569" in out
    assert "2026-03-01" not in out


@pytest.mark.django_db(transaction=True)
def test_a_cut_off_tail_is_found_against_heads_kept_from_before(client, agency, attacker, tmp_path, capsys):
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    seal.anchor_chains()
    kept = _keep_heads(client, agency, tmp_path / "heads.json")
    head = Seal.objects.filter(chain=agency.pk).order_by("-seq").first()

    attacker.run_with_triggers_disabled("audit_anchor", "DELETE FROM audit_anchor WHERE chain = %s", [agency.pk])
    attacker.run_with_triggers_disabled(
        "audit_seal", "DELETE FROM audit_seal WHERE chain = %s AND seq = %s", [agency.pk, head.seq]
    )

    with pytest.raises(CommandError):
        call_command("audit_verify", "--agency", str(agency.pk), "--against", kept)
    assert f"seq {head.seq} is gone (the tail was cut off)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("{not json\n", "line 1 is not JSON"),
        (json.dumps({"heads": [{"chain": 1, "seq": 3}]}), "head 1 cannot be read (it needs chain, seq, seal and date)"),
    ],
)
def test_a_heads_file_that_cannot_be_read_is_named_without_a_crash(tmp_path, content, message):
    path = tmp_path / "heads.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("audit_verify", "--against", str(path))


def test_a_missing_heads_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("audit_verify", "--against", str(tmp_path / "missing.json"))
