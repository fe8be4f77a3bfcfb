from django.utils import timezone


def update_last_login_without_history(sender, user, **kwargs) -> None:
    """Record the sign-in time without a history row (simple-history honours skip_history_when_saving)."""
    user.last_login = timezone.now()
    user.skip_history_when_saving = True
    try:
        user.save(update_fields=["last_login"])
    finally:
        del user.skip_history_when_saving
