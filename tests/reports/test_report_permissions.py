import pytest

from approvals import permissions
from approvals.exceptions import NotAllowed
from approvals.models import AccessRefusal


@pytest.mark.parametrize("persona", ["chief_administrator", "mayor", "agency_admin"])
@pytest.mark.parametrize("perm", [permissions.RENDER_REPORT, permissions.VIEW_EXECUTIVE_DASHBOARD])
def test_the_executives_may_render_reports_and_see_the_executive_dashboard(db, persona, perm, request):
    user = request.getfixturevalue(persona)

    assert user.has_perm(perm)
    assert permissions.check(user, perm) is None


@pytest.mark.parametrize("persona", ["staff_member", "division_head", "auditor", "outsider_agency_user"])
@pytest.mark.parametrize("perm", [permissions.RENDER_REPORT, permissions.VIEW_EXECUTIVE_DASHBOARD])
def test_staff_heads_and_auditors_may_not_and_the_refusal_is_recorded(db, persona, perm, request):
    user = request.getfixturevalue(persona)

    with pytest.raises(NotAllowed, match="เฉพาะปลัด นายก และผู้ดูแลระบบของหน่วยงานเท่านั้น"):
        permissions.require(user, perm)

    assert not user.has_perm(perm)
    assert AccessRefusal.objects.get(user=user).permission == perm
