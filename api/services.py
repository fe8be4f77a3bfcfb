"""Personal API tokens: created and revoked by their owner, in the one acting context, with a history row."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken
from approvals import permissions
from approvals.exceptions import InvalidTransition
from approvals.models import User
from approvals.services import save_with_history
from audit import context, reasons

# The secret's recognisable start: a leaked token found in a log or a repository says what it is.
SECRET_PREFIX = "kh_"


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(*, by: User, name: str) -> tuple[ApiToken, str]:
    """A new token of `by` and its secret, which is shown once and never stored."""
    permissions.require(by, permissions.USE_API)
    name = (name or "").strip()
    if not name:
        raise InvalidTransition(_("Name the token after the system that will use it."))
    if len(name) > 100:
        raise InvalidTransition(_("A token's name has at most 100 characters."))
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=by, agency_id=by.agency_id, name=name, prefix=secret[:10], digest=digest_of(secret))
    with transaction.atomic():
        save_with_history(token, by=by, reason=context.code(reasons.API_TOKEN_CREATED))
    return token, secret


def revoke_token(token: ApiToken, *, by: User) -> ApiToken:
    """Revoke one of one's own tokens: from now on it opens nothing."""
    permissions.require(by, permissions.USE_API, token)
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise InvalidTransition(_("This token was revoked already."))
        token.revoked_at = timezone.now()
        save_with_history(token, by=by, reason=context.code(reasons.API_TOKEN_REVOKED), update_fields=["revoked_at"])
    return token


def authenticate(secret: str) -> User | None:
    """The owner of a live token, if they still may use the API (their role is checked at every call)."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.live().select_related("user").filter(digest=digest_of(secret)).first()
    if token is None or not token.user.is_active:
        return None
    user = token.user
    if permissions.check(user, permissions.USE_API) is not None:
        return None
    user.api_token = token
    return user
