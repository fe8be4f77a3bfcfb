"""Domain exceptions raised by services and caught by views, commands and tasks."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    from approvals.models import AccessRefusal


class DomainError(Exception):
    """Base class: the message is translated and safe to show to the user."""


class NotAllowed(DomainError, PermissionDenied):
    """The acting user may not do this (role, scope or segregation of duties)."""

    # Set by permissions.require when the refusal is recorded: the record, and how to write it again after a
    # rollback (permissions.keep_refusal).
    refusal: AccessRefusal
    record_again: Callable[[], AccessRefusal]


class InvalidTransition(DomainError):
    """The record is not in a state where this change is possible."""


class InvalidEvidence(DomainError):
    """An uploaded evidence file was refused (type, size or name)."""
