"""The sample agency: the seed report's อบต., its divisions, one demo account per role, and its plan.

Used by `manage.py load_sample_agency` (and so by the README's run command) and by the tests.
Loading it again changes nothing and loses nothing.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from approvals.importer.parser import parse_report_bytes
from approvals.importer.writer import ImportSummary, import_plan
from approvals.models import Agency, Division, Role, RoleAssignment, User
from approvals.services import create_agency, grant_role, save_with_history, system_user
from audit import context, reasons

SAMPLE_REPORT = Path(__file__).resolve().parent / "sample_data" / "ita_report_2566.txt"
SAMPLE_SLUG = "ko-loi-bang-hak"
DEMO_PASSWORD = "khunatham-demo"
ACTING_DAYS = 90
# The system loads the sample agency: its rows carry a code, shown in the reader's language (audit/reasons.py).
REASON = context.code(reasons.SAMPLE_AGENCY)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    first_name: str
    last_name: str
    position: str
    role: str
    division: str | None = None
    # A delegation (ปฏิบัติราชการแทน): the username decided for, for ACTING_DAYS from loading.
    acting_for: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount("somchai", "สมชาย", "ใจดี", "นักจัดการงานทั่วไป", Role.STAFF, "สำนักปลัด"),
    DemoAccount("kanya", "กัญญา", "รักงาน", "หัวหน้าสำนักปลัด", Role.DIVISION_HEAD, "สำนักปลัด"),
    DemoAccount("malee", "มาลี", "มีทรัพย์", "นักวิชาการเงินและบัญชี", Role.STAFF, "กองคลัง"),
    DemoAccount("prasert", "ประเสริฐ", "สร้างดี", "นายช่างโยธา", Role.STAFF, "กองช่าง"),
    DemoAccount("wilai", "วิไล", "ใฝ่รู้", "นักวิชาการศึกษา", Role.STAFF, "กองการศึกษา ศาสนาและวัฒนธรรม"),
    DemoAccount("nipa", "นิภา", "ตรงไปตรงมา", "นักวิชาการตรวจสอบภายใน", Role.STAFF, "หน่วยตรวจสอบภายใน"),
    DemoAccount("palad", "วิชัย", "ธรรมดี", "ปลัดองค์การบริหารส่วนตำบล", Role.CHIEF_ADMINISTRATOR),
    DemoAccount("nayok", "บุญมี", "ศรีสุข", "นายกองค์การบริหารส่วนตำบล", Role.MAYOR),
    DemoAccount("rongnayok", "สมศักดิ์", "ช่วยราชการ", "รองนายกองค์การบริหารส่วนตำบล", Role.MAYOR, acting_for="nayok"),
    DemoAccount("auditor", "อรุณี", "สอบทาน", "ผู้ตรวจสอบภายใน", Role.AUDITOR),
    DemoAccount("admin", "ธนพล", "ดูแลระบบ", "ผู้ดูแลระบบของหน่วยงาน", Role.AGENCY_ADMIN),
)


def load_sample_agency(report_path: Path = SAMPLE_REPORT) -> tuple[Agency, ImportSummary]:
    """Create (or find) the sample agency, its demo accounts and its plan from the seed report."""
    data = report_path.read_bytes()
    parsed = parse_report_bytes(data)
    by = system_user()
    with transaction.atomic():
        agency = Agency.objects.filter(slug=SAMPLE_SLUG).first()
        if agency is None:
            agency = create_agency(
                name=parsed.agency,
                slug=SAMPLE_SLUG,
                kind=Agency.Kind.SAO,
                district=parsed.district or "",
                province=parsed.province or "",
                by=by,
                reason=REASON,
            )
        for account in DEMO_ACCOUNTS:
            _ensure_account(agency, account, by)
        _ensure_province_officer(agency, by)
        summary = import_plan(
            parsed.to_dict(),
            agency=agency,
            by=by,
            source_name=report_path.name,
            source_sha256=hashlib.sha256(data).hexdigest(),
        )
    return agency, summary


def _ensure_account(agency: Agency, account: DemoAccount, by: User) -> User:
    user = get_user_model().objects.filter(username=account.username).first()
    if user is None:
        user = get_user_model()(
            username=account.username,
            first_name=account.first_name,
            last_name=account.last_name,
            position=account.position,
            agency=agency,
            email=f"{account.username}@example.org",
            is_staff=account.role in (Role.AGENCY_ADMIN, Role.AUDITOR),
        )
        user.set_password(DEMO_PASSWORD)
        save_with_history(user, by=by, reason=REASON)
    division = Division.objects.get(agency=agency, name=account.division) if account.division else None
    acting_for = get_user_model().objects.get(username=account.acting_for) if account.acting_for else None
    holds = RoleAssignment.objects.filter(user=user, role=account.role, division=division, acting_for=acting_for)
    if not holds.active().exists():
        until = timezone.localdate() + datetime.timedelta(days=ACTING_DAYS) if acting_for else None
        # The system account gives the roles an agency starts with: its executive grants and the deputy's
        # appointment take effect at load, recorded as confirmed by it. Later grants follow the four-eyes rule.
        # The deputy decides by delegation (ปฏิบัติราชการแทน): the mayor stays in office and decides too.
        grant_role(
            user,
            account.role,
            division=division,
            acting_for=acting_for,
            valid_until=until,
            by=by,
            reason=REASON,
            kind=RoleAssignment.Kind.DELEGATION if acting_for else RoleAssignment.Kind.ACTING,
        )
    return user


# The province's oversight officer (ท้องถิ่นจังหวัด) of the sample agency's province: no agency, read-only.
PROVINCE_OFFICER = DemoAccount("province", "สมปอง", "ท้องถิ่นดี", "ท้องถิ่นจังหวัด", role="")


def _ensure_province_officer(agency: Agency, by: User) -> User | None:
    """The demo's province oversight officer, granted (and confirmed at once) by the system account."""
    from oversight.models import OversightAssignment
    from oversight.services import grant_oversight

    if not agency.province:
        return None
    account = PROVINCE_OFFICER
    user = get_user_model().objects.filter(username=account.username).first()
    if user is None:
        user = get_user_model()(
            username=account.username,
            first_name=account.first_name,
            last_name=account.last_name,
            position=account.position,
            agency=None,
            email=f"{account.username}@example.org",
        )
        user.set_password(DEMO_PASSWORD)
        save_with_history(user, by=by, reason=REASON)
    if not OversightAssignment.objects.filter(user=user).active().exists():
        grant_oversight(user, province=agency.province, by=by, reason=REASON)
    return user


def write_sample_province(folder: Path, count: int, *, start: int = 1) -> list[Path]:
    """Write `count` reports of made-up agencies (the seed report under another name each: `sao-0001.txt`, the
    cover naming องค์การบริหารส่วนตำบลตัวอย่าง0001) into `folder`, for `onboard_agencies` in tests and benchmarks."""
    text = SAMPLE_REPORT.read_text(encoding="utf-8")
    sample_name = parse_report_bytes(SAMPLE_REPORT.read_bytes()).agency
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for number in range(start, start + count):
        path = folder / f"sao-{number:04d}.txt"
        path.write_text(text.replace(sample_name, f"องค์การบริหารส่วนตำบลตัวอย่าง{number:04d}"), encoding="utf-8")
        written.append(path)
    return written
