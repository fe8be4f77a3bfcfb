"""Plan the next fiscal year from this year's plan and ITA scores (ร่างแผนปีถัดไป).

The agency administrator drafts next year's plan from this year's: the same measures, indicators and actions,
each action with the same responsible divisions and its due date a year later, each indicator with the
status its score suggests (approvals/scores.py; the indicator keeps this year's status when no score was
entered). The draft is a Plan in the "draft" status with a PlanReview beside it, so that every page and
service that reads a plan reads it too. While the review is in "draft" the administrator edits it (add and
remove actions, change responsible divisions and due dates); then it goes to the chief administrator, who
accepts it or returns it with a reason, and to the mayor, who approves it or returns it, under the same
segregation of duties as a result (approvals/permissions.py: whoever sent it does not review or approve it,
whoever reviewed it does not approve it). An approved draft is activated through `activate_plan`, which hands
out the tasks.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from approvals import permissions
from approvals.administration import set_responsible_divisions
from approvals.exceptions import InvalidTransition
from approvals.models import (
    Action,
    BudgetItem,
    Division,
    FiscalYear,
    Indicator,
    Measure,
    Plan,
    PlanReview,
    Responsibility,
    User,
)
from approvals.scores import result_of, suggested_status
from approvals.services import activate_plan, delete_with_history, save_with_history, set_due_date
from approvals.transactions import agency_transaction
from audit import context, reasons

DRAFTED = reasons.code(reasons.NEXT_YEAR_DRAFTED)
EDITED = reasons.code(reasons.PLAN_DRAFT_EDITED)
SUBMITTED = reasons.code(reasons.PLAN_DRAFT_SUBMITTED)
ACCEPTED = reasons.code(reasons.PLAN_DRAFT_ACCEPTED)
APPROVED = reasons.code(reasons.PLAN_DRAFT_APPROVED)


def a_year_later(day: datetime.date | None) -> datetime.date | None:
    """The same day next year; 29 February becomes 28 February."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def draft_next_year_plan(plan: Plan, *, by: User) -> PlanReview:
    """Draft the plan of the fiscal year after `plan`'s, from `plan` and the scores of `plan`'s year."""
    permissions.require(by, permissions.IMPORT_PLAN, plan)
    with permissions.refusals_kept(), agency_transaction(plan.agency_id):
        review = PlanReview.objects.filter(plan=plan).first()
        if review is not None and review.state != PlanReview.State.ACTIVATED:
            # A draft still under way is not a year's plan: next year is drafted from what this year carried out.
            raise InvalidTransition(
                _("The plan of fiscal year %(year)s is itself a draft; draft from it once it is activated.")
                % {"year": plan.fiscal_year.year}
                + " / The plan is itself a draft; draft from it once it is activated."
            )
        year = plan.fiscal_year.year + 1
        if Plan.objects.filter(agency_id=plan.agency_id, fiscal_year__year=year).exists():
            raise InvalidTransition(
                _("The agency already has a plan for fiscal year %(year)s.") % {"year": year}
                + f" / The agency already has a plan for fiscal year {year}."
            )
        fiscal_year = FiscalYear.objects.filter(year=year).first() or save_with_history(
            FiscalYear(year=year), by=by, reason=DRAFTED
        )
        result = result_of(plan.agency_id, plan.fiscal_year.year)
        scores = {score.number: score.score for score in result.scores.all()} if result else {}
        draft = save_with_history(
            Plan(agency_id=plan.agency_id, fiscal_year=fiscal_year, title=plan.title, status=Plan.Status.DRAFT),
            by=by,
            reason=DRAFTED,
        )
        # The agency's own measures: next year's OIT items come from adopting next year's catalogue.
        for measure in Measure.objects.filter(plan=plan).integrity_measures().order_by("number"):
            new_measure = save_with_history(
                Measure(agency_id=plan.agency_id, plan=draft, number=measure.number, title=measure.title),
                by=by,
                reason=DRAFTED,
            )
            for indicator in Indicator.objects.filter(measure=measure).order_by("number"):
                new_indicator = save_with_history(
                    Indicator(
                        agency_id=plan.agency_id,
                        measure=new_measure,
                        number=indicator.number,
                        written_number=indicator.written_number,
                        assessment=indicator.assessment,
                        name=indicator.name,
                        status=suggested_status(scores.get(indicator.number)) or indicator.status,
                    ),
                    by=by,
                    reason=DRAFTED,
                )
                actions = Action.objects.filter(indicator=indicator).exclude(status=Action.Status.CANCELLED)
                for position, action in enumerate(actions.order_by("position"), start=1):
                    new_action = save_with_history(
                        Action(
                            agency_id=plan.agency_id,
                            indicator=new_indicator,
                            number=action.number,
                            position=position,
                            text=action.text,
                            all_divisions=action.all_divisions,
                            due_date=a_year_later(action.due_date),
                        ),
                        by=by,
                        reason=DRAFTED,
                    )
                    for responsibility in Responsibility.objects.filter(action=action, division__is_active=True):
                        save_with_history(
                            Responsibility(
                                agency_id=plan.agency_id, action=new_action, division_id=responsibility.division_id
                            ),
                            by=by,
                            reason=DRAFTED,
                        )
        # The budget items with their planned amounts; spending is recorded against next year's plan afresh.
        for item in BudgetItem.objects.filter(plan=plan).order_by("number"):
            save_with_history(
                BudgetItem(
                    agency_id=plan.agency_id, plan=draft, number=item.number, item=item.item, amount=item.amount
                ),
                by=by,
                reason=DRAFTED,
            )
        return save_with_history(
            PlanReview(agency_id=plan.agency_id, plan=draft, source_plan=plan), by=by, reason=DRAFTED
        )


