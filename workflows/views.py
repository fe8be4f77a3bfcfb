"""Pages of the workflow: the task pages (viewflow's execute URLs), the inbox, the queues, the archive, an
action's whole story, the plan's progress and evidence downloads. Views are thin: a scoped queryset, a form,
one service call, a message, a redirect."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from approvals import permissions, services, steps
from approvals.exceptions import DomainError, NotAllowed
from approvals.models import (
    Action,
    Decision,
    Division,
    Evidence,
    Plan,
    Role,
    RoleAssignment,
    Submission,
    Substitution,
    User,
)
from approvals.types import AuthenticatedHttpRequest
from workflows import forms
from workflows.models import in_agency
from workflows.nodes import OPEN_STATUSES
from workflows.story import action_story

PAGE_SIZE = 50
TASK_RELATED = ("owner", "process__actionprocess__action__indicator__measure__plan__fiscal_year")


# --- task lists ------------------------------------------------------------------------------------------------


def _flow() -> Any:
    from workflows.flows import ActionFlow

    return ActionFlow


def agency_tasks(user: User) -> QuerySet[Task]:
    """Human tasks of the action flow in the person's agency."""
    if not user.is_authenticated or not user.agency_id:
        return Task.objects.none()
    return Task.objects.filter(
        in_agency(user.agency_id), flow_task_type="HUMAN", process__flow_class=_flow()
    ).select_related(*TASK_RELATED)


def queue_tasks(user: User) -> QuerySet[Task]:
    """Open tasks of every queue the person may work from (their divisions, the review, the approval),
    leaving out the actions that segregation of duties keeps them away from."""
    flow = _flow()
    action_ref = OuterRef("process__actionprocess__action_id")
    tasks = agency_tasks(user).filter(status__in=OPEN_STATUSES, owner_permission__in=user.get_all_permissions())
    tasks = tasks.annotate(
        **permissions.took_part(action_ref, user),
        sod_reviewed=Exists(
            Decision.objects.filter(action_id=action_ref, stage=Decision.Stage.REVIEW, decided_by=user)
        ),
    )
    took_part = Q(sod_submitted=True) | Q(sod_uploaded=True) | Q(sod_withdrew=True) | Q(sod_drafted=True)
    executive = Q(flow_task=flow.review_by_chief) | Q(flow_task=flow.approve_by_mayor)
    return tasks.exclude(executive & took_part).exclude(Q(flow_task=flow.approve_by_mayor, sod_reviewed=True))


def task_rows(tasks: Any, user: User) -> list[dict[str, Any]]:
    """What a task list shows for each task; no query per task."""
    # Keyed by the ids in the tasks' data (None for a task of no division).
    divisions: dict[Any, Division] = (
        {d.pk: d for d in Division.objects.filter(agency_id=user.agency_id)} if user.agency_id else {}
    )
    today = timezone.localdate()
    rows = []
    for task in tasks:
        action = task.process.actionprocess.action
        division = divisions.get((task.data or {}).get("division"))
        open_task = task.status in OPEN_STATUSES
        rows.append(
            {
                "task": task,
                "action": action,
                "plan": action.indicator.measure.plan,
                "indicator": action.indicator,
                "division": division,
                "title": task.flow_task.task_title,
                "overdue": open_task and action.is_overdue(today),
                "mine": task.owner_id == user.pk,
                "execute_url": task.flow_task.reverse("execute", args=[task.process_id, task.pk]) if open_task else "",
                # A returned round given back to its author can be taken over by the rest of the division.
                "take_url": task.flow_task.reverse("assign", args=[task.process_id, task.pk])
                if task.status == STATUS.NEW or (open_task and steps.may_take_over(task, user))
                else "",
                "reassign": division is not None and open_task and division.pk in _head_of(user),
            }
        )
    return rows


def _head_of(user: User) -> set[int]:
    return permissions.standing(user).head_of_division_ids


