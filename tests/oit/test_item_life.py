"""An OIT item's whole life through the real pages: adopted into the plan, the division records the address
and uploads the document, the chief administrator reviews on the task page, the mayor approves, and the public
page lists the item with its link."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from approvals.models import Action, Submission
from oit.models import PublishedLink
from tests.oit.conftest import PDF
from tests.workflows.conftest import login, open_tasks, url
from workflows.flows import ActionFlow

ADDRESS = "https://www.example-sao.go.th/oit/o1-structure.pdf"


def take_and_execute(client, person, task, data):
    login(client, person)
    assert client.post(url(task, "assign")).status_code == 302
    return client.post(url(task, "execute"), data)


def publish(client, person, item, **data):
    login(client, person)
    payload = {"url": ADDRESS, "note": "", "document": SimpleUploadedFile("โครงสร้าง.pdf", PDF), "submit": "1"}
    payload.update(data)
    return client.post(reverse("oit:item", args=[item.pk]), payload)


def test_an_oit_item_goes_from_the_catalogue_to_the_public_page_with_its_link(
    client, plan, first_item, division, staff_member, chief_administrator, mayor
):
    # The division records where it published the item and uploads the document, and sends it.
    response = publish(client, staff_member, first_item)
    assert response.status_code == 302
    first_item.action.refresh_from_db()
    assert first_item.action.status == Action.Status.AWAITING_REVIEW
    submission = Submission.objects.get(action=first_item.action)
    assert (submission.published_link.url, submission.evidence.get().original_name) == (ADDRESS, "โครงสร้าง.pdf")
    assert submission.published_link.history.first().history_user == staff_member

    # The chief administrator sees the address on the review page and accepts; the mayor approves.
    review = open_tasks(first_item.action, ActionFlow.review_by_chief)[0]
    login(client, chief_administrator)
    client.post(url(review, "assign"))
    assert ADDRESS in client.get(url(review, "execute")).content.decode()
    assert client.post(url(review, "execute"), {"decision": "accept", "reason": ""}).status_code == 302
    approval = open_tasks(first_item.action, ActionFlow.approve_by_mayor)[0]
    assert take_and_execute(client, mayor, approval, {"decision": "approve", "reason": ""}).status_code == 302
    first_item.action.refresh_from_db()
    assert first_item.action.status == Action.Status.DONE

    # The public page lists the approved item with its link; the progress view no longer counts it missing.
    client.logout()
    public = client.get(reverse("reports:public", args=[plan.agency.slug, 2567])).content.decode()
    assert f'href="{ADDRESS}"' in public and '<td class="num">O1</td><td>โครงสร้าง</td>' in public
    login(client, staff_member)
    progress = client.get(reverse("oit:progress", args=[2567]))
    row = next(r for r in progress.context["rows"] if r.item.pk == first_item.pk)
    assert (row.is_missing, progress.context["missing"], progress.context["total"]) == (False, 42, 43)


def test_an_item_cannot_be_sent_without_its_document(client, first_item, staff_member):
    response = publish(client, staff_member, first_item, document="")
    assert response.status_code == 400
    assert "แนบเอกสารที่เผยแพร่ก่อนส่ง" in response.content.decode()
    assert not PublishedLink.objects.exists()
    first_item.action.refresh_from_db()
    assert first_item.action.status == Action.Status.PLANNED


@pytest.mark.parametrize(
    "address", ["javascript:alert(1)", "ftp://example.org/a.pdf", "www.example.org", "https://user:pw@example.org/"]
)
def test_an_address_that_is_not_a_web_address_is_refused_and_nothing_is_written(
    client, first_item, staff_member, address
):
    response = publish(client, staff_member, first_item, url=address)
    assert response.status_code == 400
    assert not PublishedLink.objects.exists()
    assert not Submission.objects.get(action=first_item.action).evidence.exists()


def test_staff_of_another_division_cannot_record_the_item(client, first_item, other_division_staff):
    response = publish(client, other_division_staff, first_item)
    assert response.status_code in (302, 403)
    assert not PublishedLink.objects.exists()


def test_the_division_task_page_points_to_the_oit_item(client, first_item, division, staff_member):
    from tests.workflows.conftest import division_task

    task = division_task(first_item.action, division)
    login(client, staff_member)
    client.post(url(task, "assign"))
    page = client.get(url(task, "execute")).content.decode()
    assert reverse("oit:item", args=[first_item.pk]) in page
