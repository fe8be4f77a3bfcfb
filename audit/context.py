"""The acting context (บริบทผู้กระทำ): who makes a change, on whose behalf, why, and from where.

Every write reaches PostgreSQL inside one such context, and the capture trigger of the changed table copies
it into the history row it writes (audit/triggers.py). There is one way in:

- a request enters it in `ActingContextMiddleware` (the signed-in person, the page);
- a Celery task enters a named job context (`job`), a management command run from manage.py a command
  context (`command`), a migration a migration context (`migration`), each acting as the system account;
- a service refines it with `acting(by=..., reason=...)` for the rows it writes, so that a decision carries
  the words its maker typed while the rows it moves along carry a code such as `workflow.accepted`.

How the context reaches the database is the database backend's business (audit/postgresql/base.py): it is
sent as a transaction-local setting in front of the first write that needs it, in that write's own round
trip, and again only when the context changes. A write made outside any context is still historised, with
no person, reason or source: the `unattributed_change` red flag reports it.

This module imports nothing from approvals or workflows: the account that system work acts as is named by
the setting `AUDIT_SYSTEM_USER` (a dotted path to a function returning it), resolved only when a row needs it.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

# The row changed is its own author: an account signing in (a password rehash) or creating itself.
SELF = "self"


@dataclass(frozen=True)
class Reason:
    """Why a change was made: a code the system writes, with parameters, translated when shown
    (audit/reasons.py); or the words a person typed, kept as typed. History rows are sealed and never
    rewritten, so a code is stored rather than a sentence in today's wording or language."""

    code: str = ""
    params: tuple[tuple[str, Any], ...] = ()
    text: str = ""

    def as_payload(self) -> dict[str, Any]:
        if self.text:
            return {"t": self.text}
        payload: dict[str, Any] = {"c": self.code}
        if self.params:
            payload["p"] = dict(self.params)
        return payload

    def __str__(self) -> str:
        return self.text or self.code


def typed(text: str) -> Reason:
    """A reason as a person wrote it (a return, a cancellation, an administrator's change)."""
    return Reason(text=(text or "").strip())


def code(reason_code: str, /, **params: Any) -> Reason:
    """A reason the system writes, e.g. `code("workflow.accepted", decision=42)`."""
    return Reason(code=reason_code, params=tuple(sorted(params.items())))


def as_reason(reason: Reason | str) -> Reason:
    return reason if isinstance(reason, Reason) else typed(reason)


User = Any  # an account, its id, SELF, or a callable returning one of these (resolved on first write)


@dataclass(frozen=True)
class Context:
    """One acting context. Immutable: refining it makes a new one."""

    user: User
    reason: Reason
    source: Mapping[str, Any]
    on_behalf_of: User = None
    # The request or job id: also on log lines, so that a history row can be matched with them.
    correlation_id: str = ""

    @cached_property
    def payload(self) -> str:
        """The JSON the capture triggers read, built once per context (the person is resolved here)."""
        source = {key: value() if callable(value) else value for key, value in self.source.items()}
        data: dict[str, Any] = {"u": _user_id(self.user), "s": {key: value for key, value in source.items() if value}}
        data.update(self.reason.as_payload())
        on_behalf_of = _user_id(self.on_behalf_of)
        if on_behalf_of is not None:
            data["o"] = on_behalf_of
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)


def _user_id(user: User) -> Any:
    if callable(user) and not hasattr(user, "pk"):
        user = user()
    if user is None or user == SELF:
        return user
    if isinstance(user, int):
        return user
    if not getattr(user, "is_authenticated", True):
        return None  # an anonymous visitor
    return getattr(user, "pk", None)


def _same_person(one: User, other: User) -> bool:
    if one is other:
        return True
    one_pk, other_pk = getattr(one, "pk", one), getattr(other, "pk", other)
    return not callable(one_pk) and one_pk is not None and one_pk == other_pk


_current: contextvars.ContextVar[Context | None] = contextvars.ContextVar("audit_context", default=None)


def current() -> Context | None:
    return _current.get()


def correlation_id() -> str:
    """The id of the request or job being served, for log lines ("" outside both)."""
    context = _current.get()
    return context.correlation_id if context is not None else ""


@contextlib.contextmanager
def _entered(context: Context) -> Iterator[Context]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def system_user() -> Any:
    """The account that jobs, commands and migrations act as (settings.AUDIT_SYSTEM_USER)."""
    return import_string(settings.AUDIT_SYSTEM_USER)()


def new_id() -> str:
    return uuid.uuid4().hex[:16]


@contextlib.contextmanager
def entered(
    kind: str,
    name: str,
    *,
    user: User = system_user,
    reason: Reason | None = None,
    correlation_id: str = "",
    **details: Any,
) -> Iterator[Context]:
    """A new root context: a `request`, a `job`, a `command` or a `migration` called `name`.

    Unless refined, rows written inside it are attributed to `user` with the reason `<kind>` (code).
    """
    correlation_id = correlation_id or new_id()
    source = {"kind": kind, "name": name, "id": correlation_id, **{k: v for k, v in details.items() if v}}
    context = Context(
        user=user,
        reason=reason or code(kind, name=name),
        source=source,
        correlation_id=correlation_id,
    )
    with _entered(context) as entered_context:
        yield entered_context


def job(name: str, job_id: str = "") -> contextlib.AbstractContextManager[Context]:
    """A background job (a Celery task) acting as the system account."""
    return entered("job", name, correlation_id=job_id)


def command(name: str) -> contextlib.AbstractContextManager[Context]:
    """A management command acting as the system account."""
    return entered("command", name)


def migration(name: str) -> contextlib.AbstractContextManager[Context]:
    """A migration (`app.0002_name`): its data changes are recorded as the migration's own, with no person
    (the system account is itself a row that migrations create)."""
    return entered("migration", name, user=None)


@contextlib.contextmanager
def acting(
    by: User = None,
    reason: Reason | str | None = None,
    *,
    on_behalf_of: User = None,
) -> Iterator[Context]:
    """Refine the current context for the rows written inside the block: who acts (`by`), for whom when
    acting (`on_behalf_of`, e.g. the mayor an acting mayor stands in for) and why. What is not given is
    kept from the enclosing context; outside any context the source is the calling code."""
    outer = _current.get()
    if outer is None:
        outer = Context(user=None, reason=Reason(), source={"kind": "code"})
    same_person = by is None or _same_person(by, outer.user)
    context = replace(
        outer,
        user=by if by is not None else outer.user,
        reason=as_reason(reason) if reason is not None else outer.reason,
        # Whom an acting official stands in for holds for everything they write in the block.
        on_behalf_of=on_behalf_of if on_behalf_of is not None else (outer.on_behalf_of if same_person else None),
    )
    with _entered(context) as entered_context:
        yield entered_context


def without() -> contextlib.AbstractContextManager[None]:
    """No context at all (tests of what an unattributed write looks like)."""

    @contextlib.contextmanager
    def block() -> Iterator[None]:
        token = _current.set(None)
        try:
            yield
        finally:
            _current.reset(token)

    return block()