def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    mine = (
        agency_tasks(user)
        .filter(owner=user, status__in=OPEN_STATUSES)
        .order_by("process__actionprocess__action__due_date", "pk")
    )
    available = queue_tasks(user).filter(status=STATUS.NEW).order_by("process__actionprocess__action__due_date", "pk")
    return render(
        request,
        "workflows/inbox.html",
        {
            "mine": task_rows(mine, user),
            "available": task_rows(available[:PAGE_SIZE], user),
            "more_available": available[PAGE_SIZE : PAGE_SIZE + 1].exists(),
            "nav": "inbox",
        },
    )


def archive(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    tasks = agency_tasks(user).filter(owner=user, status=STATUS.DONE).order_by("-finished", "-pk")
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workflows/archive.html", {"rows": task_rows(page, user), "page": page, "nav": "archive"})


# --- the task pages (viewflow's URLs, each a plain view over one service: workflows.nodes.GuardedViewMixin) ------


def _action_of(process_pk: int, user: User) -> Action:
    return get_object_or_404(
        Action.objects.visible_to(user).select_related("indicator__measure__plan__fiscal_year"), process__pk=process_pk
    )


def _evidence_prefetch() -> Prefetch:
    return Prefetch(
        "evidence",
        queryset=Evidence.objects.filter(is_removed=False).select_related("uploaded_by").order_by("uploaded_at"),
    )


def _not_yours(request: AuthenticatedHttpRequest, task: Task, action: Action) -> HttpResponse | None:
    """Where a person who does not hold the task goes from its page: to take it (or take it over), or back
    to the action's page saying who holds it; people who may not work on it at all are refused (403)."""
    if task.owner_id == request.user.pk:
        return None
    node = task.flow_task
    if node.allowed(request.user, task, action) and (task.owner_id is None or steps.may_take_over(task, request.user)):
        return redirect(node.reverse("assign", args=[task.process_id, task.pk]))
    node.require_allowed(request.user, task, action)
    messages.info(request, _("%(person)s is working on this task.") % {"person": task.owner})
    return redirect("workflows:action-detail", pk=action.pk)


def perform_action(request: AuthenticatedHttpRequest, task: Task, action: Action) -> HttpResponse:
    """A division records what it did, saves drafts, attaches evidence and submits."""
    elsewhere = _not_yours(request, task, action)
    if elsewhere is not None:
        return elsewhere
    action = _action_of(task.process_id, request.user)
    submission = get_object_or_404(
        Submission.objects.select_related("division").prefetch_related(_evidence_prefetch()),
        action=action,
        division_id=task.data["division"],
        round=action.current_round,
    )
    form = forms.ResultForm(
        initial={"results": submission.results, "outcome": submission.outcome, "progress": submission.progress}
    )
    remove_form = forms.RemoveEvidenceForm()
    status = 200
    if request.method == "POST":
        if "remove_evidence" in request.POST:
            remove_form = forms.RemoveEvidenceForm(request.POST)
            if remove_form.is_valid():
                evidence = get_object_or_404(submission.evidence.all(), pk=remove_form.cleaned_data["evidence"])
                try:
                    services.remove_evidence(evidence, by=request.user, reason=remove_form.cleaned_data["reason"])
                except DomainError as error:
                    messages.error(request, str(error))
                else:
                    messages.success(request, _("The evidence file %(name)s was withdrawn.") % {"name": evidence})
                return redirect(request.path)
            messages.error(request, _("Write why the evidence file is withdrawn."))
            return redirect(request.path)
        form = forms.ResultForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.save_draft(
                    submission,
                    by=request.user,
                    results=data["results"],
                    outcome=data["outcome"],
                    progress=data["progress"],
                )
                if data["evidence"]:
                    services.add_evidence(
                        submission,
                        by=request.user,
                        uploaded_file=data["evidence"],
                        is_internal=data["evidence_internal"],
                    )
                if "submit" in request.POST:
                    services.submit_result(submission, by=request.user)
                    messages.success(
                        request, _("Your division's results for %(action)s were submitted.") % {"action": action}
                    )
                    return redirect("workflows:inbox")
            except DomainError as error:
                form.add_error(None, str(error))
                status = 403 if isinstance(error, NotAllowed) else 400
            else:
                messages.success(request, _("The draft was saved."))
                return redirect(request.path)
        else:
            status = 400
    context = _action_context(action, request.user)
    context.update(
        {
            "task": task,
            "submission": submission,
            "form": form,
            "remove_form": remove_form,
            "returned": _return_for(context["decisions"], submission),
            "release_url": task.flow_task.reverse("unassign", args=[task.process_id, task.pk]),
        }
    )
    return render(request, "workflows/perform_action.html", context, status=status)


def _return_for(decisions: list[Decision], submission: Submission) -> Decision | None:
    """The return that opened this draft's round, to show its reason on the new task."""
    for decision in reversed(decisions):
        if decision.outcome == Decision.Outcome.RETURNED and decision.round == submission.round - 1:
            if submission.division_id in (decision.returned_divisions or []):
                return decision
    return None


DECISION_ROLES = {True: Role.MAYOR, False: Role.CHIEF_ADMINISTRATOR}


def _decision_page(request: AuthenticatedHttpRequest, task: Task, action: Action, *, approval: bool) -> HttpResponse:
    role = DECISION_ROLES[approval]
    user = request.user
    # The office holder whose post an acting official holds sees the step read-only (and may end the
    # appointment on returning to office); anyone else who does not hold the step goes to take it or away.
    stood_in_for = permissions.acting_appointment_for(user, role) if task.owner_id != user.pk else None
    if stood_in_for is None:
        elsewhere = _not_yours(request, task, action)
        if elsewhere is not None:
            return elsewhere
    elif request.method == "POST":
        task.flow_task.require_allowed(user, task, action)
    action = _action_of(task.process_id, user)
    context = _action_context(action, user)
    divisions = [s.division for s in context["current"]]
    form = forms.DecisionForm(request.POST or None, approval=approval, divisions=divisions)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["decision"] == forms.ACCEPT:
                    services.accept_action(action, by=user, reason=data["reason"])
                    done = _("You accepted the results of %(action)s; the mayor approves next.")
                elif data["decision"] == forms.APPROVE:
                    services.approve_action(action, by=user, reason=data["reason"])
                    done = _("You approved %(action)s. Its results are now final.")
                elif data["decision"] == forms.RETURN_TO_REVIEW:
                    services.return_action(action, by=user, reason=data["reason"], to_review=True)
                    done = _("%(action)s went back to the chief administrator's review.")
                else:
                    services.return_action(
                        action, by=user, reason=data["reason"], to_divisions=data["divisions"] or None
                    )
                    done = _("%(action)s went back to the divisions with your reason.")
            except DomainError as error:
                form.add_error(None, str(error))
                status = 403 if isinstance(error, NotAllowed) else 400
            else:
                messages.success(request, done % {"action": action})
                return redirect("workflows:inbox")
        else:
            status = 400
    context.update(
        {
            "task": task,
            "form": form,
            "approval": approval,
            "acting_for": permissions.acting_for(user, role),
            "by_delegation": permissions.standing(user).acting_kind.get(role) == RoleAssignment.Kind.DELEGATION,
            "stood_in_for": stood_in_for,
            "end_acting_form": forms.ReasonForm() if stood_in_for is not None else None,
            "release_url": task.flow_task.reverse("unassign", args=[task.process_id, task.pk])
            if task.owner_id == user.pk
            else "",
        }
    )
    return render(request, "workflows/decide.html", context, status=status)


def review_action(request: AuthenticatedHttpRequest, task: Task, action: Action) -> HttpResponse:
    """The chief administrator reviews every division's results together."""
    return _decision_page(request, task, action, approval=False)


def approve_action(request: AuthenticatedHttpRequest, task: Task, action: Action) -> HttpResponse:
    """The mayor approves the reviewed results."""
    return _decision_page(request, task, action, approval=True)


def take_task(request: AuthenticatedHttpRequest, task: Task, action: Action) -> HttpResponse:
    """Take a task from a queue, or take over a returned round from its author (viewflow's assign URL)."""
    task.flow_task.require_allowed(request.user, task, action)
    if request.method == "POST":
        try:
            steps.take_task(task, by=request.user)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("workflows:action-detail", pk=action.pk)
        messages.success(request, _("The task is yours now."))
        return redirect(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))
    if task.owner_id == request.user.pk:
        return redirect(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))
    if task.owner_id is not None and not steps.may_take_over(task, request.user):
        messages.info(request, _("%(person)s is working on this task.") % {"person": task.owner})
        return redirect("workflows:action-detail", pk=action.pk)
    return render(request, "workflows/take_task.html", {"task": task, "action": action, "holder": task.owner})


