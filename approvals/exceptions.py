"""Domain exceptions raised by services and caught by views, commands and tasks."""

from django.core.exceptions import PermissionDenied


class DomainError(Exception):
    """Base class: the message is translated and safe to show to the user."""


class NotAllowed(DomainError, PermissionDenied):
    """The acting user may not do this (role, scope or segregation of duties)."""


class InvalidTransition(DomainError):
    """The record is not in a state where this change is possible."""


class InvalidEvidence(DomainError):
    """An uploaded evidence file was refused (type, size or name)."""
