"""The flow lock, taken in the project's one lock order (docs/audit.md): the agency's hash-chain lock first,
then the process row. viewflow's task views take the flow lock before anything else on POST, and the services
take it after the agency's chain lock; both orders are the same only because the flow lock itself starts with
the chain lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from viewflow.workflow import lock

from approvals.transactions import lock_chains


class AgencyFirstLock(lock.SelectForUpdateLock):
    """viewflow's row lock on the process, after the lock of the hash chain of the process's agency."""

    @contextmanager
    def __call__(self, flow_class: Any, process_pk: Any) -> Iterator[None]:
        agency_id = (
            flow_class.process_class._default_manager.filter(pk=process_pk)
            .values_list("action__agency_id", flat=True)
            .first()
        )
        with transaction.atomic():
            if agency_id is not None:
                lock_chains(agency_id)
            with super().__call__(flow_class, process_pk):
                yield
