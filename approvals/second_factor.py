"""The second factor at sign-in (การยืนยันตัวตนสองขั้นตอน), on django-otp.

Why django-otp (and not django-allauth's MFA): it adds a second step to Django's own sign-in, which we keep
(with django-axes' lockout and our sign-in page), instead of replacing the whole account system. Its TOTP
devices work with any authenticator app; its static devices serve as one-time recovery codes; both throttle
repeated wrong codes. The QR code is drawn by segno (pure Python) as inline SVG, allowed by our CSP.

Who: executives, administrators, auditors and platform operators must use one when SECOND_FACTOR_REQUIRED
is on (permissions.needs_second_factor); anyone else may enrol, and is then asked for it too.
"""

from __future__ import annotations

import io
from base64 import b32encode

import segno
from django.conf import settings
from django.db import transaction
from django.utils.safestring import SafeString, mark_safe
from django_otp import match_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from approvals import permissions
from approvals.exceptions import InvalidTransition
from approvals.models import User
from approvals.types import AuthenticatedHttpRequest

AUTHENTICATOR = "authenticator"
RECOVERY = "recovery codes"
RECOVERY_CODE_COUNT = 10
PENDING_KEY = "second_factor_pending_key"


def is_required(user: User) -> bool:
    return bool(settings.SECOND_FACTOR_REQUIRED) and permissions.needs_second_factor(user)


def is_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def missing_step(request: AuthenticatedHttpRequest) -> str | None:
    """The URL name of the step the person must finish before any other page, or None."""
    user = request.user
    if user.is_verified():
        return None
    if is_enrolled(user):
        return "second-factor-verify"
    if is_required(user):
        return "second-factor-setup"
    return None


def pending_device(request: AuthenticatedHttpRequest) -> TOTPDevice:
    """The authenticator being set up, not saved: its secret waits in the session until a code from the
    app proves it was scanned (opening the page changes nothing in the database)."""
    key = request.session.get(PENDING_KEY)
    if not key:
        key = random_hex(20)
        request.session[PENDING_KEY] = key
    return TOTPDevice(user=request.user, name=AUTHENTICATOR, key=key, confirmed=False)


def secret_text(device: TOTPDevice) -> str:
    """The secret for typing into an app by hand, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> SafeString:
    """The enrolment QR code as inline SVG (no style attribute, no script)."""
    buffer = io.BytesIO()
    segno.make(device.config_url, error="m").save(
        buffer, kind="svg", scale=5, border=2, xmldecl=False, svgns=True, title="QR", dark="#000", light="#fff"
    )
    return mark_safe(buffer.getvalue().decode())


def confirm_device(request: AuthenticatedHttpRequest, device: TOTPDevice, token: str) -> list[str]:
    """Save the authenticator once a code from it is typed; an earlier one is replaced. Returns new recovery
    codes, shown once."""
    token = (token or "").strip()
    check = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if not (token.isdigit() and check.verify(int(token), device.tolerance)):
        raise InvalidTransition(
            "รหัสไม่ถูกต้อง ให้ใช้รหัส 6 หลักล่าสุดจากแอป / The code is wrong: type the latest 6-digit code from the app."
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=request.user).delete()
        device.confirmed = True
        device.last_t = check.t()
        device.save()
        request.session.pop(PENDING_KEY, None)
        return new_recovery_codes(request.user)


def new_recovery_codes(user: User) -> list[str]:
    """Replace the person's recovery codes (each works once, in place of an authenticator code)."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        for code in codes:
            device.token_set.create(token=code)
    return codes


def verify(user: User, token: str):
    """The device that accepts `token` (an authenticator code or a recovery code), or None. Wrong codes are
    throttled per device by django-otp."""
    token = (token or "").strip().replace(" ", "").lower()
    if not token:
        return None
    return match_token(user, token)
