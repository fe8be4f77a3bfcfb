"""The auditor's home-page summary of findings: how many are open, under review and closed, and the open
ones by severity. Computed here so that the home page (approvals) needs nothing from the audit app."""

from __future__ import annotations

from django import template
from django.db.models import Q

from audit.models import Finding
from audit.views import finding_counts

register = template.Library()


@register.inclusion_tag("audit/_finding_counts.html")
def finding_summary(user) -> dict:
    visible = Finding.objects.filter(Q(agency_id=user.agency_id) | Q(agency__isnull=True))
    return finding_counts(visible)
