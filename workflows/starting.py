"""Starting the processes of many actions at once: a plan's activation (เริ่มดำเนินการตามแผน).

viewflow's start runs one action at a time: about 14 statements for the process and its start and split tasks,
and 4 more per division (the flow lock, the split's reads, the task and its link). A plan has dozens of actions
and a province a thousand plans, so `start_all` writes the same rows a table at a time: the processes, the start
tasks, the split tasks, one task per division with a draft, and the links between them. The rows are viewflow's
own records with the values its start gives them (tests/workflows/test_start_all.py compares the two, row by
row); each is written inside the service's acting context, so the capture triggers write its history row and
seal it, as they do for viewflow's own writes. Only a first round is started this way: a returned round, whose
tasks go back to their authors, always goes through viewflow.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.models import Process, Task
from viewflow.workflow.status import PROCESS, STATUS
from viewflow.workflow.token import Token

from approvals import permissions
from approvals.models import Action, Submission, User
from audit import context
from audit.context import Reason
from workflows.flows import ActionFlow
from workflows.models import ActionProcess


def start_all(actions: list[Action], *, by: User, reason: Reason | str) -> None:
    """Start the process of each action (none started yet, in its first round): each division with a draft in
    the round gets its task in its queue, as the split of `engine.start` gives it."""
    if not actions:
        return
    if any(a.current_round != 1 for a in actions):
        raise ValueError("start_all starts first rounds only; a later round goes through engine.start")
    # ActionProcess.divisions_with_work for every action at once: the drafts of the round, in the split's order.
    division_ids: dict[int, list[int]] = {a.pk: [] for a in actions}
    drafts = (
        Submission.objects.filter(
            action_id__in=list(division_ids), round=F("action__current_round"), status=Submission.Status.DRAFT
        )
        .order_by("division__sort_order", "division__name")
        .values_list("action_id", "division_id")
    )
    for action_id, division_id in drafts:
        division_ids[action_id].append(division_id)
    if any(not ids for ids in division_ids.values()):
        raise FlowRuntimeError("No division has work to do at split_to_divisions")
    flow = ActionFlow.instance
    now = timezone.now()
    with transaction.atomic(), context.acting(by=by, reason=reason):
        # The capture trigger of the task table reads the agency and action from the process's data.
        processes = Process.objects.bulk_create(
            [
                Process(
                    flow_class=ActionFlow,
                    status=PROCESS.NEW,
                    created=now,
                    data={"agency_id": a.agency_id, "action_id": a.pk},
                )
                for a in actions
            ]
        )
        # ActionProcess extends Process by a table of its own, which bulk_create does not write: the
        # child rows go in through the same insert Django's save uses for them, all in one statement.
        children = [ActionProcess(process_ptr_id=p.pk, action=a) for p, a in zip(processes, actions, strict=True)]
        fields = [ActionProcess._meta.get_field("process_ptr"), ActionProcess._meta.get_field("action")]
        ActionProcess._base_manager._insert(children, fields=fields, raw=True)

        starts = Task.objects.bulk_create(
            [
                Task(
                    process=p,
                    flow_task=flow.start,
                    flow_task_type=flow.start.task_type,
                    status=STATUS.DONE,
                    token=Token("start"),
                    created=now,
                    started=now,
                    finished=now,
                    data={},
                )
                for p in processes
            ]
        )
        splits = Task.objects.bulk_create(
            [
                Task(
                    process=p,
                    flow_task=flow.split_to_divisions,
                    flow_task_type=flow.split_to_divisions.task_type,
                    status=STATUS.DONE,
                    token=Token("start"),
                    created=now,
                    finished=now,
                    data={},
                )
                for p in processes
            ]
        )
        tasks: list[Task] = []
        leads: list[Task] = []
        for process, split, action in zip(processes, splits, actions, strict=True):
            # The tokens of viewflow's split: a common prefix, so that the join counts exactly these branches.
            tokens = Token.split_token_source(split.token, split.pk)
            for division_id in division_ids[action.pk]:
                tasks.append(
                    Task(
                        process=process,
                        flow_task=flow.perform_action,
                        flow_task_type=flow.perform_action.task_type,
                        status=STATUS.NEW,
                        token=next(tokens),
                        created=now,
                        owner_permission=permissions.division_permission(division_id),
                        data={"division": division_id},
                    )
                )
                leads.append(split)
        Task.objects.bulk_create(tasks)
        link = Task.previous.through
        Task.previous.through.objects.bulk_create(
            [link(from_task_id=split.pk, to_task_id=start.pk) for split, start in zip(splits, starts, strict=True)]
            + [link(from_task_id=task.pk, to_task_id=split.pk) for task, split in zip(tasks, leads, strict=True)]
        )
