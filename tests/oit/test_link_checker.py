"""The link checker against a local web server: it records status, content type and SHA-256, raises a finding
when the approved document changes or the link dies, never downloads more than its limit, and refuses loopback
addresses unless the test setting allows them."""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from approvals import services
from approvals.services import system_user
from audit.models import Finding
from oit import services as oit_services
from oit.linkcheck import RefusedAddress, vetted_address
from oit.models import LinkCheck
from oit.tasks import check_published_links
from tests.oit.conftest import PDF

HUGE = 10 * 1024 * 1024


class Site:
    """What the local server answers, per path; and every request it received."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str, bytes]] = {}
        self.requests: list[str] = []


@pytest.fixture
def site():
    site = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.requests.append(self.path)
            if self.path == "/huge":
                self.send_response(200)
                self.send_header("Content-Type", "application/pdf")
                self.send_header("Content-Length", str(HUGE))
                self.end_headers()
                try:
                    for _ in range(HUGE // 65536):
                        self.wfile.write(b"x" * 65536)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                return
            status, content_type, body = site.pages.get(self.path, (404, "text/html", b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield site
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _local_links_allowed(settings):
    settings.OIT_LINK_CHECK_ALLOW_PRIVATE = True
    settings.OIT_LINK_CHECK_TIMEOUT_SECONDS = 5


@pytest.fixture
def one_item_catalogue(settings, tmp_path):
    catalogue = {
        "assessment_year": 2567,
        "title": "แบบตรวจ OIT ทดสอบ",
        "indicators": {"9": "การเปิดเผยข้อมูล"},
        "items": [
            {
                "number": "O1",
                "title": "โครงสร้าง",
                "publish": "แผนผังโครงสร้าง",
                "division": "สำนักปลัด",
                "period": "ปัจจุบัน",
                "indicator": 9,
            }
        ],
    }
    (tmp_path / "2567.json").write_text(json.dumps(catalogue, ensure_ascii=False), encoding="utf-8")
    settings.OIT_CATALOGUE_DIR = tmp_path


def approve_item(site, path, plan, division, agency_admin, staff_member, chief_administrator, mayor):
    item = oit_services.adopt_catalogue(plan, 2567, by=agency_admin, divisions={"สำนักปลัด": division.pk})[0]
    services.activate_plan(plan, by=agency_admin)
    draft = item.action.submissions.get()
    oit_services.record_publication(
        draft,
        by=staff_member,
        url=site.base + path,
        document=SimpleUploadedFile("โครงสร้าง.pdf", PDF),
        submit=True,
    )
    services.accept_action(item.action, by=chief_administrator)
    services.approve_action(item.action, by=mayor)
    return item


@pytest.fixture
def approved(site, one_item_catalogue, plan, division, agency_admin, staff_member, chief_administrator, mayor):
    site.pages["/o1.pdf"] = (200, "application/pdf", PDF)
    return approve_item(site, "/o1.pdf", plan, division, agency_admin, staff_member, chief_administrator, mayor)


def test_the_first_check_records_status_content_type_and_the_documents_hash(approved):
    assert check_published_links.apply().get() == 0
    check = LinkCheck.objects.get(item=approved)
    assert (check.outcome, check.status_code, check.content_type) == ("first", 200, "application/pdf")
    assert (check.sha256, check.size, check.truncated) == (hashlib.sha256(PDF).hexdigest(), len(PDF), False)
    row = check.history.first()
    assert row.history_user == system_user()


def test_changed_content_raises_one_finding_on_the_items_action(site, approved):
    check_published_links.apply()
    site.pages["/o1.pdf"] = (200, "application/pdf", PDF + b"% edited after the approval\n")

    assert check_published_links.apply().get() == 1
    assert check_published_links.apply().get() == 0

    finding = Finding.objects.get(rule="oit_link_changed")
    assert (finding.action_id, finding.agency_id) == (approved.action_id, approved.agency_id)
    assert finding.evidence["url"] == site.base + "/o1.pdf"
    assert list(LinkCheck.objects.filter(item=approved).values_list("outcome", flat=True)) == ["ok", "changed", "first"]


def test_a_dead_link_raises_one_finding_however_often_it_is_checked(site, approved):
    check_published_links.apply()
    del site.pages["/o1.pdf"]

    assert check_published_links.apply().get() == 1
    assert check_published_links.apply().get() == 0

    finding = Finding.objects.get(rule="oit_link_dead")
    assert finding.evidence["status"] == 404
    assert LinkCheck.objects.filter(item=approved).first().outcome == "dead"


def test_a_loopback_link_is_refused_when_the_test_setting_is_off(settings, site, approved):
    settings.OIT_LINK_CHECK_ALLOW_PRIVATE = False
    requests_before = len(site.requests)

    check_published_links.apply()

    check = LinkCheck.objects.get(item=approved)
    assert (check.outcome, check.status_code, check.sha256) == ("refused", None, "")
    assert "127.0.0.1" in check.error
    assert len(site.requests) == requests_before
    assert Finding.objects.filter(rule="oit_link_dead", action=approved.action).exists()


def test_a_huge_response_is_cut_at_the_size_limit(
    settings, site, one_item_catalogue, plan, division, agency_admin, staff_member, chief_administrator, mayor
):
    settings.OIT_LINK_CHECK_MAX_BYTES = 100_000
    item = approve_item(site, "/huge", plan, division, agency_admin, staff_member, chief_administrator, mayor)

    check_published_links.apply()

    check = LinkCheck.objects.get(item=item)
    assert (check.size, check.truncated, check.outcome) == (100_000, True, "first")
    assert check.sha256 == hashlib.sha256(b"x" * 100_000).hexdigest()


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "10.1.2.3", "192.168.1.1", "169.254.169.254", "::1", "::ffff:127.0.0.1"]
)
def test_private_loopback_and_link_local_addresses_are_refused(settings, host):
    settings.OIT_LINK_CHECK_ALLOW_PRIVATE = False
    with pytest.raises(RefusedAddress):
        vetted_address(host, 80)


def test_a_public_address_is_let_through(settings):
    settings.OIT_LINK_CHECK_ALLOW_PRIVATE = False
    assert vetted_address("93.184.215.14", 443) == "93.184.215.14"


def test_the_risk_scan_finds_the_same_changed_and_dead_links_without_recording_them_twice(site, approved):
    from audit import services as audit_services
    from audit.rules import oit_links

    check_published_links.apply()
    site.pages["/o1.pdf"] = (200, "application/pdf", PDF + b"% edited\n")
    check_published_links.apply()
    del site.pages["/o1.pdf"]
    check_published_links.apply()
    check_published_links.apply()

    new = audit_services.run_risk_scan(approved.agency, by=system_user(), rules=[oit_links.CHANGED, oit_links.DEAD])

    assert new == []
    assert sorted(Finding.objects.values_list("rule", flat=True)) == ["oit_link_changed", "oit_link_dead"]
