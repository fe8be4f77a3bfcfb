"""The access matrix: every URL pattern (the admin included) is requested as every role of agency A, with real
ids of agency B and of A's other division, by GET and POST, and with A's own ids by GET.

For every request it asserts: no server error; no content of agency B (nor, for division staff, of the other
division's private evidence) in the response; every page we serve passes the Content-Security-Policy (no
inline script, no style attribute); every refusal (a 403, or a 404 on another agency's record) is recorded.
After each role's requests, a snapshot of the domain tables (row count and a hash per table; refusal records
excepted) must be unchanged. New URL patterns join the matrix by themselves: an id argument of a new kind fails
the test until `_fill` learns it, and a page whose `pk` is not in `MODELS_BY_URL` (nor an admin URL) is still
requested with an id that names nothing (its refusals are then not required to be recorded).

Speed: one world (two agencies) is built once for the module inside a transaction that is rolled back at the
end; each role is one test (its requests grouped), run in a savepoint of that transaction. The test prints
its request count and time."""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.db.models import Sum
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from viewflow.workflow.models import Task

from api import services as api_services
from api.models import ApiToken
from approvals import administration, next_year, permissions, services, steps
from approvals.models import (
    AccessRefusal,
    Action,
    Agency,
    BudgetItem,
    Division,
    Evidence,
    Expenditure,
    Plan,
    PlanReview,
    RefusalRepeat,
    Role,
    RoleAssignment,
    Submission,
    Substitution,
    User,
)
from audit.models import AuditRun, EvidencePack, Finding
from notifications.models import Notification
from oit.models import DisclosureItem
from oversight.models import OversightAssignment
from reports.models import RenderedReport
from tests import factories
from workflows.flows import ActionFlow

# Words that appear only in agency B's records, and bytes only in the other division's evidence file.
B_MARKER = "ลับแลบี"
B_FILE_MARKER = b"EVIDENCE-OF-AGENCY-B"
DIVISION_FILE_MARKER = b"EVIDENCE-OF-DIVISION-TWO"
INLINE = re.compile(r"""<script(?![^>]*\bsrc=)[^>]*>|\sstyle\s*=|\son[a-z]+\s*=""", re.IGNORECASE)
ROLES = ("anonymous", "staff", "division_head", "chief", "mayor", "auditor", "admin")
DIVISION_ROLES = ("staff", "division_head")
# Tables whose rows may change while the matrix runs: refusals (recorded), sessions and sign-in records,
# each person's own settings and authenticator, and the append-only history and seals refusals add to.
NOT_DOMAIN = re.compile(
    r"^(approvals_accessrefusal|approvals_refusalrepeat|django_session|axes_.*|otp_.*|"
    r"notifications_preference|audit_seal|.*historical.*|django_admin_log)$"
)
IGNORED_COLUMNS = {"approvals_user": {"last_login"}}


def pdf(marker: bytes) -> bytes:
    return b"%PDF-1.4\n% " + marker + b"\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Side:
    """One agency's records, as the matrix fills URL arguments with them."""

    agency: Agency
    plan: Plan
    division: Division
    other_division: Division
    people: dict[str, User] = field(default_factory=dict)
    records: dict[Any, Any] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)
    other_division_records: dict[Any, Any] = field(default_factory=dict)


def _person(agency, username, first_name, role, division=None) -> User:
    user = factories.UserFactory(agency=agency, username=username, first_name=first_name)
    factories.RoleAssignmentFactory(user=user, agency=agency, role=role, division=division)
    return user


