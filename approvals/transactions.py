"""One lock order for every transaction of the project, and retries of the errors PostgreSQL may still raise.

The lock order (docs/audit.md, "One lock order"):

1. A transaction that writes history first takes the hash-chain lock of its agency
   (`pg_advisory_xact_lock(LOCK_NAMESPACE, agency)`, the lock the seal trigger takes at a chain's first history
   row in a transaction), before any row lock. Several agencies: in ascending order.
2. Then rows, in the services' order: the flow lock (the process row), the action, the submission, ...
3. The global chain 0 (fiscal years, platform accounts) comes last, if at all: its lock is only ever taken
   by the seal trigger after the agency's, never before.

Every transaction of one agency therefore queues on that agency's chain lock before it can hold a row
another of them waits for, so the workflow and the background work of an agency never deadlock, and two
agencies never wait on each other (their chains and their rows are apart).

`agency_transaction` is the one helper: a decorator for services and a context manager for background jobs.
Where PostgreSQL still chooses a victim (a path outside this order, such as a superuser's SQL), the outermost
transaction is run once more, so the person never sees it.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections, transaction

from audit.seal.encoding import GLOBAL_CHAIN
from audit.seal.locks import lock_chains_sql

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

# deadlock_detected, serialization_failure: PostgreSQL cancelled this transaction so that another may go on.
CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})
# admin_shutdown (pg_terminate_backend), crash_shutdown, cannot_connect_now, and the connection exceptions.
LOST_CONNECTION_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})
# How often a service runs its transaction again after PostgreSQL cancelled it; the person never sees it.
SERVICE_RETRIES = 1


def _sqlstate(error: BaseException) -> str | None:
    cause = error.__cause__ or error.__context__
    return getattr(cause, "sqlstate", None) or getattr(error, "sqlstate", None)


def is_conflict(error: BaseException) -> bool:
    """A deadlock or serialization failure: running the whole transaction again succeeds."""
    return isinstance(error, OperationalError) and _sqlstate(error) in CONFLICT_SQLSTATES


def is_transient(error: BaseException) -> bool:
    """A conflict, or a connection lost or refused: worth trying again after a pause."""
    if is_conflict(error):
        return True
    if isinstance(error, InterfaceError):
        return True  # "connection already closed": Django reconnects on the next query
    if not isinstance(error, OperationalError):
        return False
    state = _sqlstate(error)
    return state is None or state in LOST_CONNECTION_SQLSTATES or state.startswith("08")


def chain_order(agency_ids: Iterable[int | None]) -> list[int]:
    """The chains to lock, in the one order: agencies ascending, the global chain last."""
    ids = list(agency_ids)
    chains = sorted({int(pk) for pk in ids if pk})
    if any(not pk for pk in ids):
        chains.append(GLOBAL_CHAIN)
    return chains


# The chains an enclosing `agency_transaction` block holds, per database alias: taking them again inside it would
# only repeat a statement (the lock is re-entrant and lasts until that block's transaction ends; a rollback of the
# block itself also leaves the block, so nothing inside it runs without the lock).
_held: contextvars.ContextVar[tuple[tuple[str, frozenset[int]], ...]] = contextvars.ContextVar(
    "khunatham_held_chains", default=()
)


def _held_chains(using: str) -> frozenset[int]:
    return frozenset().union(*(chains for alias, chains in _held.get() if alias == using))


def lock_chains(*agency_ids: int | None, using: str = DEFAULT_DB_ALIAS) -> None:
    """Take the hash-chain lock of each agency (None: the global chain) for the rest of the transaction.

    It is the advisory lock the seal trigger takes at the first history row of a chain in a transaction; taken
    here first, before any row lock, it puts every transaction of the agency in one queue. Re-entrant; a chain
    that an enclosing `agency_transaction` block already holds costs no statement.
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("lock_chains() outside a transaction would release the lock at once")
    held = _held_chains(using)
    chains = [chain for chain in chain_order(agency_ids) if chain not in held]
    if chains:
        lock_chains_sql(connection, chains)


