"""`manage.py play_sample_year` plays the seed report's results through the real flow as the demo users,
leaving actions in every state, and changes nothing when run again."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings

from approvals.models import AccessRefusal, Action, Decision, Evidence, Submission
from approvals.sample import load_sample_agency


def play() -> str:
    out = StringIO()
    call_command("play_sample_year", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def _played_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """Loading and playing the year takes seconds: do it once for this module, inside a transaction that is
    rolled back afterwards (each test runs in a savepoint within it)."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        with transaction.atomic():
            load_sample_agency()
            play()
            yield
            transaction.set_rollback(True)


@pytest.fixture
def played(_played_once, db):
    return None


def test_the_sample_year_leaves_actions_in_every_state(played):
    statuses = set(Action.objects.values_list("status", flat=True))

    assert statuses >= {
        Action.Status.DONE,
        Action.Status.AWAITING_APPROVAL,
        Action.Status.AWAITING_REVIEW,
        Action.Status.RETURNED,
        Action.Status.IN_PROGRESS,
        Action.Status.PLANNED,
    }
    assert any(action.is_overdue() for action in Action.objects.all())
    assert any(not action.is_overdue() for action in Action.objects.filter(status=Action.Status.IN_PROGRESS))


def test_the_sample_year_is_played_by_the_demo_users_with_reasons_and_an_acting_mayor(played):
    returned = Decision.objects.filter(outcome=Decision.Outcome.RETURNED)

    assert set(returned.values_list("decided_by__username", flat=True)) == {"palad", "nayok"}
    assert all(reason for reason in returned.values_list("reason", flat=True))
    acting = Decision.objects.get(on_behalf_of__username="nayok")
    assert acting.decided_by.username == "rongnayok"
    submitters = set(Submission.objects.exclude(submitted_by=None).values_list("submitted_by__username", flat=True))
    assert submitters <= {"somchai", "malee", "prasert", "wilai", "nipa"}
    assert Evidence.objects.exists()
    assert not AccessRefusal.objects.exists()


def test_playing_the_sample_year_again_changes_nothing(played):
    before = [model.objects.count() for model in (Action, Submission, Decision, Evidence)]
    statuses = list(Action.objects.values("status").annotate(n=Count("pk")).order_by("status"))

    output = play()

    assert "nothing changed" in output
    assert [model.objects.count() for model in (Action, Submission, Decision, Evidence)] == before
    assert list(Action.objects.values("status").annotate(n=Count("pk")).order_by("status")) == statuses
