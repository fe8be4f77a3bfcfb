from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from approvals.models import FiscalYear


def agency(request: HttpRequest) -> dict:
    """The signed-in person's agency, today's date and the current fiscal year, shown on every page."""
    today = timezone.localdate()
    context = {
        "today": today,
        "current_fiscal_year": FiscalYear.year_for(today),
        "current_agency": None,
        # The sign-in page says when the second factor is off (make run's demo).
        "second_factor_required": settings.SECOND_FACTOR_REQUIRED,
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["current_agency"] = user.agency
    return context