def _editable(review: PlanReview) -> PlanReview:
    review = PlanReview.objects.select_for_update().select_related("plan__fiscal_year").get(pk=review.pk)
    if not review.is_editable():
        raise InvalidTransition(
            _("The draft plan is %(state)s; it can be changed only while it is a draft.")
            % {"state": review.get_state_display()}
            + " / The draft plan can be changed only while it is a draft."
        )
    return review


def review_of(action: Action) -> PlanReview:
    review = PlanReview.objects.filter(plan__measures__indicators__actions=action).first()
    if review is None:
        raise InvalidTransition(_("This action is not part of a draft plan."))
    return review


def add_draft_action(
    indicator: Indicator,
    *,
    by: User,
    text: str,
    divisions: list[Division],
    all_divisions: bool,
    due_date: datetime.date | None,
) -> Action:
    """Add an action to an indicator of a draft plan."""
    permissions.require(by, permissions.IMPORT_PLAN, indicator)
    text = (text or "").strip()
    if not text:
        raise InvalidTransition(_("Write the action."))
    if not all_divisions and not divisions:
        raise InvalidTransition(_("Choose at least one responsible division, or every division."))
    if any(division.agency_id != indicator.agency_id for division in divisions):
        raise InvalidTransition(_("The division belongs to another agency."))
    with permissions.refusals_kept(), agency_transaction(indicator.agency_id):
        review = PlanReview.objects.filter(plan__measures__indicators=indicator).first()
        if review is None:
            raise InvalidTransition(_("This indicator is not part of a draft plan."))
        _editable(review)
        last = Action.objects.filter(indicator=indicator).order_by("-position").first()
        position = (last.position if last else 0) + 1
        action = save_with_history(
            Action(
                agency_id=indicator.agency_id,
                indicator=indicator,
                number=str(position),
                position=position,
                text=text,
                all_divisions=all_divisions,
                due_date=due_date,
            ),
            by=by,
            reason=EDITED,
        )
        for division in [] if all_divisions else divisions:
            save_with_history(
                Responsibility(agency_id=indicator.agency_id, action=action, division=division), by=by, reason=EDITED
            )
    return action


def remove_draft_action(action: Action, *, by: User) -> None:
    """Remove an action from a draft plan (its history keeps it)."""
    permissions.require(by, permissions.IMPORT_PLAN, action)
    with permissions.refusals_kept(), agency_transaction(action.agency_id):
        _editable(review_of(action))
        for responsibility in Responsibility.objects.filter(action=action):
            delete_with_history(responsibility, by=by, reason=EDITED)
        delete_with_history(Action.objects.select_for_update().get(pk=action.pk), by=by, reason=EDITED)


