"""Sending one delivery by email or LINE. Each sender returns the delivery result as text, or raises
`TransientFailure` (worth retrying: the server is down or busy) or `PermanentFailure` (it never will work:
the address is refused)."""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage

from notifications.messages import thai_text
from notifications.models import Channel, Delivery

LINE_PUSH_PATH = "/v2/bot/message/push"
LINE_TEXT_LIMIT = 5000


class TransientFailure(Exception):
    """The channel could not take the message now; try again later."""


class PermanentFailure(Exception):
    """The channel refused the message for good (a bad address); do not try again."""


def absolute_url(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return f"{settings.NOTIFICATION_SITE_URL}{path}"


def send(delivery: Delivery) -> str:
    if delivery.channel == Channel.EMAIL:
        return send_email(delivery)
    if delivery.channel == Channel.LINE:
        return send_line(delivery)
    raise PermanentFailure(f"no sender for channel {delivery.channel}")


def send_email(delivery: Delivery) -> str:
    notification = delivery.notification
    subject, text = thai_text(notification.event, notification.params, absolute_url(notification.url))
    message = EmailMessage(
        subject=f"[Khunatham] {subject}",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.address],
        # The same Message-ID for every attempt, so a mail client shows a re-sent message once.
        headers={"Message-ID": f"<{delivery.retry_key}@khunatham>"},
    )
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentFailure(f"recipient refused: {exc}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientFailure(f"SMTP: {exc}") from exc
    return f"accepted by {settings.EMAIL_BACKEND.rsplit('.', 2)[-2]}"


def send_line(delivery: Delivery) -> str:
    """Push a text message through the LINE Messaging API. The retry key makes LINE accept a repeated
    request (after a lost response or a killed worker) once: it answers 409 to the repeat."""
    if not settings.LINE_ENABLED:
        raise PermanentFailure("LINE is not enabled")
    notification = delivery.notification
    _, text = thai_text(notification.event, notification.params, absolute_url(notification.url))
    body = {"to": delivery.address, "messages": [{"type": "text", "text": text[:LINE_TEXT_LIMIT]}]}
    request = urllib.request.Request(
        settings.LINE_API_URL + LINE_PUSH_PATH,
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        method="POST",
        headers={
            "Authorization": f"Bearer {settings.LINE_CHANNEL_ACCESS_TOKEN}",
            "Content-Type": "application/json; charset=utf-8",
            "X-Line-Retry-Key": delivery.retry_key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.LINE_TIMEOUT_SECONDS) as response:
            return f"HTTP {response.status} {response.headers.get('x-line-request-id', '')}".strip()
    except urllib.error.HTTPError as exc:
        if exc.code == 409:
            # An earlier attempt with this retry key was accepted: the person has the message.
            return f"HTTP 409 already accepted {exc.headers.get('x-line-accepted-request-id', '')}".strip()
        if exc.code == 429 or exc.code >= 500:
            raise TransientFailure(f"LINE HTTP {exc.code}") from exc
        raise PermanentFailure(f"LINE HTTP {exc.code}: {exc.read()[:300]!r}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise TransientFailure(f"LINE: {exc}") from exc
