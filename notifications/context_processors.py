from django.http import HttpRequest

from notifications import centre


def unread_notifications(request: HttpRequest) -> dict:
    """The unread count for the badge in the top bar of every page (one COUNT query)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notification_count": centre.listed(user).unread().count()}
