"""The render page: executives ask for the official report, a background task renders it, the copy is
kept with its SHA-256, who asked and when, and can be downloaded and published."""

import hashlib

import pytest
from django.urls import reverse

from approvals.models import Role, RoleAssignment
from reports import renderers, services
from reports.models import RenderedReport
from tests import factories
from tests.reports.checks import docx_text, report_problems

URL = reverse("reports:render")


def _signatories(chief_administrator, mayor) -> dict:
    """The form's signatories: the mayor prepares; the chief administrator and the mayor sign in office."""
    return {
        "prepared_by": mayor.pk,
        "reviewed_by": RoleAssignment.objects.get(user=chief_administrator, role=Role.CHIEF_ADMINISTRATOR).pk,
        "approved_by": RoleAssignment.objects.get(user=mayor, role=Role.MAYOR).pk,
    }


@pytest.fixture
def rendered(client, login, sample_year, chief_administrator, mayor, eager_tasks, django_capture_on_commit_callbacks):
    login(mayor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL, {"year": 2566, "round": 12, "format": "docx", **_signatories(chief_administrator, mayor)}
        )
    assert response.status_code == 302
    return RenderedReport.objects.get()


@pytest.mark.parametrize("persona", ["chief_administrator", "mayor", "agency_admin"])
def test_executives_open_the_render_page(client, login, sample_year, persona, request):
    login(request.getfixturevalue(persona))

    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("persona", ["staff_member", "division_head", "auditor"])
def test_others_may_not_render_the_official_report(client, login, sample_year, persona, request):
    login(request.getfixturevalue(persona))

    assert client.get(URL).status_code == 403
    assert client.post(URL, {"year": 2566, "round": 12, "format": "pdf"}).status_code == 403
    assert not RenderedReport.objects.exists()


def test_the_rendered_copy_is_stored_with_its_hash_who_asked_and_when(rendered, sample_year, mayor):
    content = rendered.file.open("rb").read()

    assert rendered.status == RenderedReport.Status.DONE
    assert rendered.progress == 100
    assert rendered.sha256 == hashlib.sha256(content).hexdigest()
    assert rendered.requested_by == mayor
    assert rendered.requested_at <= rendered.finished_at
    assert report_problems(docx_text(content), sample_year.plan, 12) == []


def test_every_step_of_the_rendering_is_in_the_history(rendered, mayor):
    history = list(rendered.history.order_by("history_date"))

    assert [(h.status, h.progress, h.history_reason, h.history_user) for h in history] == [
        ("pending", 0, "report.requested", mayor),
        ("running", 5, "report.rendering", mayor),
        ("running", 40, "report.rendering", mayor),
        ("running", 85, "report.rendering", mayor),
        ("done", 100, "report.rendered", mayor),
    ]


def test_the_status_endpoint_reports_progress_and_the_download_address(client, rendered):
    status = client.get(reverse("reports:render-status", args=[rendered.pk])).json()

    assert status["status"] == "done"
    assert status["progress"] == 100
    assert status["finished"] is True
    assert status["download_url"] == reverse("reports:render-download", args=[rendered.pk])


def test_the_status_of_a_waiting_copy_says_how_far_it_got(client, login, sample_year, chief_administrator):
    plan = sample_year.plan
    waiting = services.request_report(plan, 6, "pdf", by=chief_administrator)  # not committed: the task never ran
    login(chief_administrator)

    status = client.get(reverse("reports:render-status", args=[waiting.pk])).json()

    assert (status["status"], status["progress"], status["finished"], status["download_url"]) == (
        "pending",
        0,
        False,
        "",
    )


def test_the_download_is_the_stored_file(client, rendered):
    response = client.get(reverse("reports:render-download", args=[rendered.pk]))

    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == rendered.sha256
    assert response["Content-Type"] == renderers.CONTENT_TYPES["docx"]
    assert "ita-report-2566-12m.docx" in response["Content-Disposition"]


def test_an_executive_of_another_agency_cannot_see_or_download_the_copy(client, login, rendered):
    other = factories.AgencyFactory(name="เทศบาลตำบลอื่น", slug="other-agency")
    outsider = factories.UserFactory(agency=other, username="otto")
    factories.RoleAssignmentFactory(user=outsider, agency=other, role=Role.MAYOR)
    login(outsider)

    assert client.get(reverse("reports:render-status", args=[rendered.pk])).status_code == 404
    assert client.get(reverse("reports:render-download", args=[rendered.pk])).status_code == 404


def test_a_published_copy_can_be_downloaded_from_the_public_page(client, rendered, mayor, agency):
    public_download = reverse("reports:public-report", args=[agency.slug, 2566, rendered.pk])
    assert client.get(public_download).status_code == 404

    client.post(reverse("reports:render-publish", args=[rendered.pk]))
    client.logout()

    rendered.refresh_from_db()
    assert rendered.published_by == mayor
    assert public_download in client.get(reverse("reports:public", args=[agency.slug, 2566])).content.decode()
    assert client.get(public_download).status_code == 200


def test_rendering_again_a_finished_copy_changes_nothing(rendered):
    before = (rendered.sha256, rendered.history.count())

    services.render_report(rendered.pk)

    rendered.refresh_from_db()
    assert (rendered.sha256, rendered.history.count()) == before


def test_a_rendering_that_fails_is_marked_failed_with_its_error(sample_year, mayor, monkeypatch):
    def broken(data):
        raise RuntimeError("font missing")

    monkeypatch.setitem(renderers.RENDERERS, "pdf", broken)
    report = services.request_report(sample_year.plan, 12, "pdf", by=mayor)

    services.render_report(report.pk)

    report.refresh_from_db()
    assert (report.status, report.error, report.sha256) == ("failed", "font missing", "")


def test_a_round_that_does_not_exist_is_refused_by_the_form(client, login, sample_year, mayor):
    login(mayor)

    response = client.post(URL, {"year": 2566, "round": 9, "format": "pdf"})

    assert response.status_code == 200
    assert response.context["form"].errors["round"]
    assert not RenderedReport.objects.exists()


def test_the_render_page_lists_many_copies_in_a_fixed_number_of_queries(
    client, login, sample_year, mayor, django_assert_max_num_queries
):
    for report_format in ("pdf", "docx", "xlsx", "pdf", "docx", "xlsx"):
        services.request_report(sample_year.plan, 12, report_format, by=mayor)
    login(mayor)

    # The form's choices of signatories and the round's counts take a fixed number of queries too.
    with django_assert_max_num_queries(20):
        response = client.get(URL)

    assert len(response.context["reports"]) == 6