def release_task(request: AuthenticatedHttpRequest, task: Task, action: Action) -> HttpResponse:
    """Put a task one holds back in its queue (viewflow's unassign URL)."""
    if task.owner_id != request.user.pk:
        task.flow_task.require_allowed(request.user, task, action)
        messages.info(request, _("Only the person who holds a task puts it back in its queue."))
        return redirect("workflows:action-detail", pk=action.pk)
    if request.method == "POST":
        try:
            steps.release_task(task, by=request.user)
        except DomainError as error:
            messages.error(request, str(error))
            return redirect("workflows:action-detail", pk=action.pk)
        messages.success(request, _("The task is back in its queue."))
        return redirect("workflows:inbox")
    return render(request, "workflows/release_task.html", {"task": task, "action": action})


@require_POST
def end_acting(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The office holder, back in office, ends the acting appointment made for them; open steps come back."""
    appointment = permissions.get_or_404(
        permissions.scope(RoleAssignment.objects.filter(acting_for__isnull=False), request.user), request.user, pk=pk
    )
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write why the acting appointment ends."))
        return redirect("workflows:inbox")
    try:
        steps.end_acting_appointment(appointment, by=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The acting appointment of %(person)s has ended; its open steps are yours again.")
            % {"person": appointment.user},
        )
    return redirect("workflows:inbox")


def substitutes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Name a substitute for a leave (มอบหมายผู้ปฏิบัติหน้าที่แทน); a division head also sees those to confirm."""
    user = request.user
    permissions.require(user, permissions.NAME_SUBSTITUTE)
    me = permissions.standing(user)
    divisions = list(Division.objects.filter(pk__in=me.division_ids).order_by("sort_order", "name"))
    colleague_ids = (
        RoleAssignment.objects.filter(division_id__in=me.division_ids, role__in=[Role.STAFF, Role.DIVISION_HEAD])
        .active()
        .exclude(user=user)
        .values("user_id")
    )
    colleagues = list(User.objects.filter(pk__in=colleague_ids, is_active=True).order_by("first_name", "last_name"))
    form = forms.SubstituteForm(request.POST or None, divisions=divisions, colleagues=colleagues)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            steps.name_substitute(
                user,
                substitute=next(p for p in colleagues if p.pk == data["substitute"]),
                division=next(d for d in divisions if d.pk == data["division"]),
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                by=user,
                reason=data["reason"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your substitute is named; the head of the division confirms it."))
            return redirect("workflows:substitutes")
    related = Substitution.objects.visible_to(user).select_related("person", "substitute", "division", "confirmed_by")
    mine = related.filter(Q(person=user) | Q(substitute=user)).order_by("-valid_from", "-pk")[:PAGE_SIZE]
    to_confirm = related.filter(division_id__in=me.head_of_division_ids, status=Substitution.Status.PROPOSED).exclude(
        person=user
    )
    return render(
        request,
        "workflows/substitutes.html",
        {"form": form, "mine": list(mine), "to_confirm": list(to_confirm), "nav": "substitutes"},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def confirm_substitute(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The head of the division confirms a substitute for a leave."""
    substitution = permissions.get_or_404(Substitution.objects.visible_to(request.user), request.user, pk=pk)
    try:
        steps.confirm_substitute(substitution, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(substitute)s carries the tasks of %(person)s during the leave.")
            % {"substitute": substitution.substitute, "person": substitution.person},
        )
    return redirect("workflows:substitutes")


def reassign_task(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A division head gives a division's task to another member."""
    task = permissions.get_or_404(agency_tasks(request.user).filter(status__in=OPEN_STATUSES), request.user, pk=pk)
    division_id = (task.data or {}).get("division")
    if division_id is None:
        raise Http404(_("Only a division's task can be reassigned."))
    division = get_object_or_404(Division, pk=division_id)
    member_ids = RoleAssignment.objects.filter(division=division, role__in=[Role.STAFF, Role.DIVISION_HEAD]).active()
    members = list(User.objects.filter(pk__in=member_ids.values("user_id"), is_active=True))
    form = forms.ReassignForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        to = next(m for m in members if m.pk == form.cleaned_data["to"])
        try:
            services.reassign_task(task, by=request.user, to=to, reason=form.cleaned_data["reason"] or "reassign")
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The task was given to %(person)s.") % {"person": to})
            return redirect("workflows:queue")
    action = task.process.actionprocess.action
    return render(
        request, "workflows/reassign.html", {"task": task, "action": action, "division": division, "form": form}
    )


# --- decisions in batches ----------------------------------------------------------------------------------------


def _batch_stage(user: User) -> str:
    from approvals import batches

    stage = batches.stage_of(user)
    if stage is None:
        permissions.require(user, permissions.REVIEW_SUBMISSION)
    return stage or ""


def _batch_rows(user: User, actions: Any, *, approval: bool) -> list[dict[str, Any]]:
    """Each action as its one-page summary shows it, with the reason it would be refused (if any)."""
    perm = permissions.APPROVE_SUBMISSION if approval else permissions.REVIEW_SUBMISSION
    rows = []
    for action in actions:
        refusal = permissions.check(user, perm, action)
        rows.append(
            {
                "action": action,
                "submissions": action.summary_submissions,
                "review": action.summary_reviews[0] if action.summary_reviews else None,
                "refusal": refusal,
            }
        )
    return rows


def batch_decisions(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The chief administrator or the mayor chooses several ready actions to decide together."""
    from approvals import batches

    stage = _batch_stage(request.user)
    actions = list(batches.ready_actions(request.user, stage)[:PAGE_SIZE])
    return render(
        request,
        "workflows/batch.html",
        {
            "rows": _batch_rows(request.user, actions, approval=stage == Action.Status.AWAITING_APPROVAL),
            "approval": stage == Action.Status.AWAITING_APPROVAL,
            "nav": "batch",
        },
    )


def batch_confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The one-page summary of the chosen actions, one confirmation and one reason; then each is decided."""
    from approvals import batches

    stage = _batch_stage(request.user)
    approval = stage == Action.Status.AWAITING_APPROVAL
    source = request.POST if request.method == "POST" else request.GET
    form = forms.BatchForm(source if request.method == "POST" else None)
    chosen = [int(pk) for pk in source.getlist("action") if pk.isdigit()][:PAGE_SIZE]
    actions = list(batches.ready_actions(request.user, stage).filter(pk__in=chosen))
    if not actions:
        messages.error(request, _("Choose at least one action."))
        return redirect("workflows:batch")
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                outcome = batches.decide_in_batch(actions, by=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                form.add_error(None, str(error))
                status = 400
            else:
                return render(
                    request, "workflows/batch_done.html", {"outcome": outcome, "approval": approval, "nav": "batch"}
                )
        else:
            status = 400
    return render(
        request,
        "workflows/batch_confirm.html",
        {
            "rows": _batch_rows(request.user, actions, approval=approval),
            "form": form,
            "approval": approval,
            "nav": "batch",
        },
        status=status,
    )


# --- an action's whole story --------------------------------------------------------------------------------------


def _action_context(action: Action, user: User) -> dict[str, Any]:
    submissions = list(
        Submission.objects.filter(action=action)
        .select_related("division", "submitted_by")
        .prefetch_related(_evidence_prefetch())
        .order_by("round", "division__sort_order", "division__name")
    )
    latest: dict[int, Submission] = {}
    for submission in submissions:
        latest[submission.division_id] = submission
    current = sorted(latest.values(), key=lambda s: (s.division.sort_order, s.division.name))
    decisions = list(action.decisions.select_related("decided_by", "on_behalf_of").order_by("decided_at", "pk"))
    tasks = list(
        Task.objects.filter(process__actionprocess__action=action, flow_task_type="HUMAN")
        .select_related("owner")
        .order_by("created", "pk")
    )
    divisions = {d.pk: d for d in Division.objects.filter(agency_id=action.agency_id)}
    return {
        "action": action,
        "plan": action.indicator.measure.plan,
        "current": current,
        "submissions": submissions,
        "decisions": decisions,
        "story": action_story(action, submissions=submissions, decisions=decisions, tasks=tasks, divisions=divisions),
        "overdue": action.is_overdue(),
        "can_cancel": permissions.check(user, permissions.CANCEL_ACTION, action) is None and not action.is_locked(),
        # Who may take the step the action waits for; when segregation of duties leaves nobody, the page says
        # so and names who can unblock it, instead of waiting silently.
        "deciders": permissions.deciders_of(action),
    }


def action_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(
        Action.objects.visible_to(request.user).select_related("indicator__measure__plan__fiscal_year"), pk=pk
    )
    context = _action_context(action, request.user)
    mine = agency_tasks(request.user).filter(process__actionprocess__action=action)
    available = queue_tasks(request.user).filter(process__actionprocess__action=action)
    rows = task_rows(mine.filter(owner=request.user, status__in=OPEN_STATUSES), request.user) + task_rows(
        available.filter(status=STATUS.NEW), request.user
    )
    context.update({"rows": rows, "cancel_form": forms.ReasonForm()})
    return render(request, "workflows/action_detail.html", context)


@require_POST
def cancel_action(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(Action.objects.visible_to(request.user), pk=pk)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write why the action is cancelled."))
        return redirect("workflows:action-detail", pk=action.pk)
    try:
        services.cancel_action(action, by=request.user, reason=form.cleaned_data["reason"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The action was cancelled and its open tasks ended."))
    return redirect("workflows:action-detail", pk=action.pk)


# --- the plan's progress -----------------------------------------------------------------------------------------


def plan_progress(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    from workflows.progress import plan_progress as build

    plan = get_object_or_404(
        Plan.objects.visible_to(request.user).select_related("agency", "fiscal_year"), fiscal_year__year=year
    )
    context = build(plan)
    context["can_activate"] = (
        permissions.check(request.user, permissions.IMPORT_PLAN, plan) is None
        and context["not_started_processes"]
        and not services.waits_for_draft_review(plan)
    )
    context["nav"] = "progress"
    return render(request, "workflows/progress.html", context)


def current_progress(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The progress of the latest plan of the person's agency."""
    plan = Plan.objects.visible_to(request.user).select_related("fiscal_year").order_by("-fiscal_year__year").first()
    if plan is None:
        messages.info(request, _("Your agency has no plan yet."))
        return redirect("home")
    return redirect("workflows:progress", year=plan.fiscal_year.year)


@require_POST
def activate_plan(request: AuthenticatedHttpRequest, year: int) -> HttpResponse:
    plan = get_object_or_404(Plan.objects.visible_to(request.user), fiscal_year__year=year)
    try:
        services.activate_plan(plan, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The plan is active: every division has its tasks."))
    return redirect("workflows:progress", year=year)


# --- evidence ------------------------------------------------------------------------------------------------------


def download_evidence(request: AuthenticatedHttpRequest, pk: int) -> FileResponse:
    """Evidence is served only here, to people who may see the action: there is no public media URL."""
    evidence = get_object_or_404(
        Evidence.objects.visible_to(request.user).select_related("submission__action__agency"), pk=pk
    )
    permissions.require(request.user, permissions.VIEW_EVIDENCE, evidence)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The stored file is missing.")) from None
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response