def _build_side(prefix: str, name: str, year: int, marker: str, file_marker: bytes) -> Side:
    agency = factories.AgencyFactory(name=name, slug=f"{prefix}-agency")
    division = factories.DivisionFactory(agency=agency, name=f"สำนักปลัด{marker}", sort_order=1)
    finance = factories.DivisionFactory(agency=agency, name=f"กองคลัง{marker}", sort_order=2, keeps_accounts=True)
    people = {
        "staff": _person(agency, f"{prefix}staff", f"เจ้าหน้าที่{marker}", Role.STAFF, division),
        "division_head": _person(agency, f"{prefix}head", f"หัวหน้า{marker}", Role.DIVISION_HEAD, division),
        "finance": _person(agency, f"{prefix}finance", f"การเงิน{marker}", Role.STAFF, finance),
        "chief": _person(agency, f"{prefix}chief", f"ปลัด{marker}", Role.CHIEF_ADMINISTRATOR),
        "mayor": _person(agency, f"{prefix}mayor", f"นายก{marker}", Role.MAYOR),
        "auditor": _person(agency, f"{prefix}auditor", f"ผู้ตรวจ{marker}", Role.AUDITOR),
        "admin": _person(agency, f"{prefix}admin", f"ผู้ดูแล{marker}", Role.AGENCY_ADMIN),
    }
    plan = factories.PlanFactory(agency=agency, fiscal_year=factories.FiscalYearFactory(year=year), status="draft")
    texts = [f"แนวทาง{marker}ที่{n}" for n in range(5)]
    actions = [
        factories.ActionFactory(indicator__measure__plan=plan, text=texts[0], responsible=[division]),
        factories.ActionFactory(indicator__measure__plan=plan, text=texts[1], responsible=[finance]),
        factories.ActionFactory(indicator__measure__plan=plan, text=texts[2], responsible=[division]),
        factories.ActionFactory(indicator__measure__plan=plan, text=texts[3], responsible=[division]),
        factories.ActionFactory(indicator__measure__plan=plan, text=texts[4], responsible=[division]),
    ]
    admin, staff, finance_staff = people["admin"], people["staff"], people["finance"]
    services.activate_plan(plan, by=admin, reason="เริ่มแผน")
    side = Side(agency=agency, plan=plan, division=division, other_division=finance, people=people)

    def draft(action, division_):
        action.refresh_from_db()
        return Submission.objects.get(action=action, division=division_, round=action.current_round)

    services.save_draft(draft(actions[0], division), by=staff, results=f"ผลร่าง{marker}", outcome="", progress=40)
    services.save_draft(draft(actions[1], finance), by=finance_staff, results=f"ผล{marker}", outcome="", progress=50)
    evidence = services.add_evidence(
        draft(actions[1], finance),
        by=finance_staff,
        uploaded_file=SimpleUploadedFile("evidence.pdf", pdf(file_marker)),
        is_internal=True,
    )
    for action in actions[2:]:
        services.save_draft(draft(action, division), by=staff, results=f"ผล{marker}", outcome="", progress=100)
        services.submit_result(draft(action, division), by=staff)
    services.accept_action(actions[3], by=people["chief"], reason=f"เห็นชอบ{marker}")
    services.accept_action(actions[4], by=people["chief"], reason=f"เห็นชอบ{marker}")
    services.approve_action(actions[4], by=people["mayor"], reason=f"อนุมัติ{marker}")
    item = administration.save_budget_item(
        plan, by=admin, reason="ตามแผน", number=1, item=f"งบ{marker}", amount=Decimal("1000")
    )
    expenditure = administration.record_expenditure(
        item,
        by=finance_staff,
        reason=f"จ่าย{marker}",
        amount=Decimal("100"),
        spent_on=timezone.localdate(),
        document_number=f"ฎ{marker}",
        evidence=SimpleUploadedFile("voucher.pdf", pdf(file_marker)),
    )
    newcomer = factories.UserFactory(agency=agency, username=f"{prefix}newcomer", first_name=f"ใหม่{marker}")
    proposal = services.grant_role(
        newcomer,
        Role.CHIEF_ADMINISTRATOR,
        by=admin,
        reason=f"เสนอ{marker}",
        order_number=f"คำสั่ง{marker}",
        order_date=timezone.localdate(),
    )
    colleague = _person(agency, f"{prefix}colleague", f"เพื่อนร่วมงาน{marker}", Role.STAFF, division)
    substitution = steps.name_substitute(
        staff,
        substitute=colleague,
        division=division,
        valid_from=timezone.localdate(),
        valid_until=timezone.localdate(),
        by=staff,
        reason=f"ลา{marker}",
    )
    finding = Finding.objects.create(
        agency=agency, rule="overspending", severity="high", summary=f"ข้อสังเกต{marker}", fingerprint=f"{prefix}-f"
    )
    notification = Notification.objects.create(
        key=f"{prefix}-n",
        recipient=staff,
        agency=agency,
        event="assigned",
        action=actions[0],
        params={"action": texts[0]},
        read_at=timezone.now(),
    )
    report = RenderedReport.objects.create(
        agency=agency, fiscal_year=plan.fiscal_year, round=12, format="pdf", requested_by=admin
    )
    check = AuditRun.objects.create(
        agency=agency, kind=AuditRun.Kind.SCAN, origin=AuditRun.Origin.PAGE, requested_by=admin
    )
    pack = EvidencePack.objects.create(
        agency=agency, scope=EvidencePack.Scope.PLAN, plan=plan, reason=f"ชุดหลักฐาน{marker}", built_by=admin
    )
    # An OIT disclosure item carried out by the approved action (its title carries the agency's marker).
    oit_item = DisclosureItem.objects.create(
        agency=agency,
        plan=plan,
        action=actions[4],
        assessment_year=year,
        number="O1",
        position=1,
        title=f"รายการ OIT{marker}",
        publish=f"เผยแพร่{marker}",
        period="ปัจจุบัน",
        usual_division=division.name,
    )
    # A token of the chief administrator's, named with the side's marker: another agency's must not show.
    token, _secret = api_services.create_token(by=people["chief"], name=f"ระบบ{marker}")
    plan_draft = next_year.draft_next_year_plan(plan, by=admin)
    side.records = {
        DisclosureItem: oit_item,
        ApiToken: token,
        Agency: agency,
        Plan: plan,
        PlanReview: plan_draft,
        Division: division,
        User: staff,
        RoleAssignment: RoleAssignment.objects.get(user=staff),
        Action: actions[0],
        Evidence: evidence,
        BudgetItem: item,
        Expenditure: expenditure,
        Finding: finding,
        Notification: notification,
        RenderedReport: report,
        AuditRun: check,
        EvidencePack: pack,
        Submission: draft(actions[0], division),
        "proposal": proposal,
        Substitution: substitution,
    }
    side.records[type(plan.fiscal_year)] = plan.fiscal_year
    by_node = {}
    for task in Task.objects.filter(process__actionprocess__action__agency=agency).order_by("pk"):
        by_node.setdefault(task.flow_task.name, task)
    division_tasks = Task.objects.filter(
        process__actionprocess__action__agency=agency, flow_task=ActionFlow.perform_action
    ).order_by("pk")
    by_node["perform_action"] = next(t for t in division_tasks if t.data["division"] == division.pk)
    by_node["perform_action:other"] = next(t for t in division_tasks if t.data["division"] == finance.pk)
    side.tasks = by_node
    side.records[Task] = by_node["perform_action"]
    side.records[type(by_node["perform_action"].process)] = by_node["perform_action"].process
    side.other_division_records = {Evidence: evidence, Task: by_node["perform_action:other"], Division: finance}
    return side


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Agencies A and B, built once; rolled back after the module (each test runs in a savepoint)."""
    from django.test import override_settings

    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("matrix-media")))
    with django_db_blocker.unblock():
        media.enable()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            a = _build_side("a", "องค์การบริหารส่วนตำบลเอ", 2569, "อา", b"EVIDENCE-OF-AGENCY-A")
            b = _build_side("b", f"เทศบาลตำบล{B_MARKER}", 2570, B_MARKER, B_FILE_MARKER)
            # A's finance division keeps a private file of its own: the other division's private content.
            a.other_division_records[Evidence] = services.add_evidence(
                a.other_division_records[Evidence].submission,
                by=a.people["finance"],
                uploaded_file=SimpleUploadedFile("private.pdf", pdf(DIVISION_FILE_MARKER)),
                is_internal=True,
            )
            yield {"a": a, "b": b}
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            media.disable()


# --- the URL patterns ---------------------------------------------------------------------------------------------


def url_patterns() -> list[tuple[str, str]]:
    """(route, name) of every URL pattern, admin included; unnamed ones are named by their route."""

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                yield route, (namespace + pattern.name) if pattern.name else route

    return list(walk(get_resolver().url_patterns))


ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>|\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")

# Our pages whose `pk` names a record: the model it is looked up in.
MODELS_BY_URL = {
    "approvals:division": Division,
    "approvals:person": User,
    "approvals:person-active": User,
    "approvals:person-unlock": User,
    "approvals:person-password": User,
    "approvals:person-grant": User,
    "approvals:role-end": RoleAssignment,
    "approvals:role-extend": RoleAssignment,
    "approvals:grant-confirm": "proposal",
    "approvals:grant-decline": "proposal",
    "approvals:action-edit": Action,
    "approvals:plan-draft": PlanReview,
    "approvals:budget-item": BudgetItem,
    "approvals:expenditure-withdraw": Expenditure,
    "approvals:expenditure-document": Expenditure,
    "workflows:action-detail": Action,
    "workflows:action-cancel": Action,
    "workflows:task-reassign": Task,
    "workflows:acting-end": RoleAssignment,
    "workflows:substitute-confirm": Substitution,
    "workflows:evidence-download": Evidence,
    "notifications:mark-read": Notification,
    "notifications:mark-group-read": Notification,
    "reports:render-status": RenderedReport,
    "reports:render-download": RenderedReport,
    "reports:render-publish": RenderedReport,
    "reports:public-evidence": Evidence,
    "reports:public-report": RenderedReport,
    "audit:finding-detail": Finding,
    "audit:finding-review": Finding,
    "audit:finding-start-review": Finding,
    "audit:finding-reopen": Finding,
    "audit:check-detail": AuditRun,
    "audit:check-status": AuditRun,
    "audit:pack-download": EvidencePack,
    "audit:action-timeline": Action,
    "oit:item": DisclosureItem,
    "api-token-revoke": ApiToken,
    "oversight:officer": User,
    "oversight:grant-confirm": OversightAssignment,
    "oversight:grant-decline": OversightAssignment,
    "oversight:grant-end": OversightAssignment,
}
# The public page and the API (its public endpoints are the public page's data; the others need a bearer token).
PUBLIC = re.compile(r"^(reports:public|api:)")


@dataclass
class Request:
    name: str
    path: str
    # "plain" (no id in the address), "own" (A's ids), "agency" (B's ids), "division" (A's other division's)
    variant: str
    aimed: bool  # its ids name precisely a record of B or of the other division: a miss must be recorded

    @property
    def methods(self) -> tuple[str, ...]:
        # A's own ids by POST would be legitimate changes; everything else is also posted.
        return ("get",) if self.variant == "own" else ("get", "post")


def _admin_model(route: str):
    match = re.match(r"admin/(\w+)/(\w+)/", route)
    if not match:
        return None
    try:
        return apps.get_model(match.group(1), match.group(2))
    except LookupError:
        return None


def _has_agency(model) -> bool:
    return any(f.name == "agency" for f in model._meta.get_fields())


def _record(side: Side, model, variant: str):
    if variant == "division":
        return side.other_division_records.get(model)
    if model in side.records:
        return side.records[model]
    if model is None or isinstance(model, str):
        return None
    if _has_agency(model):
        return model._base_manager.filter(agency=side.agency).order_by("pk").first()
    if variant == "own":
        return model._base_manager.order_by("pk").first()
    return None


def _fill(route: str, name: str, side: Side, variant: str) -> Request | None:
    """The request of `route` with `side`'s ids for `variant`; None when the variant has no such record."""
    model = MODELS_BY_URL.get(name) or _admin_model(route)
    flow = re.match(r"workflows:action:(\w+):", name)
    aimed = variant != "own" and not PUBLIC.match(name)
    values: dict[str, str] = {}
    has_id = False
    for _converter, argument, group in ARGUMENT.findall(route):
        argument = argument or group
        if argument in ("process_pk", "task_pk"):
            node = flow.group(1) if flow else "perform_action"
            if variant == "division" and node != "perform_action":
                return None
            task = side.tasks[f"{node}:other" if variant == "division" else node]
            values[argument] = str(task.process_id if argument == "process_pk" else task.pk)
            has_id = True
        elif argument in ("pk", "object_id", "id"):
            record = _record(side, model, variant)
            if record is None and variant != "own":
                return None
            # A kind of record with no row at all (an empty log) is asked for by an id that does not exist.
            values[argument] = str(record.pk) if record is not None else "0"
            has_id = True
        elif argument in ("year", "slug"):
            if variant == "division":
                return None
            values[argument] = str(side.plan.fiscal_year.year) if argument == "year" else side.agency.slug
            has_id = True
            aimed = aimed and argument != "year"  # a year names no record of anyone's in particular
        elif argument == "fmt":
            values[argument] = "csv"
        elif argument == "kind":
            values[argument] = "scan"
        elif argument == "app_label":
            values[argument] = "approvals"
        elif argument == "content_type_id":
            values[argument] = str(ContentType.objects.get_for_model(Action).pk)
        elif argument == "url":
            values[argument] = "nothing-here/"
        else:
            pytest.fail(f"The access matrix cannot fill <{argument}> of {route} ({name}): teach _fill this argument.")
    if not has_id:
        if variant != "own":
            return None
        variant, aimed = "plain", False
    path = "/" + ARGUMENT.sub(lambda m: values[m.group(2) or m.group(3)], route).replace("^", "").replace("$", "")
    return Request(name=name, path=path, variant=variant, aimed=aimed)


