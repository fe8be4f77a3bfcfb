"""The API's public endpoints: a valid OpenAPI schema, the docs page under our CSP, and the public page's rules."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from openapi_spec_validator import validate

from audit import seal
from tests import factories
from tests.reports.builders import INTERNAL_COMMENT, RETURN_REASON, UNAPPROVED, add_evidence

pytestmark = pytest.mark.django_db

PLAN = "/api/v1/agencies/the-agency/plans/2566"


@pytest.fixture
def evidence(sample_year, staff_member):
    approved = sample_year.approved[0]
    removed = add_evidence(approved, name="ไฟล์ที่ถูกแทนที่.pdf", internal=False, by=staff_member)
    removed.is_removed = True
    removed.save()
    return {
        "public": add_evidence(approved, name="ภาพกิจกรรมประชุมประจำเดือน.pdf", internal=False, by=staff_member),
        "internal": add_evidence(approved, name="บันทึกข้อความภายในลับ.pdf", internal=True, by=staff_member),
        "unapproved": add_evidence(
            sample_year.unapproved[0], name="หลักฐานที่ยังไม่อนุมัติ.pdf", internal=False, by=staff_member
        ),
        "removed": removed,
    }


def test_the_openapi_schema_validates(client):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = response.json()
    validate(schema)
    assert "/api/v1/agencies/{slug}/plans/{year}" in schema["paths"]
    assert "/api/v1/me/progress" in schema["paths"]


def test_the_docs_page_runs_under_our_csp_with_no_inline_script(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<script src="/static/js/api-docs.js"></script>' in page
    assert "<script>" not in page and "application/json" not in page
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_agencies_are_listed_by_page_and_filtered_by_province(client, agency):
    factories.AgencyFactory(name="เทศบาลตำบลนอกจังหวัด", slug="elsewhere", province="ขอนแก่น")

    answer = client.get("/api/v1/agencies", {"province": "ขอนแก่น", "page_size": 10}).json()

    assert answer["count"] == 1
    assert [item["slug"] for item in answer["items"]] == ["elsewhere"]
    assert client.get("/api/v1/agencies").json()["count"] == 2


def test_the_plan_endpoint_shows_approved_results_and_public_evidence_only(client, sample_year, evidence):
    body = json.dumps(client.get(PLAN).json(), ensure_ascii=False)

    for submission in sample_year.approved:
        assert json.dumps(submission.results, ensure_ascii=False)[1:-1] in body
    assert evidence["public"].original_name in body
    for kind in ("internal", "unapproved", "removed"):
        assert evidence[kind].original_name not in body


def test_the_plan_endpoint_shows_nothing_unapproved_no_return_reason_and_no_internal_comment(client, sample_year):
    body = json.dumps(client.get(PLAN).json(), ensure_ascii=False)

    assert UNAPPROVED not in body
    assert RETURN_REASON not in body
    assert INTERNAL_COMMENT not in body
    for submission in sample_year.unapproved:
        assert submission.results not in body


def test_no_staff_names_appear_in_any_public_endpoint(client, sample_year, staff_member, chief_administrator, mayor):
    staff_member.last_name = "ขยันยิ่ง"
    staff_member.save()
    seal.anchor_chains()
    paths = [
        "/api/v1/agencies",
        "/api/v1/agencies/the-agency",
        "/api/v1/agencies/the-agency/plans",
        PLAN,
        PLAN + "/reports",
        "/api/v1/agencies/the-agency/chain-heads",
        "/api/v1/chain-heads",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        body = json.dumps(response.json(), ensure_ascii=False)
        for person in (staff_member, chief_administrator, mayor):
            for name in (person.first_name, person.last_name, person.username):
                assert name not in body, (path, name)


def test_a_draft_plan_is_a_json_404_in_the_callers_language(client, sample_year):
    sample_year.plan.status = "draft"
    sample_year.plan.save()

    thai = client.get(PLAN)
    english = client.get(PLAN, headers={"accept-language": "en-GB,en;q=0.9"})

    assert thai.status_code == english.status_code == 404
    assert thai.json() == {"detail": "ไม่พบข้อมูล", "code": "not_found"}
    assert english.json() == {"detail": "Not found.", "code": "not_found"}


def test_a_bad_parameter_is_a_json_422_naming_it(client, agency):
    response = client.get("/api/v1/agencies", {"page": "zero"}, headers={"accept-language": "en"})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert "page" in response.json()["detail"]


def test_the_open_data_downloads_show_what_the_page_shows(client, sample_year, evidence):
    data = client.get(reverse("reports:public-data-json", args=["the-agency", 2566]))
    table = client.get(reverse("reports:public-data-csv", args=["the-agency", 2566]))

    assert data.status_code == table.status_code == 200
    assert json.loads(data.content) == client.get(PLAN).json()
    text = table.content.decode("utf-8-sig")
    assert (
        text.splitlines()[0]
        == "measure,indicator,assessment,action,responsible,status,approved_on,division,results,outcome,evidence"
    )
    assert sample_year.approved[0].results in text
    assert evidence["public"].original_name in text
    for kind in ("internal", "unapproved", "removed"):
        assert evidence[kind].original_name not in text
    assert UNAPPROVED not in text and RETURN_REASON not in text and INTERNAL_COMMENT not in text


def test_the_public_page_links_its_open_data(client, sample_year):
    page = client.get(reverse("reports:public", args=["the-agency", 2566])).content.decode()

    assert reverse("reports:public-data-csv", args=["the-agency", 2566]) in page
    assert reverse("reports:public-data-json", args=["the-agency", 2566]) in page


def test_heads_kept_from_the_api_are_checked_by_audit_verify(client, agency, tmp_path, capsys):
    factories.ActionFactory(agency=agency, indicator__measure__plan__agency=agency)
    seal.anchor_chains()
    kept = tmp_path / "heads.json"
    kept.write_bytes(client.get("/api/v1/agencies/the-agency/chain-heads").content)

    call_command("audit_verify", "--against", str(kept))

    assert "compared with 1 published heads of 1 chains" in capsys.readouterr().out


def test_public_endpoints_are_rate_limited(client, agency, settings):
    from api.public import router

    throttle = router.throttle[0]
    throttle.rate = "2/m"
    throttle.num_requests, throttle.duration = throttle.parse_rate("2/m")
    try:
        answers = [client.get("/api/v1/agencies").status_code for _ in range(3)]
    finally:
        throttle.rate = "120/m"
        throttle.num_requests, throttle.duration = throttle.parse_rate("120/m")

    assert answers == [200, 200, 429]
