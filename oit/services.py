"""The OIT disclosure items as work (งานเปิดเผยข้อมูลสาธารณะตามแบบ OIT): adopting the year's catalogue into the
plan, and a division recording where it published an item. Everything else (review, approval, returns,
segregation of duties) is the plan's own workflow in approvals.services."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from django.core.files import File
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from approvals import permissions
from approvals import services as approval_services
from approvals.exceptions import InvalidTransition
from approvals.models import Action, Division, Indicator, Measure, Plan, Responsibility, Submission, User
from approvals.services import save_with_history
from approvals.transactions import agency_transaction
from audit import context, reasons
from audit.context import Reason
from oit import catalogue as catalogues
from oit.models import DisclosureItem, PublishedLink

MAX_URL_LENGTH = 1000


@agency_transaction()
def adopt_catalogue(
    plan: Plan,
    year: int,
    *,
    by: User,
    divisions: Mapping[str, Division | int | None],
    reason: Reason | str | None = None,
) -> list[DisclosureItem]:
    """Add the OIT catalogue of an assessment year to the plan (นำแบบตรวจ OIT มาเป็นงานของแผน): a measure of
    its own, the catalogue's indicators, and one action per item for the division the administrator maps the
    item's usual division to. An active plan starts the new actions' tasks at once; a draft plan starts them
    when it is activated."""
    permissions.require(by, permissions.IMPORT_PLAN, plan)
    chosen = catalogues.load(year)
    reason = reason or context.code(reasons.OIT_CATALOGUE_ADOPTED, year=chosen.year)
    if not chosen.usable and chosen.items:
        raise catalogues.CatalogueError(
            _(
                "The OIT catalogue of %(year)s is incomplete: public sources confirmed only %(count)s of its items, "
                "so it cannot be adopted."
            )
            % {"year": chosen.year, "count": chosen.confirmed_count}
        )
    if not chosen.usable:
        raise catalogues.CatalogueError(
            _("The OIT catalogue of %(year)s lists no confirmed items yet, so it cannot be adopted.")
            % {"year": chosen.year}
        )
    agency_divisions = {d.pk: d for d in Division.objects.filter(agency_id=plan.agency_id, is_active=True)}
    mapped: dict[str, Division] = {}
    for name in chosen.divisions:
        choice = divisions.get(name)
        division = agency_divisions.get(choice.pk if isinstance(choice, Division) else choice)  # type: ignore[arg-type]
        if division is None:
            raise InvalidTransition(
                _("Choose which of your divisions does the work of %(division)s.") % {"division": name}
            )
        mapped[name] = division
    with transaction.atomic():
        plan = Plan.objects.select_for_update().get(pk=plan.pk)
        if plan.status == Plan.Status.CLOSED:
            raise InvalidTransition(_("This plan is closed."))
        if DisclosureItem.objects.filter(plan=plan, assessment_year=chosen.year).exists():
            raise InvalidTransition(
                _("The OIT catalogue of %(year)s is already part of this plan.") % {"year": chosen.year}
            )
        last = Measure.objects.filter(plan=plan).aggregate(last=Max("number"))["last"] or 0
        measure = save_with_history(
            Measure(agency_id=plan.agency_id, plan=plan, number=last + 1, title=chosen.title[:500]),
            by=by,
            reason=reason,
        )
        indicators: dict[int, Indicator] = {}
        for number in sorted({item.indicator for item in chosen.items}):
            indicators[number] = save_with_history(
                Indicator(
                    agency_id=plan.agency_id,
                    measure=measure,
                    number=number,
                    assessment=Indicator.Assessment.OIT,
                    name=chosen.indicators[number][:300],
                ),
                by=by,
                reason=reason,
            )
        items = []
        for entry in chosen.items:
            action = save_with_history(
                Action(
                    agency_id=plan.agency_id,
                    indicator=indicators[entry.indicator],
                    number=entry.number,
                    position=entry.position,
                    text=f"{entry.title}\n{entry.publish}",
                ),
                by=by,
                reason=reason,
            )
            save_with_history(
                Responsibility(agency_id=plan.agency_id, action=action, division=mapped[entry.division]),
                by=by,
                reason=reason,
            )
            items.append(
                save_with_history(
                    DisclosureItem(
                        agency_id=plan.agency_id,
                        plan=plan,
                        action=action,
                        assessment_year=chosen.year,
                        number=entry.number,
                        position=entry.position,
                        title=entry.title,
                        publish=entry.publish,
                        period=entry.period,
                        usual_division=entry.division,
                        confirmed=entry.confirmed,
                    ),
                    by=by,
                    reason=reason,
                )
            )
        if plan.status == Plan.Status.ACTIVE:
            approval_services.activate_plan(plan, by=by, reason=reason)
    return items


def clean_url(url: str) -> str:
    """A published address: http or https, with a host, no credentials, at most 1,000 characters."""
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidTransition(_("The address is longer than %(limit)s characters.") % {"limit": MAX_URL_LENGTH})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise InvalidTransition(
            _("Give the full web address where the item is published, starting with https:// or http://.")
        )
    if parts.username or parts.password:
        raise InvalidTransition(_("The address must not contain a user name or a password."))
    if port == 0:
        raise InvalidTransition(_("The address has no valid port."))
    return url


def item_of(action: Action | int) -> DisclosureItem | None:
    action_id = action if isinstance(action, int) else action.pk
    return DisclosureItem.objects.filter(action_id=action_id).first()


@agency_transaction()
def record_publication(
    submission: Submission,
    *,
    by: User,
    url: str,
    note: str = "",
    document: File | None = None,
    submit: bool = False,
) -> Submission:
    """A division records where it published an OIT item (URL) and uploads the published document; with
    `submit`, it sends both for the chief administrator's review. All of it, or nothing."""
    permissions.require(by, permissions.WORK_ON_ACTION, submission)
    item = item_of(submission.action_id)
    if item is None:
        raise InvalidTransition(_("This action is not an OIT disclosure item."))
    url = clean_url(url)
    results = (note or "").strip() or (
        _("%(number)s published at %(url)s") % {"number": item.number, "url": url} if url else ""
    )
    approval_services.save_draft(
        submission,
        by=by,
        results=results,
        outcome=submission.outcome,
        progress=100 if url else submission.progress,
    )
    recorded = context.code(reasons.OIT_LINK_RECORDED)
    link = PublishedLink.objects.select_for_update().filter(submission=submission).first()
    if url and link is None:
        save_with_history(
            PublishedLink(agency_id=submission.agency_id, submission=submission, url=url), by=by, reason=recorded
        )
    elif url and link is not None and link.url != url:
        link.url = url
        save_with_history(link, by=by, reason=recorded, update_fields=["url"])
    if document is not None:
        approval_services.add_evidence(submission, by=by, uploaded_file=document)
    if submit:
        if not url and link is None:
            raise InvalidTransition(_("Give the address where the item is published before submitting."))
        if not submission.evidence.filter(is_removed=False).exists():
            raise InvalidTransition(_("Upload the published document before submitting."))
        approval_services.submit_result(submission, by=by)
    return Submission.objects.get(pk=submission.pk)
