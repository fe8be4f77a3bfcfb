"""The public verification page: anyone uploads a copy and learns whether it is the published file."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reports import services, verification
from reports.models import RenderedReport


@pytest.fixture
def published(sample_year, mayor):
    report = services.request_report(sample_year.plan, 12, "pdf", by=mayor)
    services.render_report(report.pk)
    report = services.publish_report(RenderedReport.objects.get(pk=report.pk), by=mayor)
    return report


def _verify(client, agency, content: bytes):
    url = reverse("reports:public-verify", args=[agency.slug, 2566])
    return client.post(url, {"file": SimpleUploadedFile("report.pdf", content)})


def test_the_published_file_is_recognised_without_signing_in(client, agency, published):
    response = _verify(client, agency, published.file.open("rb").read())

    page = response.content.decode()
    assert response.status_code == 200
    assert "ตรงกับไฟล์ที่เผยแพร่" in page and "This is the published file" in page


def test_a_changed_copy_is_not_recognised(client, agency, published):
    content = published.file.open("rb").read() + b"\n%changed"

    page = _verify(client, agency, content).content.decode()

    assert "ไม่ตรงกับไฟล์ที่เผยแพร่ใด ๆ" in page and "This is not a published file" in page


def test_a_file_larger_than_the_limit_is_refused_in_thai_and_english(client, agency, published, monkeypatch):
    monkeypatch.setattr(verification, "MAX_UPLOAD_BYTES", 10)
    monkeypatch.setattr("reports.forms.MAX_UPLOAD_BYTES", 10)

    response = _verify(client, agency, b"x" * 11)

    assert response.status_code == 400
    assert "ไฟล์ใหญ่เกิน" in response.content.decode() and "The file is larger than" in response.content.decode()


def test_the_public_page_lists_each_published_file_with_its_sha256_and_the_verification_page(client, agency, published):
    page = client.get(reverse("reports:public", args=[agency.slug, 2566])).content.decode()

    assert published.sha256 in page
    assert reverse("reports:public-verify", args=[agency.slug, 2566]) in page


def test_the_published_pdf_carries_the_address_of_the_public_page(published, agency):
    from tests.reports.checks import pdf_page_texts

    last_page = [text for text in pdf_page_texts(published.file.open("rb").read()) if text.strip()][-1]

    assert verification.public_page_url(agency.slug, 2566) in last_page
    # The signatures share their page with the end of the budget table, never alone.
    assert "ผู้อนุมัติ" in last_page and "รวม" in last_page
