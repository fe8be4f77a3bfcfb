"""The rows of a data set that several transactional tests of a module start from, made once and put back for
each of them (the `rows_of_the_module` fixture of tests/conftest.py).

A transactional test (the browser tests: the live server reads only what is committed) starts from an empty
database, and the flush after it empties the database again. A module whose every test starts from the same
large data set (the sample agency and its played year: 15-30 s on the 2-core machine) makes it in its first
test and keeps a copy of every table's rows (COPY ... TO, binary); every later test of the module starts from
that copy (COPY ... FROM, about a second), not from what an earlier test left: each test sees the same rows,
whatever ran before it. The ids are the same in each test, so the cache (which may hold pages by id) is
emptied when the rows are put back.

The rows go back as the flush (audit/management/commands/flush.py) takes them away: as the owner role, in one
transaction, every user trigger off (the capture triggers would record the copy as new history; the rows'
own history and seals come with them), the foreign keys checked at the end. The content types and
permissions that the flush's post_migrate made again are replaced by the copy's, which its rows point at,
and Django's in-process cache of content types is emptied.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import connection, transaction

from audit import roles

KEPT = {"audit_seallayout"}  # kept by the flush too: it comes from the migrations


def _tables() -> list[str]:
    names = connection.introspection.django_table_names(only_existing=True, include_views=False)
    return sorted(set(names) - KEPT)


def take() -> dict[str, bytes]:
    """Every table's rows, as they are now."""
    quote = connection.ops.quote_name
    rows: dict[str, bytes] = {}
    with roles.as_owner(connection), connection.cursor() as cursor:
        for table in _tables():
            with cursor.copy(f"COPY {quote(table)} TO STDOUT (FORMAT binary)") as copy:
                rows[table] = b"".join(bytes(chunk) for chunk in copy)
    return rows


def put_back(rows: dict[str, bytes]) -> None:
    """Every table holds what `rows` holds, and nothing else."""
    quote = connection.ops.quote_name
    with roles.as_owner(connection):
        tables = _tables()
        with transaction.atomic(), connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ALTER TABLE {quote(table)} DISABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in tables:
                cursor.execute(f"DELETE FROM {quote(table)}")
            for table in tables:
                if rows.get(table):
                    with cursor.copy(f"COPY {quote(table)} FROM STDIN (FORMAT binary)") as copy:
                        copy.write(rows[table])
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in tables:
                cursor.execute(f"ALTER TABLE {quote(table)} ENABLE TRIGGER USER")
    ContentType.objects.clear_cache()
    cache.clear()


class ModuleRows:
    """What a module's first test made, for the module's other tests: the rows, and the folder of the files
    they name (MEDIA_ROOT)."""

    def __init__(self, media_root: Path) -> None:
        self.media_root = media_root
        self.rows: dict[str, bytes] | None = None

    def made_once(self, make: Callable[[], object]) -> None:
        """`make()` in the module's first test; in the others, the rows it made, put back."""
        if self.rows is None:
            make()
            self.rows = take()
        else:
            put_back(self.rows)
