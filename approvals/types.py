"""Types shared by the views: the request of a signed-in person.

LoginRequiredMiddleware (config/settings.py) sends every request of a page not marked @login_not_required to
the sign-in page first, so such a page's `request.user` is always an `approvals.User`, never AnonymousUser."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

if TYPE_CHECKING:
    from approvals.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a page behind the login (every page not marked @login_not_required)."""

    user: User


if TYPE_CHECKING:
    from approvals.models import Agency

    class AgencyUser(User):
        """A person of an agency (for type checking only: no such model exists)."""

        agency: Agency
        agency_id: int


class AgencyHttpRequest(AuthenticatedHttpRequest):
    """The request of a page of an agency's staff: its permission check (for example `auditors_only`) has
    refused anyone who belongs to no agency before the page reads `request.user.agency_id`."""

    user: AgencyUser


class TaskHttpRequest(AuthenticatedHttpRequest):
    """The request of a task page that viewflow serves: its view wrappers put the task's activation on it."""

    activation: Any