def requests_for(world) -> list[Request]:
    planned = []
    for route, name in url_patterns():
        for variant, side in (("own", world["a"]), ("agency", world["b"]), ("division", world["a"])):
            request = _fill(route, name, side, variant)
            if request is not None:
                planned.append(request)
    return planned


# --- snapshot and refusal counts ---------------------------------------------------------------------------------


def domain_tables() -> list[str]:
    tables = []
    for model in apps.get_models():
        table = model._meta.db_table
        if model._meta.managed and not model._meta.proxy and not NOT_DOMAIN.match(table):
            tables.append(table)
    return sorted(set(tables))


def snapshot() -> dict[str, tuple[int, str]]:
    state = {}
    with connection.cursor() as cursor:
        for table in domain_tables():
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            kept = [c for c in columns if c not in IGNORED_COLUMNS.get(table, set())]
            row = "(" + ", ".join(f'"{c}"' for c in kept) + ")::text"
            digest_sql = f"md5(coalesce(string_agg({row}, '|' ORDER BY {row}), ''))"
            cursor.execute(f'SELECT count(*), {digest_sql} FROM "{table}"')
            count, digest = cursor.fetchone()
            state[table] = (count, digest)
    return state


def attempts_recorded() -> int:
    return AccessRefusal.objects.count() + (RefusalRepeat.objects.aggregate(n=Sum("count"))["n"] or 0)


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