def _outermost(using: str) -> bool:
    return not connections[using].in_atomic_block


def _forget_broken_connection(using: str) -> None:
    # After a lost connection Django keeps the dead one until told; the next query then reconnects.
    connections[using].close_if_unusable_or_obsolete()


@contextmanager
def _atomic_with_chain_locks(agency_ids: tuple[int | None, ...], using: str) -> Iterator[None]:
    with transaction.atomic(using=using):
        lock_chains(*agency_ids, using=using)
        token = _held.set((*_held.get(), (using, frozenset(chain_order(agency_ids)))))
        try:
            yield
        finally:
            _held.reset(token)


class agency_transaction:  # lower case: used as a decorator and a context manager, like transaction.atomic
    """Run a service, or a block of a background job, in one transaction that holds its agency's chain lock first.

    As a decorator, `agency_of` maps the service's arguments to its agency's id (default: the first argument's
    `agency_id`), and a deadlock or serialization failure of the outermost transaction runs the whole service
    once more (SERVICE_RETRIES). A refusal recorded inside survives the rollback, as `permissions.refusals_kept`
    promises. As a context manager (`with agency_transaction(agency_id):`) it takes the lock and leaves retries
    to the caller (`retry_transient`), since only the caller can run the block again.
    """

    def __init__(self, *agency_ids: Any, agency_of: Callable[..., int | None] | None = None, using=DEFAULT_DB_ALIAS):
        self.agency_ids = agency_ids
        self.agency_of = agency_of
        self.using = using
        self._context: AbstractContextManager[None] | None = None

    def __enter__(self) -> None:
        self._context = context = _atomic_with_chain_locks(self.agency_ids, self.using)
        return context.__enter__()

    def __exit__(self, *exc_info: Any) -> bool | None:
        context, self._context = self._context, None
        assert context is not None  # entered first
        return context.__exit__(*exc_info)

    def __call__(self, service: F) -> F:
        agency_of = self.agency_of or _first_argument_agency
        using = self.using

        @functools.wraps(service)
        def run(*args: Any, **kwargs: Any) -> Any:
            from approvals import permissions

            tries = 1 + (SERVICE_RETRIES if _outermost(using) else 0)
            for attempt in range(1, tries + 1):
                try:
                    with permissions.refusals_kept(), _atomic_with_chain_locks((agency_of(*args, **kwargs),), using):
                        return service(*args, **kwargs)
                except OperationalError as error:
                    if attempt == tries or not is_conflict(error):
                        raise
                    logger.warning("%s was cancelled by PostgreSQL (%s); running it again", service.__name__, error)
            raise AssertionError("unreachable")

        # functools.wraps keeps the service's signature, which a Callable[..., Any] wrapper cannot spell as F.
        return run  # type: ignore[return-value]


def _first_argument_agency(obj: Any, *args: Any, **kwargs: Any) -> int | None:
    return getattr(obj, "agency_id", None)


def backoff(attempt: int, *, base: float = 0.5, ceiling: float = 30.0) -> float:
    """Exponential backoff with jitter for database retries: about base·2^attempt seconds, capped."""
    top = min(ceiling, base * 2**attempt)
    return top / 2 + random.uniform(0, top / 2)


def retry_transient(
    work: Callable[[], Any], *, attempts: int = 6, using: str = DEFAULT_DB_ALIAS, what: str = "database work"
) -> Any:
    """Run `work` (which opens its own transaction) until it gets past deadlocks, serialization failures and
    lost connections, waiting with backoff between tries; the last error is raised. For background jobs that
    must not repeat what already happened outside the database (an email that was sent must be recorded)."""
    for attempt in range(attempts):
        try:
            return work()
        except (OperationalError, InterfaceError) as error:
            if attempt == attempts - 1 or not is_transient(error) or not _outermost(using):
                raise
            _forget_broken_connection(using)
            pause = backoff(attempt)
            logger.warning("%s failed (%s); trying again in %.1f s", what, error, pause)
            time.sleep(pause)
    raise AssertionError("unreachable")