def change_draft_action(
    action: Action,
    *,
    by: User,
    divisions: list[Division],
    all_divisions: bool,
    due_date: datetime.date | None,
) -> Action:
    """Change the responsible divisions and the due date of an action of a draft plan."""
    permissions.require(by, permissions.IMPORT_PLAN, action)
    with permissions.refusals_kept(), agency_transaction(action.agency_id):
        _editable(review_of(action))
        typed = str(reasons.describe(reasons.PLAN_DRAFT_EDITED))
        set_responsible_divisions(action, divisions, all_divisions=all_divisions, by=by, reason=typed)
        action.refresh_from_db()
        if due_date is not None and due_date != action.due_date:
            set_due_date(action, by=by, due_date=due_date, reason=typed)
    return action


def submit_plan_draft(review: PlanReview, *, by: User) -> PlanReview:
    """The administrator sends the draft to the chief administrator."""
    permissions.require(by, permissions.IMPORT_PLAN, review)
    with permissions.refusals_kept(), agency_transaction(review.agency_id):
        review = _editable(review)
        if not Action.objects.filter(indicator__measure__plan=review.plan).exists():
            raise InvalidTransition(_("The draft plan has no action to send."))
        review.state, review.submitted_by, review.reviewed_by = PlanReview.State.SUBMITTED, by, None
        return save_with_history(
            review, by=by, reason=SUBMITTED, update_fields=["state", "submitted_by", "reviewed_by"]
        )


def _return(review: PlanReview, by: User, reason: str) -> PlanReview:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransition(_("Write why the draft plan is returned, so the administrator knows what to change."))
    review.state, review.return_reason = PlanReview.State.DRAFT, reason
    return save_with_history(review, by=by, reason=context.typed(reason), update_fields=["state", "return_reason"])


def review_plan_draft(review: PlanReview, *, by: User, accept: bool, reason: str = "") -> PlanReview:
    """The chief administrator accepts the draft (to the mayor) or returns it to the administrator."""
    with permissions.refusals_kept(), agency_transaction(review.agency_id):
        review = PlanReview.objects.select_for_update().get(pk=review.pk)
        permissions.require(by, permissions.REVIEW_PLAN_DRAFT, review)
        if review.state != PlanReview.State.SUBMITTED:
            raise InvalidTransition(_("The draft plan is not waiting for review."))
        if not accept:
            return _return(review, by, reason)
        review.state, review.reviewed_by = PlanReview.State.ACCEPTED, by
        return save_with_history(review, by=by, reason=ACCEPTED, update_fields=["state", "reviewed_by"])


def approve_plan_draft(review: PlanReview, *, by: User, approve: bool, reason: str = "") -> PlanReview:
    """The mayor approves the draft or returns it to the administrator."""
    with permissions.refusals_kept(), agency_transaction(review.agency_id):
        review = PlanReview.objects.select_for_update().get(pk=review.pk)
        permissions.require(by, permissions.APPROVE_PLAN_DRAFT, review)
        if review.state != PlanReview.State.ACCEPTED:
            raise InvalidTransition(_("The draft plan is not waiting for approval."))
        if not approve:
            return _return(review, by, reason)
        review.state, review.approved_by = PlanReview.State.APPROVED, by
        return save_with_history(review, by=by, reason=APPROVED, update_fields=["state", "approved_by"])


def activate_plan_draft(review: PlanReview, *, by: User) -> PlanReview:
    """Activate an approved draft: `activate_plan` hands out the tasks."""
    permissions.require(by, permissions.IMPORT_PLAN, review)
    with permissions.refusals_kept(), agency_transaction(review.agency_id):
        review = PlanReview.objects.select_for_update().select_related("plan").get(pk=review.pk)
        if review.state != PlanReview.State.APPROVED:
            raise InvalidTransition(_("Only a draft plan the mayor approved can be activated."))
        activate_plan(review.plan, by=by)
        review.state = PlanReview.State.ACTIVATED
        return save_with_history(review, by=by, reason=reasons.code(reasons.PLAN_ACTIVATED), update_fields=["state"])