# --- the matrix --------------------------------------------------------------------------------------------------


def sign_in(client, person) -> None:
    """Signed in fully: password and second factor (the conftest's client does both)."""
    if person is not None:
        client.force_login(person)


@pytest.mark.parametrize("role", ROLES)
def test_the_access_matrix(client, db, world, role, capsys):
    a = world["a"]
    person = None if role == "anonymous" else a.people[role]
    sign_in(client, person)
    planned = requests_for(world)
    before = snapshot()
    started = time.perf_counter()
    problems: list[str] = []
    sent = 0
    # Thousands of refusals: Django would log each 403 with its traceback (a third of the time).
    logging.disable(logging.WARNING)
    try:
        sent = run_matrix(client, person, role, planned, problems)
    finally:
        logging.disable(logging.NOTSET)
    elapsed = time.perf_counter() - started
    after = snapshot()
    changed = sorted(table for table in before if before[table] != after[table])
    with capsys.disabled():
        print(f"\naccess matrix, {role}: {sent} requests in {elapsed:.1f} s")
    assert problems == []
    assert changed == []


def run_matrix(client, person, role: str, planned: list[Request], problems: list[str]) -> int:
    sent = 0
    for request in planned:
        for method in request.methods:
            recorded_before = attempts_recorded()
            response = getattr(client, method)(request.path)
            sent += 1
            body = body_of(response)
            where = f"{role} {method.upper()} {request.path} ({request.name}, {request.variant})"
            if response.status_code >= 500:
                problems.append(f"{where}: {response.status_code}")
            if not PUBLIC.match(request.name):
                if B_MARKER.encode() in body or B_FILE_MARKER in body:
                    problems.append(f"{where}: shows agency B's content")
            if role in DIVISION_ROLES and DIVISION_FILE_MARKER in body:
                problems.append(f"{where}: shows the other division's private evidence")
            if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
                inline = INLINE.findall(body.decode("utf-8", "replace"))
                if inline:
                    problems.append(f"{where}: inline script or style {inline[:2]}")
            refused = response.status_code == 403 or (response.status_code == 404 and request.aimed)
            if person is not None and refused and attempts_recorded() <= recorded_before:
                problems.append(f"{where}: {response.status_code} not recorded")
            if person is not None and "_auth_user_id" not in client.session:
                sign_in(client, person)  # a POST to a sign-out address signed the person out
    return sent


def test_the_matrix_covers_every_url_pattern(db, world):
    covered = {request.name for request in requests_for(world)}

    assert {name for _route, name in url_patterns()} - covered == set()


def test_the_snapshot_sees_a_change_of_a_domain_row_but_not_a_refusal(db, world):
    a = world["a"]
    before = snapshot()
    permissions.record_refusal(a.people["staff"], permissions.VIEW_AUDIT_TRAIL, None, "ทดลอง")
    unchanged = snapshot()
    division = a.division
    division.sort_order = 99
    services.save_with_history(division, by=a.people["admin"], reason="ทดลอง", update_fields=["sort_order"])

    assert unchanged == before
    assert snapshot()["approvals_division"] != before["approvals_division"]
