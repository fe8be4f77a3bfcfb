"""Nobody reviews or approves a round they drafted, edited, added evidence to or submitted, whatever roles they
hold or act in, on every path (service, queue, task URL); and when segregation of duties leaves nobody to
decide, the action's page says so and names who can unblock it."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from approvals import permissions, services
from approvals.exceptions import NotAllowed
from approvals.models import AccessRefusal, Role, RoleAssignment
from approvals.permissions import Rule
from tests import factories
from tests.workflows.conftest import draft_of, login, open_tasks, url
from workflows.flows import ActionFlow

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def drafted_by_alice_submitted_by_bob(activated, division, staff_member, division_head):
    """Alice drafts the results; Bob, her head, submits them."""
    draft = draft_of(activated, division)
    services.save_draft(draft, by=staff_member, results="จัดอบรมเจ้าหน้าที่", outcome="", progress=80)
    services.reassign_task(
        next(t for t in open_tasks(activated, ActionFlow.perform_action)), by=division_head, to=division_head
    )
    services.save_draft(
        draft_of(activated, division), by=division_head, results="จัดอบรมเจ้าหน้าที่", outcome="ครบ", progress=100
    )
    services.submit_result(draft_of(activated, division), by=division_head)
    return activated


def make_acting_chief(person, agency_admin, chief_administrator, mayor):
    return factories.grant_in_effect(
        person, Role.CHIEF_ADMINISTRATOR, acting_for=chief_administrator, by=agency_admin, confirmer=mayor
    )


def test_a_drafter_appointed_acting_chief_administrator_cannot_review_what_they_drafted(
    drafted_by_alice_submitted_by_bob, staff_member, agency_admin, chief_administrator, mayor
):
    make_acting_chief(staff_member, agency_admin, chief_administrator, mayor)

    with pytest.raises(NotAllowed, match="การแบ่งแยกหน้าที่"):
        services.accept_action(drafted_by_alice_submitted_by_bob, by=staff_member)

    assert AccessRefusal.objects.get(user=staff_member).rule == Rule.SEGREGATION


def test_the_review_is_left_out_of_the_drafters_queue_and_refused_by_url(
    client, drafted_by_alice_submitted_by_bob, staff_member, agency_admin, chief_administrator, mayor
):
    make_acting_chief(staff_member, agency_admin, chief_administrator, mayor)
    review = open_tasks(drafted_by_alice_submitted_by_bob, ActionFlow.review_by_chief)[0]
    login(client, staff_member)

    queue = client.get("/work/queue/").context["rows"]
    response = client.post(url(review, "assign"))

    assert [row["task"] for row in queue if row["task"].pk == review.pk] == []
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.owner_id is None


def test_someone_who_only_added_evidence_cannot_review_through_a_granted_role(
    activated, division, staff_member, division_head, agency_admin, chief_administrator, mayor, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    services.add_evidence(
        draft_of(activated, division),
        by=staff_member,
        uploaded_file=SimpleUploadedFile("photo.pdf", PDF, content_type="application/pdf"),
    )
    task = open_tasks(activated, ActionFlow.perform_action)[0]
    services.reassign_task(task, by=division_head, to=division_head)
    services.save_draft(
        draft_of(activated, division), by=division_head, results="ดำเนินการแล้ว", outcome="", progress=100
    )
    services.submit_result(draft_of(activated, division), by=division_head)
    make_acting_chief(staff_member, agency_admin, chief_administrator, mayor)

    assert permissions.check(staff_member, permissions.REVIEW_SUBMISSION, activated).rule == Rule.SEGREGATION


def test_the_chief_acting_as_mayor_on_a_round_they_reviewed_leaves_nobody_and_the_page_names_who_can(
    client, activated, division, staff_member, agency_admin, chief_administrator, mayor
):
    services.save_draft(draft_of(activated, division), by=staff_member, results="ดำเนินการ", outcome="", progress=100)
    services.submit_result(draft_of(activated, division), by=staff_member)
    services.accept_action(activated, by=chief_administrator)
    factories.grant_in_effect(chief_administrator, Role.MAYOR, acting_for=mayor, by=agency_admin, confirmer=mayor)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    services.end_role(
        RoleAssignment.objects.get(user=mayor, role=Role.MAYOR), on=yesterday, by=agency_admin, reason="ลาป่วย"
    )
    login(client, staff_member)

    page = client.get(f"/work/actions/{activated.pk}/").content.decode()

    assert "ขณะนี้ไม่มีผู้ใดอนุมัติรอบนี้ได้" in page
    assert "ชาลี" in page  # the chief, kept out, with the reason
    assert "วอลเตอร์" in page  # the agency administrator, who can propose an acting mayor


def test_the_page_names_who_can_approve_when_someone_can(
    client, activated, division, staff_member, chief_administrator, mayor
):
    services.save_draft(draft_of(activated, division), by=staff_member, results="ดำเนินการ", outcome="", progress=100)
    services.submit_result(draft_of(activated, division), by=staff_member)
    services.accept_action(activated, by=chief_administrator)
    login(client, staff_member)

    page = client.get(f"/work/actions/{activated.pk}/").content.decode()

    assert "ผู้อนุมัติได้:" in page
    assert "มะลิ" in page
    assert "ไม่มีผู้ใดอนุมัติ" not in page
